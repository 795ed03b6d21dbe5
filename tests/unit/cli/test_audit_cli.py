"""``qrpay audit verify`` against the embedded log: exit 1 naming the first bad entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.unit.cli.test_qr_cli import run

Tamper = Callable[[list[str]], list[str]]


@pytest.fixture
def audit_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Path:
    monkeypatch.setenv("QRPAY_DATA_DIR", str(tmp_path))
    for name in ("QRPAY_MASTER_KEY", "QRPAY_MASTER_KEY_FILE", "QRPAY_KEYSTORE_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    # Key changes made through the CLI are privileged actions: each one is recorded.
    run(capsys, "keys", "create", "webhooks", "--kind", "hmac")
    for _ in range(3):
        run(capsys, "keys", "rotate", "webhooks")
    run(capsys, "keys", "retire", "webhooks", "1")
    return tmp_path / "audit.jsonl"


def test_an_untouched_log_verifies(capsys: pytest.CaptureFixture[str], audit_file: Path) -> None:
    code, out, _ = run(capsys, "audit", "verify")

    assert code == 0
    assert out.startswith("ok: 5 entries, chain intact, head ")
    rows = [json.loads(line) for line in audit_file.read_text().splitlines()]
    assert [r["action"] for r in rows] == ["key.created"] + ["key.rotated"] * 3 + ["key.retired"]
    assert rows[-1]["target"] == "webhooks#v1"


def _edit(lines: list[str]) -> list[str]:
    row = json.loads(lines[2])
    row["after"] = {"current": 99}
    return [*lines[:2], json.dumps(row), *lines[3:]]


def _insert(lines: list[str]) -> list[str]:
    forged = json.loads(lines[1])
    forged.update(seq=3, prev_hash=json.loads(lines[1])["hash"], actor="cli:mallory")
    later = []
    for line in lines[2:]:
        row = json.loads(line)
        row["seq"] += 1
        later.append(json.dumps(row))
    return [*lines[:2], json.dumps(forged), *later]


@pytest.mark.parametrize(
    ("tamper", "named"),
    [
        (_edit, "entry 3 at position 3: its content does not match its hash"),
        (lambda lines: [*lines[:2], *lines[3:]], "entry 4 at position 3: entry 3 belongs here"),
        (lambda lines: [lines[0], lines[3], lines[2], lines[1], lines[4]], "entry 4 at position 2"),
        (_insert, "entry 3 at position 3: its content does not match its hash"),
    ],
    ids=["edited", "deleted", "reordered", "inserted"],
)
def test_tampering_exits_1_naming_the_first_bad_entry(
    capsys: pytest.CaptureFixture[str], audit_file: Path, tamper: Tamper, named: str
) -> None:
    lines = audit_file.read_text().splitlines()
    audit_file.write_text("\n".join(tamper(lines)) + "\n")

    code, out, err = run(capsys, "audit", "verify")

    assert code == 1
    assert out == ""
    assert err.startswith("error: audit.chain_broken: ")
    assert named in err
    assert err.count("\n") == 1


def test_a_line_that_is_not_an_entry_is_named(
    capsys: pytest.CaptureFixture[str], audit_file: Path
) -> None:
    lines = audit_file.read_text().splitlines()
    audit_file.write_text("\n".join([*lines[:3], "{not json", *lines[3:]]) + "\n")

    code, _, err = run(capsys, "audit", "verify")

    assert code == 1
    assert err == "error: audit.entry_unreadable: line 4 is not an audit entry\n"


def test_an_empty_log_verifies_with_no_entries(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "audit", "verify", "--file", str(tmp_path / "none.jsonl"))

    assert code == 0
    assert out.startswith("ok: 0 entries")
