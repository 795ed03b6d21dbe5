"""No card number or bearer secret reaches a log line, in any field, at any depth."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from qrpay.observability.logs import configure
from tests.unit.domain.test_cards import pans


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def _logged(**fields: object) -> str:
    out = io.StringIO()
    configure("DEBUG", json=True, file=out, cache=False)
    structlog.get_logger("test").info("event", **fields)
    return out.getvalue()


def _separated(digits: str, separator: str) -> str:
    return separator.join(digits[i : i + 4] for i in range(0, len(digits), 4))


@given(
    pan=pans,
    separator=st.sampled_from(["", " ", "-"]),
    before=st.text(alphabet="abc :=/", max_size=5),
    after=st.text(alphabet="abc :=/", max_size=5),
)
def test_a_card_number_in_any_field_or_shape_is_masked(
    pan: str, separator: str, before: str, after: str
) -> None:
    written = _separated(pan, separator)
    text = f"{before}{written}{after}"

    line = _logged(
        note=text,
        nested={"deeper": [{"text": text}], "tuple": (text,)},
        number=int(pan),
        raw=text.encode(),
    )

    assert pan not in line
    assert written not in line
    assert pan[:6] in line  # the masked form is what remains
    assert pan[-4:] in line


def test_a_card_number_in_the_event_and_in_an_exception_is_masked() -> None:
    out = io.StringIO()
    configure("DEBUG", json=True, file=out, cache=False)
    try:
        raise ValueError("card 4111111111111111 declined")
    except ValueError:
        structlog.get_logger("test").exception("paying 5555 5555 5555 4444")

    assert "4111111111111111" not in out.getvalue()
    assert "5555 5555 5555 4444" not in out.getvalue()
    assert "411111******1111" in out.getvalue()


SECRET = "sk_Q2hhbmdlIG1lIG5vdyBwbGVhc2U"


@pytest.mark.parametrize(
    "fields",
    [
        {"headers": {"authorization": f"Bearer {SECRET}"}},
        {"header": f"Authorization: Bearer {SECRET}"},
        {"note": f"retrying with key {SECRET}"},
        {"webhook_secret": "whsec_plain_looking_value"},
        {"calls": [{"api_key": SECRET}]},
        {"token": "Bearer opaque-token-without-prefix"},
    ],
)
def test_a_bearer_secret_never_reaches_the_output(fields: dict[str, object]) -> None:
    line = _logged(**fields)

    assert SECRET not in line
    assert "whsec_plain_looking_value" not in line
    assert "opaque-token-without-prefix" not in line
    assert "[redacted]" in line


def test_ids_and_timestamps_that_are_not_card_numbers_stay_readable() -> None:
    line = _logged(epoch_ms=1732476000000, payment_id="01JD4X7Q9R1234567890123456")

    assert "1732476000000" in line
    assert "01JD4X7Q9R1234567890123456" in line


def test_the_callers_objects_are_not_changed() -> None:
    payload = {"pan": "4111111111111111", "items": ["4111111111111111"]}

    _logged(payload=payload)

    assert payload == {"pan": "4111111111111111", "items": ["4111111111111111"]}
