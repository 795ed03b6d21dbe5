"""``qrpay keys``: what an operator sees, and exit status 1 with one line on errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.cli.test_qr_cli import run


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QRPAY_DATA_DIR", str(tmp_path))
    for name in ("QRPAY_MASTER_KEY", "QRPAY_MASTER_KEY_FILE", "QRPAY_KEYSTORE_BACKEND"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def test_create_rotate_retire_then_list_shows_each_version(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "keys", "create", "webhooks", "--kind", "hmac")[1] == (
        "created webhooks v1 (hmac)\n"
    )
    assert run(capsys, "keys", "rotate", "webhooks")[1] == "rotated webhooks: v2 is current\n"
    assert run(capsys, "keys", "retire", "webhooks", "1")[1] == "retired webhooks v1\n"

    code, out, _ = run(capsys, "keys", "list")

    assert code == 0
    rows = {line.split()[0]: line.split()[1:] for line in out.splitlines()[1:]}
    assert rows["webhooks"] == ["hmac", "v2", "v1", "(retired),", "v2"]
    assert rows["audit-chain"][:2] == ["hmac", "v1"]  # made to seal the audit trail


def test_an_empty_store_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "keys", "list")[:2] == (0, "no keys\n")


def test_the_first_run_generates_the_master_key_in_the_data_dir(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    run(capsys, "keys", "create", "cards", "--kind", "aes_gcm")

    assert (data_dir / "master.key").exists()
    assert (data_dir / "keys.json").exists()


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (("keys", "rotate", "nope"), "keystore.key_not_found"),
        (("keys", "retire", "webhooks", "1"), "keystore.version_is_current"),
        (("keys", "create", "webhooks", "--kind", "hmac"), "keystore.key_exists"),
        (("keys", "create", "Bad#Name", "--kind", "hmac"), "keystore.key_name_invalid"),
    ],
)
def test_errors_exit_1_with_one_line_naming_the_code(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], code: str
) -> None:
    run(capsys, "keys", "create", "webhooks", "--kind", "hmac")

    status, out, err = run(capsys, *argv)

    assert status == 1
    assert out == ""
    assert err.startswith(f"error: {code}: ")
    assert err.count("\n") == 1
