"""``qrpay settle`` and ``qrpay reconcile``: the back office from the command line.

Both read the database the server uses (``QRPAY_DATABASE_URL``, else embedded SQLite).
Output goes to stdout; an operating error is one line on stderr and exit status 1
(``cli/main.py``). ``reconcile`` exits 3 when the report has mismatches, so a scheduled
job can alert on it; 0 means everything matched.
"""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import click

from qrpay.bootstrap import Gateway, build, load_settings
from qrpay.domain.settlement import (
    BusinessDayRule,
    SettlementLine,
    parse_cutoff,
    parse_day,
    render_csv,
)
from qrpay.observability import logs
from qrpay.services import back_office as office
from qrpay.services.network_reports import PARSERS

MISMATCHES_EXIT = 3


@click.command()
@click.option("--date", "day_text", required=True, metavar="YYYY-MM-DD", help="Business day.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True
)
@click.option(
    "--tz", default=None, help="IANA time zone of the business day (QRPAY_BUSINESS_DAY_TIMEZONE)."
)
@click.option(
    "--cutoff",
    default=None,
    metavar="HH:MM",
    help="End of the business day (QRPAY_BUSINESS_DAY_CUTOFF).",
)
def settle(day_text: str, fmt: str, tz: str | None, cutoff: str | None) -> None:
    """Per merchant and network: count, gross, refunds, fees and net of one business day.

    \b
    qrpay settle --date 2026-11-24                 CSV on stdout
    qrpay settle --date 2026-11-24 --format json --tz Asia/Bangkok --cutoff 22:00
    """
    settings = load_settings()
    logs.configure("WARNING", json=False)
    rule = BusinessDayRule(
        tz or settings.business_day_timezone,
        parse_cutoff(cutoff or settings.business_day_cutoff),
    )
    day = parse_day(day_text)
    gateway = build(settings)
    lines = asyncio.run(_settle(gateway, rule, day))
    if fmt == "csv":
        click.echo(render_csv(lines), nl=False)
        return
    start, end = rule.window(day)
    document = {
        "business_day": day.isoformat(),
        "timezone": rule.timezone,
        "window_start": start.isoformat(),
        "window_end": end.isoformat(),
        "data": [line.as_row() for line in lines],
    }
    click.echo(json.dumps(document, indent=1))


async def _settle(gateway: Gateway, rule: BusinessDayRule, day: date) -> list[SettlementLine]:
    try:
        await gateway.store.check_migrated()
        async with gateway.ctx.uow() as uow:
            return await office.settle(uow, rule, day)
    finally:
        await gateway.aclose()


@click.command()
@click.option("--network", required=True, type=click.Choice(sorted(PARSERS)), help="Whose report.")
@click.option(
    "--file",
    "path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The network's end-of-day report (acquirer: CSV or JSON; instant: camt.053 XML).",
)
@click.option(
    "--date",
    "day_text",
    default=None,
    metavar="YYYY-MM-DD",
    help="Business day (default: the report's).",
)
def reconcile(network: str, path: Path, day_text: str | None) -> None:
    """Match a network's end-of-day report against the ledger; list every mismatch.

    Prints JSON: matched count, mismatches (missing_at_network, missing_at_gateway,
    amount_mismatch, status_mismatch) each with both sides, and the unknown outcomes the
    report settled (recorded on the audit trail). Exit 0: all matched; 3: mismatches.
    """
    settings = load_settings()
    logs.configure("WARNING", json=False)
    gateway = build(settings)
    day = parse_day(day_text) if day_text else None
    result = asyncio.run(_reconcile(gateway, network, path.read_bytes(), day))
    click.echo(json.dumps(result.as_dict(), indent=1))
    if result.result.mismatches:
        raise SystemExit(MISMATCHES_EXIT)


async def _reconcile(
    gateway: Gateway, network: str, data: bytes, day: date | None
) -> office.ReconciliationReport:
    back_office = gateway.back_office
    assert back_office is not None
    try:
        await gateway.store.check_migrated()
        async with gateway.ctx.uow() as uow:
            report = await office.reconcile_report(
                gateway.ctx, uow, back_office.audit, back_office.business_day, network, data, day
            )
            await uow.commit()
        return report
    finally:
        await gateway.aclose()
