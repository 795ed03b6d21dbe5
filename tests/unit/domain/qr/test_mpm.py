"""EMVCo merchant-presented rules: each reason code, its field and its position."""

from __future__ import annotations

import pytest

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import mpm
from qrpay.domain.qr.crc import crc16_hex
from qrpay.domain.qr.mpm import MerchantPresentedCode, PointOfInitiation, Template

BASE = [
    ("00", "01"),
    ("01", "12"),
    ("29", "0016A00000067701011101130066812345678"),
    ("52", "5812"),
    ("53", "764"),
    ("54", "120.50"),
    ("58", "TH"),
    ("59", "Somtam Corner"),
    ("60", "Bangkok"),
    ("62", "0510ORDER-0042"),
]


def build(objects: list[tuple[str, str]], *, crc: str | None = None) -> str:
    """Join objects with their declared lengths and append a (correct, unless given) CRC."""
    body = "".join(f"{tag}{len(value):02d}{value}" for tag, value in objects) + "6304"
    return body + (crc if crc is not None else crc16_hex(body))


def replaced(tag: str, value: str) -> list[tuple[str, str]]:
    return [(t, value if t == tag else v) for t, v in BASE]


def test_base_payload_decodes_to_its_typed_fields() -> None:
    code = mpm.decode(build(BASE))

    assert code.point_of_initiation is PointOfInitiation.DYNAMIC
    assert code.amount == "120.50"
    assert code.currency_number == "764"
    assert code.merchant_name == "Somtam Corner"
    assert code.additional("05") == "ORDER-0042"
    template = code.template("29")
    assert template is not None
    assert template.gui == "A000000677010111"


@pytest.mark.parametrize(
    ("objects", "reason", "field"),
    [
        (replaced("01", "13"), QrReason.POI_INVALID, "01"),
        (replaced("52", "58A2"), QrReason.MCC_INVALID, "52"),
        (replaced("53", "000"), QrReason.CURRENCY_INVALID, "53"),
        (replaced("54", "12.3.4"), QrReason.AMOUNT_FORMAT, "54"),
        (replaced("54", "12345678901.25"), QrReason.AMOUNT_FORMAT, "54"),
        (replaced("54", "0.00"), QrReason.AMOUNT_ZERO, "54"),
        ([*BASE, ("55", "04")], QrReason.TIP_INDICATOR_INVALID, "55"),
        ([*BASE, ("55", "02")], QrReason.FEE_FIXED_FORMAT, "56"),
        ([*BASE, ("55", "02"), ("56", "1,00")], QrReason.FEE_FIXED_FORMAT, "56"),
        ([*BASE, ("55", "03"), ("57", "100")], QrReason.FEE_PERCENT_FORMAT, "57"),
        ([*BASE, ("55", "03")], QrReason.FEE_PERCENT_FORMAT, "57"),
        (replaced("58", "XX"), QrReason.COUNTRY_INVALID, "58"),
        (replaced("58", "th"), QrReason.COUNTRY_INVALID, "58"),
        (replaced("29", "A000000677010111"), QrReason.TEMPLATE_NOT_TLV, "29.A0"),
        (replaced("62", "0501A0501B"), QrReason.TEMPLATE_DUPLICATE_ID, "62.05"),
        (replaced("00", "03"), QrReason.PFI_INVALID, "00"),
    ],
)
def test_field_rule_names_reason_and_field(
    objects: list[tuple[str, str]], reason: QrReason, field: str
) -> None:
    with pytest.raises(QrError) as caught:
        mpm.decode(build(objects))

    assert caught.value.reason is reason
    assert caught.value.field == field


def test_position_points_at_the_offending_value() -> None:
    payload = build(replaced("54", "12,50"))

    with pytest.raises(QrError) as caught:
        mpm.decode(payload)

    assert caught.value.position is not None
    assert payload[caught.value.position :].startswith("12,50")


@pytest.mark.parametrize(
    ("payload", "reason", "position"),
    [
        ("0002010A", QrReason.TLV_NON_NUMERIC_ID, 6),
        ("00020101AB", QrReason.TLV_NON_NUMERIC_LENGTH, 8),
        ("000201010063040000", QrReason.TLV_ZERO_LENGTH, 8),
        ("0002010105123", QrReason.TLV_LENGTH_OVERFLOW, 8),
        ("0102120002016304ABCD", QrReason.PFI_NOT_FIRST, 0),
        ("", QrReason.PAYLOAD_EMPTY, 0),
        ("0\u00b2020101", QrReason.TLV_NON_NUMERIC_ID, 0),
    ],
)
def test_structure_rule_and_position(payload: str, reason: QrReason, position: int) -> None:
    with pytest.raises(QrError) as caught:
        mpm.decode(payload)

    assert caught.value.reason is reason
    assert caught.value.position == position


def test_crc_rules_in_their_listed_order() -> None:
    body = build(BASE)
    cases = {
        body + "6304ABCD": QrReason.DUPLICATE_CRC,
        build([*BASE[:3], BASE[2]]): QrReason.DUPLICATE_ID,
        build(BASE)[:-8]: QrReason.CRC_MISSING,
        body[:-8] + "6304" + body[-4:] + "9902XY": QrReason.CRC_NOT_LAST,
        body[:-8] + "6303ABC": QrReason.CRC_BAD_LENGTH,
        body[:-4] + body[-4:].lower(): QrReason.CRC_FORMAT,
        body[:-4] + ("0000" if body[-4:] != "0000" else "0001"): QrReason.CRC_MISMATCH,
    }
    for payload, reason in cases.items():
        with pytest.raises(QrError) as caught:
            mpm.decode(payload)
        assert caught.value.reason is reason, payload


def test_first_listed_rule_wins_over_a_later_one() -> None:
    # Both the CRC and the amount are wrong: the CRC rule is listed first.
    payload = build(replaced("54", "1,0"), crc="0000")

    with pytest.raises(QrError) as caught:
        mpm.decode(payload)

    assert caught.value.reason is QrReason.CRC_MISMATCH


def test_lengths_count_code_points_not_bytes() -> None:
    payload = build([*BASE, ("64", "0002ZH0104最佳运输")])

    code = mpm.decode(payload)

    template = code.language_template
    assert template is not None
    assert template.get("01") == "最佳运输"


def test_payload_longer_than_the_limit_is_refused_and_the_limit_is_configurable() -> None:
    payload = build([*BASE, ("99", "X" * 99), ("98", "Y" * 99), ("97", "Z" * 99)])
    assert len(payload) > 400

    with pytest.raises(QrError) as caught:
        mpm.decode(payload, payload_chars_max=400)
    assert caught.value.reason is QrReason.PAYLOAD_TOO_LONG
    assert mpm.decode(payload, payload_chars_max=1000).get("99") == "X" * 99


def test_missing_mandatory_fields_are_warnings_not_errors() -> None:
    payload = build([("00", "01"), ("29", "0016A00000067701011101130066812345678"), ("53", "764")])

    code = mpm.decode(payload)

    assert code.missing_mandatory() == ["52", "58", "59", "60"]


def test_unreserved_template_is_decoded_when_tlv_and_kept_primitive_otherwise() -> None:
    code = mpm.decode(build([*BASE, ("82", "7FFC1AC00E99EA2D"), ("91", "0016A011223344998877")]))

    assert code.get("82") == "7FFC1AC00E99EA2D"
    assert code.template("82") is None
    nested = code.template("91")
    assert nested is not None
    assert nested.get("00") == "A011223344998877"


def test_payment_system_template_inside_62_is_nested() -> None:
    code = mpm.decode(build(replaced("62", "0106BILLNO50150004TEST0103ABC")))

    additional = code.additional_data
    assert additional is not None
    nested = additional.template("50")
    assert nested is not None
    assert dict(nested.fields) == {"00": "TEST", "01": "ABC"}


def test_encode_orders_ids_ascending_with_crc_last() -> None:
    shuffled = MerchantPresentedCode(
        {"59": "Shop", "00": "01", "53": "764", "29": Template({"00": "A000000677010111"})}
    )

    payload = mpm.encode(shuffled)

    assert payload.startswith("000201" + "29200016A000000677010111" + "5303764" + "5904Shop")
    assert payload[-8:-4] == "6304"
    assert payload[-4:] == crc16_hex(payload[:-4])


@pytest.mark.parametrize(
    ("objects", "reason"),
    [
        ({"00": "01", "5": "x"}, QrReason.ID_INVALID),
        ({"00": "01", "59": ""}, QrReason.VALUE_EMPTY),
        ({"00": "01", "59": "x" * 100}, QrReason.VALUE_TOO_LONG),
        ({"00": "01", "54": "abc"}, QrReason.AMOUNT_FORMAT),
        ({"00": "01", "62": Template({"05": ""})}, QrReason.VALUE_EMPTY),
    ],
)
def test_encoder_refuses_an_invalid_model(
    objects: dict[str, str | Template], reason: QrReason
) -> None:
    with pytest.raises(QrError) as caught:
        mpm.encode(MerchantPresentedCode(objects))

    assert caught.value.reason is reason
