"""Sample ISO 20022 values shared by the connector's tests, and a validator that reads the
XSDs from ``tests/data/iso20022`` (independent of the copies the package ships)."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final

from lxml import etree

from qrpay.connectors.iso20022.documents import MessageType
from qrpay.connectors.iso20022.messages import (
    Account,
    Agent,
    CreditTransfer,
    Party,
    References,
    account_from_qr,
)
from qrpay.domain.money import Money

DATA_DIR: Final = Path(__file__).resolve().parents[3] / "data" / "iso20022"
# Messages carry milliseconds, so sample times have none below that.
CREATED_AT: Final = datetime(2026, 11, 24, 9, 30, 15, 123_000, tzinfo=UTC)
BUSINESS_DAY: Final = date(2026, 11, 24)
GATEWAY_AGENT: Final = Agent(bic="QRPYTHBKXXX")
UETR: Final = uuid.UUID("6f0c2f3e-1d2b-4c5a-9e8f-0a1b2c3d4e5f")


def refs(tx_id: str = "att_0001", uetr: uuid.UUID | None = UETR) -> References:
    return References(tx_id, tx_id, "pay_0001", tx_id, uetr)


def credit_transfer(
    amount: Money | None = None,
    creditor_account: Account | None = None,
    tx_id: str = "att_0001",
    uetr: uuid.UUID = UETR,
) -> CreditTransfer:
    return CreditTransfer(
        refs=refs(tx_id, uetr),
        created_at=CREATED_AT,
        amount=amount or Money.of(12050, "THB"),
        settlement_date=BUSINESS_DAY,
        debtor=Party("Ann Payer", Account("acc_wallet_0001"), GATEWAY_AGENT),
        creditor=Party(
            "Somtam Corner", creditor_account or account_from_qr("0066812345678", "mobile")
        ),
        clearing_system="PROMPTPAY",
        instructing_agent=GATEWAY_AGENT,
        remittance="ORDER-0042",
    )


@functools.cache
def _schema(message: MessageType) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA_DIR / f"{message.value}.xsd")))


def schema_errors(message: MessageType, data: bytes) -> list[str]:
    """What the test copy of the official XSD finds wrong with ``data`` (empty: valid)."""
    compiled = _schema(message)
    compiled.validate(etree.fromstring(data))
    return str(compiled.error_log).splitlines()
