"""Invariants of the codec, checked over generated models and arbitrary text."""

from __future__ import annotations

import contextlib
import json

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import cpm, mpm, reader, uri
from qrpay.domain.qr.mpm import MerchantPresentedCode
from tests.data import qr_vectors
from tests.strategies.qr import ber_objects, merchant_presented_codes

LONG = 4096
VALID_PAYLOADS = [v["payload"] for v in qr_vectors() if v["valid"]]


def _encode_or_reject(code: MerchantPresentedCode) -> str:
    try:
        return mpm.encode(code, payload_chars_max=LONG)
    except QrError as exc:
        # Generated values can add up past 99 characters in one template; not a bug.
        assume(exc.reason is not QrReason.VALUE_TOO_LONG)
        raise


@given(merchant_presented_codes())
def test_decode_of_encode_is_identity(code: MerchantPresentedCode) -> None:
    payload = _encode_or_reject(code)

    assert mpm.decode(payload, payload_chars_max=LONG) == code


@given(merchant_presented_codes())
def test_encode_of_decode_reproduces_a_canonical_payload(code: MerchantPresentedCode) -> None:
    canonical = _encode_or_reject(code)

    assert mpm.encode(mpm.decode(canonical, payload_chars_max=LONG), payload_chars_max=LONG) == (
        canonical
    )


@given(ber_objects())
def test_cpm_decode_of_encode_is_identity(objects: tuple[cpm.BerObject, ...]) -> None:
    code = cpm.ConsumerPresentedCode(objects)

    assert cpm.decode(cpm.encode(code)) == code


@given(st.text())
def test_arbitrary_text_only_ever_raises_the_codec_error(text: str) -> None:
    for decode in (mpm.decode, cpm.decode, uri.decode):
        with contextlib.suppress(QrError):
            decode(text)


@given(st.text())
def test_read_never_raises_and_its_json_is_serialisable(text: str) -> None:
    reading = reader.read(text)

    json.dumps(reading.to_dict())
    assert reading.valid is (reading.error is None)


@settings(max_examples=300)
@given(st.sampled_from(VALID_PAYLOADS), st.data())
def test_mutated_valid_payloads_never_crash(payload: str, data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(payload)))
    insert = data.draw(st.text(max_size=3))
    cut = data.draw(st.integers(0, 3))
    mutated = payload[:index] + insert + payload[index + cut :]

    reading = reader.read(mutated)

    if mutated != payload and reading.mode is reader.Mode.MPM and reading.valid:
        # Any change to a CRC-protected payload that still passes must have kept the CRC
        # consistent, which a one-place edit can only do by recomputing it; we never do.
        assert reading.crc is not None
        assert reading.crc["declared"] == reading.crc["computed"]


@given(st.binary(max_size=200))
def test_arbitrary_ber_bytes_only_raise_the_codec_error(data: bytes) -> None:
    with contextlib.suppress(QrError):
        cpm.parse_ber(data)
