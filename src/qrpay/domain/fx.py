"""Cross-border FX: operator rates with a spread, quotes with an expiry, exact conversion.

A rate says how many target major units one source major unit buys ("1 SGD = 26.4012 THB").
It is an exact rational (``Fraction`` parsed from decimal text), never a float, and minor
units are converted with each currency's ISO 4217 exponent, so SGD (2) to JPY (0) or to
BHD (3) is the same integer arithmetic.

The customer rate is the mid rate less the spread, in basis points of the mid rate; the
fee is a number of basis points of the converted (source) amount.

Rounding rule, the only one: every rounding favours the gateway by less than one minor unit.
What the payer pays (the source amount and the fee) rounds up to a whole minor unit; what
the gateway pays out (the target amount) rounds down. Nothing else is ever rounded.

A quote is locked before the transfer and can be used until ``expires_at`` (exclusive).
``cross_border_transfers`` lists the ledger transfers a cross-border payment posts: each
moves one currency between two accounts of that currency, so every currency balances by
construction; the FX account holds the source currency it bought and pays out the target
currency it sold, and keeps the spread and the rounding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Final

from qrpay.domain.currency import Currency, currency
from qrpay.domain.errors import QuoteExpired, RateInvalid, RateNotFound
from qrpay.domain.ids import AccountId, QuoteId, TransferId
from qrpay.domain.ledger import Transfer, TransferCode, TransferStatus
from qrpay.domain.money import Money

BPS_PER_UNIT: Final = 10_000
SPREAD_BPS_MAX: Final = 2_000
"""20 %: a spread beyond this is a typing mistake, not a price."""
FEE_BPS_MAX: Final = 2_000
RATE_DIGITS_MAX: Final = 18
"""Significant digits a rate may carry; keeps every product inside exact, bounded integers."""
QUOTE_TTL_S_MAX: Final = 3_600
RATE_LINES_MAX: Final = 10_000

_RATE_RE: Final = re.compile(r"([0-9]+)(?:\.([0-9]+))?\Z")
_PAIR_RE: Final = re.compile(r"([A-Za-z]{3})/([A-Za-z]{3})\Z")


def parse_rate(text: str) -> Fraction:
    """A positive decimal rate ("26.4012") as an exact fraction; never through a float."""
    match = _RATE_RE.match(text)
    if match is None:
        raise RateInvalid(f"rate {text!r} is not a positive decimal number")
    digits = (match.group(1) + (match.group(2) or "")).lstrip("0")
    if len(digits) > RATE_DIGITS_MAX:
        raise RateInvalid(f"rate {text!r} has more than {RATE_DIGITS_MAX} significant digits")
    rate = Fraction(text)
    if rate <= 0:
        raise RateInvalid(f"rate {text!r} is not positive")
    return rate


@dataclass(frozen=True, slots=True)
class RateTable:
    """Mid rates set by the operator, by (source, target) alphabetic codes."""

    mids: dict[tuple[str, str], Fraction]

    def mid(self, source: Currency, target: Currency) -> Fraction:
        """The pair's mid rate, or the inverse of the opposite pair's; never a cross rate."""
        assert source != target, "a conversion needs two currencies"
        direct = self.mids.get((source.code, target.code))
        if direct is not None:
            return direct
        inverse = self.mids.get((target.code, source.code))
        if inverse is not None:
            return 1 / inverse
        raise RateNotFound(f"no rate for {source.code}/{target.code}")


def parse_rates(text: str) -> RateTable:
    """A rates file: one ``SGD/THB 26.4012`` a line; blank lines and ``#`` comments skipped.

    A pair given twice, or given with its inverse, is refused: which one wins would be a guess.
    """
    mids: dict[tuple[str, str], Fraction] = {}
    lines = text.splitlines()
    if len(lines) > RATE_LINES_MAX:
        raise RateInvalid(f"a rates file has at most {RATE_LINES_MAX} lines")
    for number, line in enumerate(lines, start=1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        source, target, rate = _rate_line(number, words)
        if (source.code, target.code) in mids or (target.code, source.code) in mids:
            raise RateInvalid(f"line {number}: {source.code}/{target.code} is set twice")
        mids[(source.code, target.code)] = rate
    return RateTable(mids)


def _rate_line(number: int, words: list[str]) -> tuple[Currency, Currency, Fraction]:
    pair = _PAIR_RE.match(words[0]) if len(words) == 2 else None
    if pair is None:
        raise RateInvalid(f"line {number}: expected 'SOURCE/TARGET RATE', got {words!r}")
    source, target = currency(pair.group(1)), currency(pair.group(2))
    if source == target:
        raise RateInvalid(f"line {number}: {source.code}/{target.code} converts nothing")
    return source, target, parse_rate(words[1])


@dataclass(frozen=True, slots=True)
class Pricing:
    """What the operator charges on a conversion, in basis points."""

    spread_bps: int
    fee_bps: int = 0
    quote_ttl_s: int = 60

    def __post_init__(self) -> None:
        if not 0 <= self.spread_bps <= SPREAD_BPS_MAX:
            raise RateInvalid(f"spread must be 0 to {SPREAD_BPS_MAX} bps, not {self.spread_bps}")
        if not 0 <= self.fee_bps <= FEE_BPS_MAX:
            raise RateInvalid(f"fee must be 0 to {FEE_BPS_MAX} bps, not {self.fee_bps}")
        if not 0 < self.quote_ttl_s <= QUOTE_TTL_S_MAX:
            raise RateInvalid(f"quote lifetime must be 1 to {QUOTE_TTL_S_MAX} s")

    def customer_rate(self, mid: Fraction) -> Fraction:
        """The mid rate less the spread: the payer gets fewer target units per source unit."""
        return mid * (BPS_PER_UNIT - self.spread_bps) / BPS_PER_UNIT


@dataclass(frozen=True, slots=True)
class Quote:
    """A locked conversion: the payer pays ``total``, the merchant side receives ``target``."""

    id: QuoteId
    source: Money
    """What the payer converts, fee excluded."""
    target: Money
    fee: Money
    """In the source currency, on top of ``source``."""
    rate_mid: Fraction
    rate_customer: Fraction
    spread_bps: int
    created_at: datetime
    expires_at: datetime

    def __post_init__(self) -> None:
        assert self.source.currency != self.target.currency
        assert self.fee.currency == self.source.currency
        assert self.source.amount_minor > 0
        assert self.target.amount_minor > 0
        assert self.fee.amount_minor >= 0
        assert self.created_at < self.expires_at

    @property
    def total(self) -> Money:
        return self.source + self.fee

    def check_usable(self, now: datetime) -> None:
        """Refuse a quote at or past its expiry; the payer asks for a new one."""
        assert now.tzinfo is not None, "quotes compare aware times"
        if now >= self.expires_at:
            raise QuoteExpired(f"quote {self.id} expired at {self.expires_at.isoformat()}")


def _scale(source: Currency, target: Currency) -> Fraction:
    """Target minor units per source minor unit at a rate of one."""
    return Fraction(10**target.exponent, 10**source.exponent)


def _floor(value: Fraction) -> int:
    return value.numerator // value.denominator


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


def fee_minor(source_minor: int, fee_bps: int) -> int:
    """The fee on a source amount, rounded up (the payer pays it)."""
    assert source_minor > 0
    assert 0 <= fee_bps <= FEE_BPS_MAX
    return _ceil(Fraction(source_minor * fee_bps, BPS_PER_UNIT))


def quote_for_target(
    target: Money,
    source: Currency,
    rates: RateTable,
    pricing: Pricing,
    now: datetime,
    quote_id: QuoteId,
) -> Quote:
    """What a payer in ``source`` pays so that exactly ``target`` arrives (a QR's amount)."""
    mid = rates.mid(source, target.currency)
    customer = pricing.customer_rate(mid)
    exact = target.amount_minor / (customer * _scale(source, target.currency))
    source_minor = _ceil(exact)
    # Postcondition of the rounding rule: it covers the target, by less than one minor unit.
    assert 0 <= source_minor - exact < 1
    assert _floor(source_minor * customer * _scale(source, target.currency)) >= target.amount_minor
    return _quote(quote_id, Money.positive(source_minor, source.code), target, mid, pricing, now)


def quote_for_source(
    source: Money,
    target: Currency,
    rates: RateTable,
    pricing: Pricing,
    now: datetime,
    quote_id: QuoteId,
) -> Quote:
    """What arrives in ``target`` when a payer converts ``source`` (fee on top)."""
    mid = rates.mid(source.currency, target)
    exact = source.amount_minor * pricing.customer_rate(mid) * _scale(source.currency, target)
    target_minor = _floor(exact)
    assert 0 <= exact - target_minor < 1
    return _quote(quote_id, source, Money.positive(target_minor, target.code), mid, pricing, now)


def _quote(
    quote_id: QuoteId,
    source: Money,
    target: Money,
    mid: Fraction,
    pricing: Pricing,
    now: datetime,
) -> Quote:
    assert now.tzinfo is not None, "quotes carry aware times"
    fee = Money(fee_minor(source.amount_minor, pricing.fee_bps), source.currency)
    return Quote(
        id=quote_id,
        source=source,
        target=target,
        fee=fee,
        rate_mid=mid,
        rate_customer=pricing.customer_rate(mid),
        spread_bps=pricing.spread_bps,
        created_at=now,
        expires_at=now + timedelta(seconds=pricing.quote_ttl_s),
    )


@dataclass(frozen=True, slots=True)
class CrossBorderAccounts:
    """The ledger accounts a cross-border payment touches, each in one currency."""

    payer_wallet: AccountId
    """Source currency."""
    fx_source: AccountId
    """The FX position in the source currency: it buys what the payer converts."""
    fx_target: AccountId
    """The FX position in the target currency: it pays out what the merchant side receives."""
    clearing: AccountId
    """Target currency: the network's clearing account (or the merchant's, on us)."""
    fees: AccountId
    """Source currency."""


def cross_border_transfers(
    quote: Quote,
    accounts: CrossBorderAccounts,
    new_id: Callable[[], TransferId],
    now: datetime,
    payment_id: str,
    status: TransferStatus = TransferStatus.POSTED,
) -> list[Transfer]:
    """The legs of a cross-border payment at a locked quote, to be applied all together.

    1. payer wallet -> FX (source currency): the converted amount;
    2. FX -> clearing (target currency): the amount that arrives;
    3. payer wallet -> fees (source currency): the fee, when there is one.
    """
    quote.check_usable(now)
    assert status in (TransferStatus.PENDING, TransferStatus.POSTED)
    legs = [
        (accounts.payer_wallet, accounts.fx_source, quote.source, TransferCode.FX),
        (accounts.fx_target, accounts.clearing, quote.target, TransferCode.PAYMENT),
        (accounts.payer_wallet, accounts.fees, quote.fee, TransferCode.FEE),
    ]
    transfers = [
        _leg(new_id(), debit, credit, amount, code, now, payment_id, status)
        for debit, credit, amount, code in legs
        if amount.amount_minor > 0
    ]
    assert _moved(transfers, quote.source.currency.code) == quote.total.amount_minor
    assert _moved(transfers, quote.target.currency.code) == quote.target.amount_minor
    return transfers


def _leg(
    transfer_id: TransferId,
    debit: AccountId,
    credit: AccountId,
    amount: Money,
    code: TransferCode,
    now: datetime,
    payment_id: str,
    status: TransferStatus,
) -> Transfer:
    posted = amount.amount_minor if status is TransferStatus.POSTED else 0
    return Transfer(
        id=transfer_id,
        debit_account_id=debit,
        credit_account_id=credit,
        amount_minor=amount.amount_minor,
        currency=amount.currency.code,
        code=code,
        status=status,
        created_at=now,
        amount_posted_minor=posted,
        payment_id=payment_id,
    )


def _moved(transfers: Iterable[Transfer], currency_code: str) -> int:
    return sum(t.amount_minor for t in transfers if t.currency == currency_code)
