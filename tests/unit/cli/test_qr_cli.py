"""``qrpay qr``: what a person at a terminal sees, and the exit status scripts rely on."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from qrpay.cli.main import main

PROMPTPAY = "00020101021129370016A000000677010111011300668012345675802TH530376463046197"
CPM_WITH_PAN = "hQVDUFYwMWEaTwegAAAAVVVVVw8SNFZ4kBI0WNGRIgESNF8="


def run(
    capsys: pytest.CaptureFixture[str], *argv: str, stdin: str | None = None
) -> tuple[int, str, str]:
    if stdin is not None:
        pytest.MonkeyPatch().setattr("sys.stdin", io.StringIO(stdin))
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_decode_prints_scheme_account_and_named_fields(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qr", "decode", PROMPTPAY)

    assert code == 0
    assert "promptpay" in out
    assert "0066801234567 (mobile)" in out
    assert "Payload Format Indicator" in out


def test_invalid_payload_exits_1_with_one_line_naming_reason_field_position(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "qr", "decode", PROMPTPAY[:-4] + "FFFF")

    assert code == 1
    assert out == ""
    assert err.count("\n") == 1
    assert "crc_mismatch" in err
    assert "field 63" in err
    assert "position 70" in err


def test_json_output_has_the_documented_keys(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qr", "decode", "--json", PROMPTPAY[:-4] + "FFFF")

    data = json.loads(out)
    assert code == 1
    assert set(data) == {"valid", "mode", "scheme", "fields", "templates", "warnings", "error"}
    assert data["error"]["code"] == "crc_mismatch"
    assert data["error"]["field"] == "63"
    assert data["error"]["position"] == 70
    assert data["templates"]["29"]["00"] == "A000000677010111"


def test_decode_reads_stdin(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "qr", "decode", "--json", "-", stdin=PROMPTPAY + "\n")

    assert code == 0
    assert json.loads(out)["scheme"] == "promptpay"


def test_card_numbers_are_masked_unless_revealed(capsys: pytest.CaptureFixture[str]) -> None:
    _, masked, _ = run(capsys, "qr", "decode", "--json", CPM_WITH_PAN)
    _, revealed, _ = run(capsys, "qr", "decode", "--json", "--reveal-card-numbers", CPM_WITH_PAN)

    assert "1234567890123458" not in masked
    assert "123456******3458" in masked
    assert "1234567890123458" in revealed


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_render_writes_an_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, suffix: str
) -> None:
    target = tmp_path / f"code{suffix}"

    code, _, _ = run(capsys, "qr", "render", PROMPTPAY, "-o", str(target))

    assert code == 0
    assert target.stat().st_size > 100


def test_rendered_png_decodes_back_through_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = PROMPTPAY.replace("5802TH", "5802TH")
    target = tmp_path / "code.png"
    run(capsys, "qr", "render", payload, "-o", str(target))

    code, out, _ = run(capsys, "qr", "decode", "--json", "--image", str(target))

    assert code == 0
    assert json.loads(out)["fields"]["29"] == "0016A00000067701011101130066801234567"


def test_render_refuses_an_unknown_image_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "qr", "render", PROMPTPAY, "-o", str(tmp_path / "code.gif"))

    assert code == 2
    assert ".png or .svg" in err


def test_encode_writes_a_canonical_payload_that_decodes(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    image = tmp_path / "shop.png"
    code, out, _ = run(
        capsys,
        "qr", "encode",
        "--point-of-initiation", "dynamic",
        "--merchant-name", "Somtam Corner",
        "--merchant-city", "Bangkok",
        "--country", "TH",
        "--mcc", "5812",
        "--currency", "THB",
        "--amount", "120.50",
        "--reference", "ORDER-1",
        "--account", "29:00=A000000677010111,01=0066812345678",
        "-o", str(image),
    )  # fmt: skip
    payload = out.strip()

    assert code == 0
    _, decoded, _ = run(capsys, "qr", "decode", "--json", payload)
    data = json.loads(decoded)
    assert data["valid"] is True
    assert data["fields"]["54"] == "120.50"
    assert data["fields"]["53"] == "764"
    assert data["templates"]["62"] == {"05": "ORDER-1"}
    _, from_image, _ = run(capsys, "qr", "decode", "--json", "--image", str(image))
    assert json.loads(from_image)["fields"] == data["fields"]


def test_encode_with_a_bad_amount_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(capsys, "qr", "encode", "--amount", "12,50", "--country", "TH")

    assert code == 1
    assert out == ""
    assert "amount_format" in err
    assert err.count("\n") == 1


def test_demo_round_trips_a_checkout_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, out, _ = run(capsys, "qr", "demo", "--data-dir", str(tmp_path))

    assert code == 0
    assert "scanned back: identical" in out
    assert (tmp_path / "demo-checkout.png").exists()
