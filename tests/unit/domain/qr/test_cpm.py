"""EMVCo consumer-presented codes: BER-TLV in base64, card numbers masked."""

from __future__ import annotations

import base64

import pytest

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import cpm
from qrpay.domain.qr.cpm import BerObject, ConsumerPresentedCode

SPEC_B1 = "hQVDUFYwMWEaTwegAAAAVVVVVw8SNFZ4kBI0WNGRIgESNF8="
PAN = "1234567890123458"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_spec_example_decodes_aid_and_track2() -> None:
    code = cpm.decode(SPEC_B1)

    assert code.payload_format_indicator == b"CPV01"
    assert code.aids() == ["A0000000555555"]
    track2 = code.applications[0].child("57")
    assert track2 is not None
    assert track2.hex().startswith(PAN + "D")


def test_card_numbers_are_masked_in_every_string_of_the_model() -> None:
    code = cpm.decode(SPEC_B1)
    pan_object = BerObject("5A", bytes.fromhex(PAN))
    with_pan = ConsumerPresentedCode((code.objects[0], BerObject.template("61", (pan_object,))))

    for text in (repr(code), str(code), repr(with_pan), str(with_pan), f"{with_pan}"):
        assert PAN not in text
        assert "123456******3458" in text


def test_encode_writes_short_and_long_length_forms() -> None:
    long_value = BerObject("9F25", b"x" * 200)
    code = ConsumerPresentedCode(
        (BerObject("85", b"CPV01"), BerObject.template("61", (long_value,)))
    )

    raw = base64.b64decode(cpm.encode(code))

    assert raw[:2] == b"\x85\x05"
    assert raw[7:10] == bytes([0x61, 0x81, 2 + 2 + 200])
    assert cpm.decode(cpm.encode(code)) == code


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("not base64!", QrReason.CPM_BASE64),
        ("hQVDUFYwMWEa", QrReason.BER_LENGTH_OVERFLOW),
        (b64(bytes.fromhex("8505435056303262034F0100")), QrReason.CPM_PFI),
        (b64(b"\x85\x05CPV01\x62\x03\x4f\x01\x00"), QrReason.CPM_NO_APPLICATION_TEMPLATE),
        (b64(b"\x85\x05CPV01\x61\x84\x00\x00\x00\x01"), QrReason.BER_LENGTH_OVERFLOW),
        (b64(b"\x85\x05CPV01\x61\x01\x9f"), QrReason.BER_TAG_INVALID),
        ("", QrReason.PAYLOAD_EMPTY),
        ("çé", QrReason.CPM_BASE64),
    ],
)
def test_malformed_payload_gives_its_reason(payload: str, reason: QrReason) -> None:
    with pytest.raises(QrError) as caught:
        cpm.decode(payload)

    assert caught.value.reason is reason


def test_nesting_deeper_than_the_limit_is_refused_without_recursion() -> None:
    inner = b"\x4f\x01\x00"
    for _ in range(cpm.BER_DEPTH_MAX + 1):
        inner = b"\x63" + bytes([len(inner)]) + inner
    data = b"\x85\x05CPV01\x61" + bytes([len(inner)]) + inner

    with pytest.raises(QrError) as caught:
        cpm.decode(b64(data))

    assert caught.value.reason is QrReason.TLV_DEPTH_EXCEEDED


def test_mask_keeps_first_six_and_last_four_and_hides_track2_tail() -> None:
    assert cpm.mask_card_digits("1234567890123458D191220112345F") == "123456******3458D****"
    assert cpm.mask_card_digits("12345") == "*****"
