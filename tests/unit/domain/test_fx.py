"""FX: rates, the one rounding rule, quote expiry, and legs that balance in every currency."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qrpay.domain import errors
from qrpay.domain.currency import Currency, currency
from qrpay.domain.fx import (
    CrossBorderAccounts,
    Pricing,
    Quote,
    RateTable,
    cross_border_transfers,
    fee_minor,
    parse_rate,
    parse_rates,
    quote_for_source,
    quote_for_target,
)
from qrpay.domain.ids import AccountId, QuoteId, TransferId
from qrpay.domain.ledger import (
    Account,
    AccountKind,
    Ledger,
    Transfer,
    TransferCode,
    TransferStatus,
    check_invariants,
)
from qrpay.domain.money import Money

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
Q = QuoteId("quo_1")
RATES = parse_rates(
    """
    # operator rates, mid
    SGD/THB 26.4012
    USD/JPY 151.37
    BHD/JPY 401.5
    THB/MYR 0.1301
    """
)
CURRENCIES = ("SGD", "THB", "USD", "JPY", "BHD", "MYR", "BRL", "KWD", "IDR")
PAIRS = st.sampled_from(list(itertools.permutations(CURRENCIES, 2)))
MIDS = st.fractions(min_value=Fraction(1, 100_000), max_value=100_000, max_denominator=10**6)


def _value(minor: int, unit: Currency) -> Fraction:
    return Fraction(minor, 10**unit.exponent)


# rates


def test_rate_text_becomes_an_exact_fraction() -> None:
    assert parse_rate("26.4012") == Fraction(264012, 10000)
    assert parse_rate("0.1301") == Fraction(1301, 10000)
    assert parse_rate("151") == 151


@pytest.mark.parametrize("text", ["", "-1", "1e3", "1.", ".5", "0", "0.000", "nan", "1,5"])
def test_a_rate_that_is_not_a_positive_decimal_is_refused(text: str) -> None:
    with pytest.raises(errors.RateInvalid):
        parse_rate(text)


def test_a_rate_with_too_many_digits_is_refused() -> None:
    with pytest.raises(errors.RateInvalid, match="significant digits"):
        parse_rate("1." + "1" * 18)


def test_the_inverse_pair_is_used_when_only_the_opposite_rate_is_set() -> None:
    assert RATES.mid(currency("THB"), currency("SGD")) == 1 / Fraction("26.4012")


def test_no_cross_rate_is_derived() -> None:
    with pytest.raises(errors.RateNotFound, match="SGD/JPY"):
        RATES.mid(currency("SGD"), currency("JPY"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("SGD/THB 26.4\nSGD/THB 26.5", "set twice"),
        ("SGD/THB 26.4\nTHB/SGD 0.0378", "set twice"),
        ("SGD THB 26.4", "expected"),
        ("SGD/THB", "expected"),
        ("SGD/SGD 1", "converts nothing"),
        ("SGD/THB 26,4", "not a positive decimal"),
    ],
)
def test_a_bad_rates_file_names_its_line(text: str, message: str) -> None:
    with pytest.raises(errors.RateInvalid, match=message):
        parse_rates(text)


def test_a_rates_file_naming_an_unknown_currency_is_refused() -> None:
    with pytest.raises(errors.UnknownCurrency):
        parse_rates("SGD/XYZ 1.5")


@pytest.mark.parametrize(
    "pricing",
    [
        {"spread_bps": -1},
        {"spread_bps": 2001},
        {"spread_bps": 0, "fee_bps": 2001},
        {"spread_bps": 0, "quote_ttl_s": 0},
        {"spread_bps": 0, "quote_ttl_s": 3601},
    ],
)
def test_pricing_out_of_its_limits_is_refused(pricing: dict[str, int]) -> None:
    with pytest.raises(errors.RateInvalid):
        Pricing(**pricing)


# the rounding rule


def test_a_qr_amount_in_thb_is_paid_in_sgd_rounded_up() -> None:
    # Given 1 SGD = 26.4012 THB mid and a 50 bps spread: 26.269194 THB per SGD to the payer.
    pricing = Pricing(spread_bps=50, fee_bps=100)
    # When a THB 120.50 code is paid from an SGD wallet
    quote = quote_for_target(Money.of(12050, "THB"), currency("SGD"), RATES, pricing, NOW, Q)
    # Then 120.50 / 26.269194 = 4.58712... SGD rounds up to 4.59, the 1 % fee 0.0459 to 0.05.
    assert quote.source == Money.of(459, "SGD")
    assert quote.target == Money.of(12050, "THB")
    assert quote.fee == Money.of(5, "SGD")
    assert quote.total == Money.of(464, "SGD")
    assert quote.rate_customer == Fraction("26.4012") * Fraction(9950, 10000)


def test_converting_a_source_amount_rounds_the_target_down() -> None:
    pricing = Pricing(spread_bps=50)
    quote = quote_for_source(Money.of(1000, "SGD"), currency("THB"), RATES, pricing, NOW, Q)
    # 10.00 SGD * 26.269194 = 262.69194 THB: the merchant side gets 262.69.
    assert quote.target == Money.of(26269, "THB")
    assert quote.fee == Money.of(0, "SGD")


def test_exponents_are_honoured_between_three_and_zero_decimals() -> None:
    # 1.000 BHD = 401.5 JPY; JPY has no minor unit, BHD has three.
    quote = quote_for_target(
        Money.of(402, "JPY"), currency("BHD"), RATES, Pricing(spread_bps=0), NOW, Q
    )
    # 402 / 401.5 = 1.001245... BHD: 1.002 BHD, i.e. 1002 fils.
    assert quote.source == Money.of(1002, "BHD")


def test_an_amount_too_small_to_convert_to_one_minor_unit_is_refused() -> None:
    with pytest.raises(errors.AmountNotPositive):
        quote_for_source(Money.of(1, "THB"), currency("SGD"), RATES, Pricing(0), NOW, Q)


def test_the_fee_rounds_up_and_is_zero_only_without_basis_points() -> None:
    assert fee_minor(1, 1) == 1
    assert fee_minor(10_000, 1) == 1
    assert fee_minor(10_001, 1) == 2
    assert fee_minor(123_456, 0) == 0


@given(
    target_minor=st.integers(1, 10**11),
    pair=PAIRS,
    mid=MIDS,
    spread_bps=st.integers(0, 2000),
)
def test_paying_a_target_amount_covers_it_by_less_than_one_source_minor_unit(
    target_minor: int, pair: tuple[str, str], mid: Fraction, spread_bps: int
) -> None:
    source, target = currency(pair[0]), currency(pair[1])
    rates = RateTable({(source.code, target.code): mid})
    try:
        quote = quote_for_target(
            Money.of(target_minor, target.code), source, rates, Pricing(spread_bps), NOW, Q
        )
    except errors.AmountNotPositive:
        return  # the source amount would exceed the money ceiling
    worth = _value(quote.source.amount_minor, source) * quote.rate_customer
    one_less = _value(quote.source.amount_minor - 1, source) * quote.rate_customer
    assert worth >= _value(target_minor, target)
    assert one_less < _value(target_minor, target)


@given(source_minor=st.integers(1, 10**11), pair=PAIRS, mid=MIDS, spread_bps=st.integers(0, 2000))
def test_converting_a_source_amount_loses_less_than_one_target_minor_unit(
    source_minor: int, pair: tuple[str, str], mid: Fraction, spread_bps: int
) -> None:
    source, target = currency(pair[0]), currency(pair[1])
    pricing = Pricing(spread_bps)
    try:
        quote = quote_for_source(
            Money.of(source_minor, source.code),
            target,
            RateTable({(source.code, target.code): mid}),
            pricing,
            NOW,
            Q,
        )
    except errors.AmountNotPositive:
        return  # less than one target minor unit, or above the ceiling
    exact = _value(source_minor, source) * quote.rate_customer
    paid = _value(quote.target.amount_minor, target)
    assert paid <= exact < paid + _value(1, target)


# expiry


def _quote(ttl_s: int = 60) -> Quote:
    pricing = Pricing(spread_bps=50, fee_bps=25, quote_ttl_s=ttl_s)
    return quote_for_target(Money.of(12050, "THB"), currency("SGD"), RATES, pricing, NOW, Q)


def test_a_quote_is_usable_until_just_before_its_expiry() -> None:
    quote = _quote(ttl_s=60)
    assert quote.expires_at == NOW + timedelta(seconds=60)
    quote.check_usable(NOW)
    quote.check_usable(NOW + timedelta(seconds=59, microseconds=999_999))


@pytest.mark.parametrize("late_s", [60, 61, 3600])
def test_a_quote_at_or_past_its_expiry_is_refused(late_s: int) -> None:
    with pytest.raises(errors.QuoteExpired):
        _quote(ttl_s=60).check_usable(NOW + timedelta(seconds=late_s))


def test_no_leg_is_listed_for_an_expired_quote() -> None:
    quote = _quote(ttl_s=60)
    with pytest.raises(errors.QuoteExpired):
        cross_border_transfers(quote, _accounts(), _ids(), NOW + timedelta(minutes=1), "pay_1")


# ledger legs


def _accounts() -> CrossBorderAccounts:
    return CrossBorderAccounts(
        payer_wallet=AccountId("wallet"),
        fx_source=AccountId("fx_source"),
        fx_target=AccountId("fx_target"),
        clearing=AccountId("clearing"),
        fees=AccountId("fees"),
    )


def _ids() -> Callable[[], TransferId]:
    counter = itertools.count(1)
    return lambda: TransferId(f"trf_{next(counter)}")


def _ledger(source: str, target: str, funds_minor: int) -> Ledger:
    ledger = Ledger()
    opened = [
        Account(AccountId("funding"), AccountKind.FUNDING, source),
        Account(AccountId("wallet"), AccountKind.WALLET, source, True),
        Account(AccountId("fx_source"), AccountKind.FX, source),
        Account(AccountId("fx_target"), AccountKind.FX, target),
        Account(AccountId("clearing"), AccountKind.CLEARING, target),
        Account(AccountId("fees"), AccountKind.FEES, source),
    ]
    for account in opened:
        ledger.open_account(account)
    top_up = Transfer(
        TransferId("trf_top_up"),
        AccountId("funding"),
        AccountId("wallet"),
        funds_minor,
        source,
        TransferCode.TOP_UP,
        TransferStatus.POSTED,
        NOW,
        amount_posted_minor=funds_minor,
    )
    ledger.create_transfers([top_up])
    return ledger


def test_a_cross_border_payment_posts_three_legs_with_their_own_codes() -> None:
    quote = _quote()
    legs = cross_border_transfers(quote, _accounts(), _ids(), NOW, "pay_1")
    assert [(t.debit_account_id, t.credit_account_id, t.currency, t.code) for t in legs] == [
        ("wallet", "fx_source", "SGD", TransferCode.FX),
        ("fx_target", "clearing", "THB", TransferCode.PAYMENT),
        ("wallet", "fees", "SGD", TransferCode.FEE),
    ]
    assert [t.amount_minor for t in legs] == [459, 12050, 2]
    assert {t.payment_id for t in legs} == {"pay_1"}


def test_without_a_fee_no_fee_leg_is_listed() -> None:
    pricing = Pricing(spread_bps=50)
    quote = quote_for_target(Money.of(12050, "THB"), currency("SGD"), RATES, pricing, NOW, Q)
    legs = cross_border_transfers(quote, _accounts(), _ids(), NOW, "pay_1")
    assert [t.code for t in legs] == [TransferCode.FX, TransferCode.PAYMENT]


def test_pending_legs_reserve_without_posting() -> None:
    quote = _quote()
    legs = cross_border_transfers(
        quote,
        _accounts(),
        _ids(),
        NOW,
        "pay_1",
        TransferStatus.PENDING,
    )
    assert {t.status for t in legs} == {TransferStatus.PENDING}
    assert {t.amount_posted_minor for t in legs} == {0}


@given(
    target_minor=st.integers(1, 10**9),
    pair=PAIRS,
    mid=st.fractions(min_value=Fraction(1, 1000), max_value=1000, max_denominator=10**5),
    spread_bps=st.integers(0, 2000),
    fee_bps=st.integers(0, 2000),
)
def test_every_currency_balances_and_only_the_rounding_stays_with_the_gateway(
    target_minor: int, pair: tuple[str, str], mid: Fraction, spread_bps: int, fee_bps: int
) -> None:
    # Given a payer funded in the source currency and a quote for a target amount
    source, target = currency(pair[0]), currency(pair[1])
    rates = RateTable({(source.code, target.code): mid})
    pricing = Pricing(spread_bps, fee_bps)
    try:
        quote = quote_for_target(
            Money.of(target_minor, target.code), source, rates, pricing, NOW, Q
        )
    except errors.AmountNotPositive:
        return
    ledger = _ledger(source.code, target.code, quote.total.amount_minor)
    # When its legs are applied together
    legs = cross_border_transfers(quote, _accounts(), _ids(), NOW, "pay_1")
    ledger.create_transfers(legs)
    # Then every currency balances and every account equals the sum of its transfers
    check_invariants(ledger.accounts.values(), ledger.transfers.values())
    a = ledger.accounts
    assert a[AccountId("wallet")].balance_minor == 0
    assert a[AccountId("fees")].balance_minor == quote.fee.amount_minor
    assert a[AccountId("clearing")].balance_minor == target_minor
    assert a[AccountId("fx_source")].balance_minor == quote.source.amount_minor
    assert a[AccountId("fx_target")].balance_minor == -target_minor
    # and the FX position keeps the spread and less than one source minor unit of rounding
    bought = _value(quote.source.amount_minor, source)
    sold_at_customer_rate = _value(target_minor, target) / quote.rate_customer
    assert 0 <= bought - sold_at_customer_rate < _value(1, source)
