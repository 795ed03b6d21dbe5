"""Standard Webhooks signatures: the spec's example, and the independent ``standardwebhooks``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from qrpay.domain import webhook_signing as signing

# The example of the Standard Webhooks specification (and of its reference libraries).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_the_spec_example_signs_to_the_spec_signature() -> None:
    secret = signing.parse_secret(SPEC_SECRET)
    assert signing.signature(secret, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_secret_round_trips_through_its_text_form() -> None:
    secret = bytes(range(32))
    text = signing.secret_text(secret)
    assert text.startswith("whsec_")
    assert signing.parse_secret(text) == secret


def _verify_with_library(secret: bytes, headers: dict[str, str], body: bytes) -> None:
    Webhook(signing.secret_text(secret)).verify(body, headers)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


@given(secret=st.binary(min_size=24, max_size=64), document=JSON_VALUES)
def test_signatures_verify_with_the_independent_library(secret: bytes, document: object) -> None:
    # the library parses the body as JSON once verified: webhook bodies are JSON
    body = json.dumps(document, ensure_ascii=False).encode()
    now_s = int(datetime.now(UTC).timestamp())
    headers = signing.headers([secret], "evt_01ABC", now_s, body)
    _verify_with_library(secret, headers, body)


def test_a_tampered_body_fails_both_verifiers() -> None:
    secret = bytes(range(32))
    now_s = int(datetime.now(UTC).timestamp())
    body = b'{"type":"payment.succeeded","amount":100}'
    headers = signing.headers([secret], "evt_1", now_s, body)
    tampered = body.replace(b"100", b"900")
    with pytest.raises(WebhookVerificationError):
        _verify_with_library(secret, headers, tampered)
    header = headers[signing.HEADER_SIGNATURE]
    assert not signing.verify(secret, "evt_1", now_s, tampered, header, now_s)
    assert signing.verify(secret, "evt_1", now_s, body, header, now_s)


def test_a_stale_timestamp_fails_both_verifiers() -> None:
    secret = bytes(range(32))
    stale_s = int(datetime.now(UTC).timestamp()) - signing.TIMESTAMP_TOLERANCE_S - 60
    body = b"{}"
    headers = signing.headers([secret], "evt_1", stale_s, body)
    with pytest.raises(WebhookVerificationError):
        _verify_with_library(secret, headers, body)
    now_s = stale_s + signing.TIMESTAMP_TOLERANCE_S + 60
    assert not signing.verify(secret, "evt_1", stale_s, body, headers["webhook-signature"], now_s)


def test_during_a_rotation_either_secret_verifies() -> None:
    new, old = b"n" * 32, b"o" * 32
    now_s = int(datetime.now(UTC).timestamp())
    headers = signing.headers([new, old], "evt_1", now_s, b"{}")
    assert len(headers["webhook-signature"].split(" ")) == 2
    _verify_with_library(new, headers, b"{}")
    _verify_with_library(old, headers, b"{}")
    with pytest.raises(WebhookVerificationError):
        _verify_with_library(b"x" * 32, headers, b"{}")


def test_a_secret_that_is_not_base64_is_refused() -> None:
    with pytest.raises(ValueError, match="whsec_"):
        signing.parse_secret("whsec_not base64!")
    assert base64.b64decode(SPEC_SECRET.removeprefix("whsec_"))
