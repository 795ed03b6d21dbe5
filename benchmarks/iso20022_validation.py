"""How long validating one pacs.008 against its XSD takes: lxml (C, libxml2) beside
xmlschema (pure Python), plus building the message and loading each schema.

    python -m benchmarks.iso20022_validation [--repeats N] [--json FILE]

The connector validates every message it sends and every reply it reads, so this cost
is paid twice per network call. Timings are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree

from benchmarks.timing import measure, one_core
from qrpay.connectors.iso20022 import messages, schemas
from qrpay.connectors.iso20022.documents import MessageType
from qrpay.connectors.iso20022.messages import Account, Agent, CreditTransfer, Party, References
from qrpay.domain.money import Money

_AGENT = Agent(bic="QRPYTHBKXXX")


def _credit_transfer() -> CreditTransfer:
    """A typical pacs.008: PromptPay mobile proxy, THB, a remittance line."""
    now = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    return CreditTransfer(
        refs=References("att_0001", "att_0001", "pay_0001", "att_0001", messages.new_uetr()),
        created_at=now,
        amount=Money.of(12050, "THB"),
        settlement_date=now.date(),
        debtor=Party("Ann Payer", Account("acc_wallet_0001"), _AGENT),
        creditor=Party("Somtam Corner", messages.account_from_qr("0066812345678", "mobile")),
        clearing_system="PROMPTPAY",
        instructing_agent=_AGENT,
        remittance="ORDER-0042",
    )


def _load_ms(load: Callable[[], object]) -> float:
    start = time.perf_counter()
    load()
    return (time.perf_counter() - start) * 1000


def run(repeats: int, seconds_per_repeat: float, iterations: int | None) -> dict[str, Any]:
    xsd = schemas.schema_bytes(MessageType.PACS_008)
    data = messages.build_credit_transfer(_credit_transfer())
    text = data.decode()
    compiled_lxml = etree.XMLSchema(etree.fromstring(xsd))
    compiled_xmlschema = xmlschema.XMLSchema(xsd.decode())
    assert compiled_lxml.validate(etree.fromstring(data))
    assert compiled_xmlschema.is_valid(text)
    operations: dict[str, Callable[[], object]] = {
        "lxml: parse + validate a pacs.008": lambda: compiled_lxml.validate(etree.fromstring(data)),
        "xmlschema: parse + validate a pacs.008": lambda: compiled_xmlschema.is_valid(text),
        "qrpay: build (with validation) a pacs.008": lambda: messages.build_credit_transfer(
            _credit_transfer()
        ),
    }
    results = []
    with one_core():
        for name, operation in operations.items():
            rate = measure(
                operation,
                ops_per_run=1,
                repeats=repeats,
                seconds_per_repeat=seconds_per_repeat,
                iterations=iterations,
            )
            row = {"operation": name, **rate.as_dict()}
            row["best_us_per_op"] = round(1e6 / rate.best_ops_per_s, 1)
            row["median_us_per_op"] = round(1e6 / rate.median_ops_per_s, 1)
            results.append(row)
    return {
        "benchmark": "iso20022_validation",
        "environment": {
            "python": platform.python_version(),
            "lxml": ".".join(map(str, etree.LXML_VERSION)),
            "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
            "xmlschema": xmlschema.__version__,
            "message_bytes": len(data),
        },
        "schema_load_ms": {
            "lxml": round(_load_ms(lambda: etree.XMLSchema(etree.fromstring(xsd))), 1),
            "xmlschema": round(_load_ms(lambda: xmlschema.XMLSchema(xsd.decode())), 1),
        },
        "results": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=0.3, help="per repeat")
    parser.add_argument("--iterations", type=int, help="fixed calls per repeat")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    result = run(args.repeats, args.seconds, args.iterations)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json is not None:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
