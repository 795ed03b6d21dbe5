# Targets match the README; CI calls the same scripts.
.PHONY: run test check setup deploy-check

setup:
	scripts/setup

run:
	scripts/run

test:
	scripts/test

check:
	scripts/test

# The AWS CDK app (deploy/aws): synthesis, template tests, cfn-lint. Offline.
deploy-check:
	deploy/aws/check
