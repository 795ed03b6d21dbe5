# Targets match the README; CI calls the same scripts.
.PHONY: run test check setup

setup:
	scripts/setup

run:
	scripts/run

test:
	scripts/test

check:
	scripts/test
