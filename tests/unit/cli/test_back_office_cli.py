"""``qrpay settle``, ``qrpay reconcile`` and ``qrpay worker`` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from qrpay.cli.main import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


@pytest.mark.parametrize("command", ["settle", "reconcile", "worker"])
def test_each_command_explains_itself(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    main([command, "--help"])
    out = capsys.readouterr().out
    assert "Usage: qrpay" in out
    assert len(out.splitlines()) > 5


def test_a_bad_date_is_one_line_and_status_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QRPAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QRPAY_DATABASE_URL", raising=False)
    code, _, err = _run(["settle", "--date", "24/11/2026"], capsys)
    assert code == 1
    assert (
        err.strip()
        == "error: back_office.business_day_invalid: '24/11/2026' is not a date (YYYY-MM-DD)"
    )


def test_settle_prints_csv_of_an_empty_day_after_migrate(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QRPAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QRPAY_DATABASE_URL", raising=False)
    main(["migrate"])
    capsys.readouterr()
    main(["settle", "--date", "2026-11-24", "--tz", "Asia/Bangkok"])
    assert capsys.readouterr().out.splitlines() == [
        "business_day,merchant_id,network,currency,count,gross_minor,refunds_minor,fees_minor,net_minor"
    ]


def test_reconcile_of_an_unreadable_report_fails_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("QRPAY_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("QRPAY_DATABASE_URL", raising=False)
    main(["migrate"])
    report = tmp_path / "report.xml"
    report.write_text("<not-camt/>")
    capsys.readouterr()
    code, _, err = _run(["reconcile", "--network", "instant", "--file", str(report)], capsys)
    assert code == 1
    # (a first run also logs where it generated the key store's master key)
    assert err.strip().splitlines()[-1].startswith("error: back_office.report_unreadable:")
