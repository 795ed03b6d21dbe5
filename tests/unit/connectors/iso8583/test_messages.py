"""Messages of the variant, byte for byte, and the checks on what comes off the wire."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest

from qrpay.connectors.base import Card, CardAcceptor
from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.messages import Message, MessageInvalid, Transaction
from qrpay.connectors.iso8583.spec import (
    FIELDS,
    MESSAGES,
    PYISO8583_SPEC,
    ConditionCode,
    Mti,
    NetworkCode,
    ProcessingCode,
    ReversalReason,
)

AT = datetime(2026, 11, 24, 9, 30, 15, tzinfo=UTC)
ACCEPTOR = CardAcceptor("TERM0001", "MERCHANT000001", "5812")
ZERO_MAC = b"\x00" * 8


def _transaction(**changes: Any) -> Transaction:
    base = Transaction(
        stan="000001",
        transmitted_at=AT,
        amount_minor=1234,
        currency_number="764",
        acceptor=ACCEPTOR,
        acquirer_id="12345",
        card=Card("4111111111111111", "2812"),
    )
    return dataclasses.replace(base, **changes)


def test_authorization_request_packs_to_the_documented_bytes() -> None:
    packed = messages.pack(messages.authorization_request(_transaction()))

    expected = b"".join(
        [
            b"0100",
            # bitmap: 2 3 4 7 11 12 13 14 18 22 25 32 37 41 42 49 64
            bytes.fromhex("723C448108C08001"),
            b"16" + b"4111111111111111",  # 2, LLVAR
            b"000000",  # 3 purchase
            b"000000001234",  # 4 minor units
            b"1124093015",  # 7 MMDDhhmmss UTC
            b"000001",  # 11 STAN
            b"093015",  # 12
            b"1124",  # 13
            b"2812",  # 14
            b"5812",  # 18 MCC
            b"810",  # 22 wallet credential
            b"59",  # 25 e-commerce
            b"05" + b"12345",  # 32, LLVAR
            b"632809000001",  # 37 RRN: year digit, day 328, hour 09, STAN
            b"TERM0001",  # 41
            b"MERCHANT000001 ",  # 42, padded to 15
            b"764",  # 49
            ZERO_MAC,  # 64, filled by mac.seal
        ]
    )
    assert packed == expected


def test_echo_request_carries_its_mac_in_field_128() -> None:
    packed = messages.pack(messages.network_request(NetworkCode.ECHO, "000007", AT))

    assert packed == (
        b"0800"
        + bytes.fromhex("8220000000000000")  # secondary bitmap present, 7, 11
        + bytes.fromhex("0400000000000001")  # 70 and 128
        + b"1124093015000007301"
        + ZERO_MAC
    )


def test_reversal_names_the_original_in_field_90_and_leaves_the_card_out() -> None:
    original = messages.authorization_request(_transaction())

    reversal = messages.reversal_request(
        original, "000002", AT, ReversalReason.RESPONSE_TOO_LATE, repeat=False
    )

    assert reversal.mti is Mti.REVERSAL_REQUEST
    assert reversal.get(90) == "0100" + "000001" + "1124093015" + "00000012345" + "0" * 11
    assert reversal.get(39) == "68"
    assert reversal.get(11) == "000002"
    assert reversal.get(2) is None
    assert reversal.get(14) is None
    assert reversal.get(4) == original.get(4)


def test_a_repeat_is_a_0401_with_the_same_original() -> None:
    original = messages.authorization_request(_transaction())

    repeat = messages.reversal_request(
        original, "000003", AT, ReversalReason.RESPONSE_TOO_LATE, repeat=True
    )

    assert repeat.mti is Mti.REVERSAL_REPEAT
    assert messages.split_original_data(repeat.require(90)) == ("0100", "000001", "1124093015")


def test_capture_completes_an_authorization_without_the_card() -> None:
    original = messages.authorization_request(_transaction())

    capture = messages.financial_request(
        _transaction(
            stan="000004",
            card=None,
            original=original,
            authorization_code="A00001",
            condition_code=ConditionCode.PREAUTHORIZED,
        )
    )
    packed = messages.pack(capture)

    assert capture.get(25) == "06"
    assert capture.get(38) == "A00001"
    assert capture.get(2) is None
    assert packed[4] & 0x80, "secondary bitmap, for field 90"
    assert messages.mac_field(capture.fields) == 128


def test_refund_uses_processing_code_20() -> None:
    refund = messages.financial_request(_transaction(processing_code=ProcessingCode.REFUND))

    assert refund.get(3) == "200000"


def test_response_echoes_the_request_and_adds_39() -> None:
    request = messages.authorization_request(_transaction())

    reply = messages.response(request, "05")

    assert reply.mti is Mti.AUTHORIZATION_RESPONSE
    assert reply.get(39) == "05"
    assert reply.stan == "000001"
    assert reply.get(2) is None, "the card is never echoed"


def test_unpack_reads_back_what_pack_wrote() -> None:
    request = messages.authorization_request(_transaction())

    assert messages.unpack(messages.pack(request)) == request


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"NOT AN ISO 8583 MESSAGE", "undecodable|unknown message type"),
        (b"0999" + bytes(8), "unknown message type"),
        (b"0800" + bytes.fromhex("0220000000000000") + b"1124093015000007", "MAC"),
    ],
)
def test_unpack_refuses_what_is_not_a_message_of_the_variant(data: bytes, why: str) -> None:
    with pytest.raises(MessageInvalid, match=why):
        messages.unpack(data)


def test_unpack_refuses_a_reply_missing_a_mandatory_field() -> None:
    reply = Message(Mti.NETWORK_RESPONSE, {7: "1124093015", 11: "000001", 70: "301"})

    with pytest.raises(MessageInvalid, match="lacks fields"):
        messages.pack(reply)


def test_unpack_refuses_letters_in_a_numeric_field() -> None:
    reply = Message(Mti.NETWORK_REQUEST, {7: "11240930AB", 11: "000001", 70: "301"})

    with pytest.raises(MessageInvalid, match="field 7"):
        messages.pack(reply)


def test_a_field_the_message_may_not_carry_is_refused() -> None:
    echo = Message(Mti.NETWORK_REQUEST, {7: "1124093015", 11: "000001", 70: "301", 4: "1" * 12})

    with pytest.raises(MessageInvalid, match="may not carry"):
        messages.pack(echo)


def test_every_message_names_only_fields_of_the_table() -> None:
    numbers = {f.number for f in FIELDS}

    for definition in MESSAGES.values():
        assert definition.mandatory | definition.optional <= numbers
        assert 11 in definition.mandatory, "every message is matched by its STAN"


def test_the_packer_spec_is_derived_from_the_field_table() -> None:
    for f in FIELDS:
        packer = PYISO8583_SPEC[str(f.number)]
        assert packer["max_len"] == f.length_max
        assert packer["data_enc"] == ("b" if f.format == "b" else "ascii")


def test_retrieval_reference_is_twelve_characters() -> None:
    assert messages.retrieval_reference("123456", AT) == "632809123456"
