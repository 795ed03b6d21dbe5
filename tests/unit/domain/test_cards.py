"""Card numbers: the check digit, the mask, and that the number is never shown whole."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qrpay.domain.cards import CardNumber, luhn_valid, mask
from qrpay.domain.errors import CardNumberInvalid

VISA = "4111111111111111"
AMEX = "378282246310005"


def with_check_digit(body: str) -> str:
    return body + next(d for d in "0123456789" if luhn_valid(body + d))


pans = st.integers(11, 18).flatmap(
    lambda n: st.text("0123456789", min_size=n, max_size=n).map(with_check_digit)
)


@pytest.mark.parametrize("digits", [VISA, AMEX, "5555555555554444", "6011111111111117"])
def test_known_test_cards_pass_the_check_digit(digits: str) -> None:
    assert luhn_valid(digits)


def test_a_changed_digit_fails_the_check_digit() -> None:
    assert not luhn_valid("4111111111111112")


def test_the_mask_shows_first_six_and_last_four() -> None:
    assert mask(VISA) == "411111******1111"
    assert mask(AMEX) == "378282*****0005"


def test_spaces_and_hyphens_are_accepted_as_typed() -> None:
    assert CardNumber.parse(" 4111 1111-1111 1111 ").digits == VISA


@pytest.mark.parametrize(
    "text", ["4111111111111112", "4111a11111111111", "41111111111", "4" * 20, "", "٤١١١١١١١١١١١١١"]
)
def test_invalid_numbers_are_refused_without_quoting_them(text: str) -> None:
    with pytest.raises(CardNumberInvalid) as caught:
        CardNumber.parse(text)

    assert "1111" not in str(caught.value)


@given(pans)
def test_a_card_prints_only_its_masked_form(digits: str) -> None:
    card = CardNumber.parse(digits)

    for shown in (str(card), repr(card), f"{card}", str([card]), str({"card": card})):
        assert digits not in shown
        assert card.masked in shown
    assert card.masked[:6] == digits[:6]
    assert card.masked[-4:] == digits[-4:]
    assert card.masked.count("*") == len(digits) - 10
