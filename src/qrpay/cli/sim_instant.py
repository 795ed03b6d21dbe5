"""``qrpay sim instant``: the instant account-to-account network simulator (ISO 20022).

Kept apart from the other simulators' commands so each can be added without touching the
others: ``register`` adds ``instant`` to the ``sim`` group, creating it when absent.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import click

from qrpay.simulators.instant import Options, serve
from qrpay.simulators.instant_behaviour import (
    DEFAULT_DECLINES,
    Behaviour,
    Fault,
    Latency,
    SettingInvalid,
    parse_declines,
    parse_one_shots,
)


def _rate(name: str) -> click.Option:
    return click.Option(
        [f"--{name}-rate", f"{name}_rate"],
        type=click.FloatRange(0, 1),
        default=0.0,
        show_default=True,
        help=f"Share of answers that suffer the '{name}' fault.",
    )


@click.command(params=[_rate(f.value) for f in Fault])
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8020,
    show_default=True,
    help="Port to listen on; 0 picks a free one (printed on start).",
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/sim-instant/ledger.jsonl"),
    show_default=True,
    help="The simulator's own ledger, one JSON line per decision; kept across restarts.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the end-of-day camt.053 here on POST /control/report and at shutdown.",
)
@click.option(
    "--account",
    default="QRPAY-SETTLEMENT",
    show_default=True,
    help="The participant's settlement account named in the camt.053.",
)
@click.option(
    "--currency",
    "home_currency",
    default="THB",
    show_default=True,
    help="Currency of the statement reported even on a day without entries.",
)
@click.option(
    "--latency",
    default="fixed:0",
    show_default=True,
    help="Latency in ms: fixed:MS, uniform:LO:HI, normal:MEAN:SD, exponential:MEAN.",
)
@click.option(
    "--decline",
    "declines",
    multiple=True,
    help="ENDING=CODE: reject amounts (minor units) ending so; repeat; 'none' for none. "
    f"Default: {' '.join(f'{k}={v}' for k, v in DEFAULT_DECLINES.items())}.",
)
@click.option(
    "--decline-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of other transfers rejected with --decline-rate-code.",
)
@click.option("--decline-rate-code", default="MS03", show_default=True)
@click.option(
    "--late-ms",
    type=click.IntRange(0, 60_000),
    default=3_000,
    show_default=True,
    help="How late a 'late' answer comes.",
)
@click.option(
    "--fault-next",
    "next_faults",
    multiple=True,
    help="One-shot fault for the next pacs.008 (or FAULT:MESSAGE, e.g. "
    "late:pacs.028.001.04); repeat for more.",
)
@click.option("--seed", type=int, help="Seed the simulator's randomness to replay a run.")
def instant(
    host: str,
    port: int,
    ledger_path: Path,
    report_path: Path | None,
    account: str,
    home_currency: str,
    latency: str,
    declines: tuple[str, ...],
    decline_rate: float,
    decline_rate_code: str,
    late_ms: int,
    next_faults: tuple[str, ...],
    seed: int | None,
    **rates: float,
) -> None:
    """Run the instant network simulator (ISO 20022 over HTTP) until interrupted."""
    try:
        behaviour = Behaviour(
            latency=Latency.parse(latency),
            declines=parse_declines(list(declines)) if declines else dict(DEFAULT_DECLINES),
            decline_rate=decline_rate,
            decline_rate_code=decline_rate_code,
            rates={f: rates[f"{f.value}_rate"] for f in Fault},
            late_ms=late_ms,
            rng=random.Random(seed),  # noqa: S311 - a simulator's dice, not a secret
        )
        behaviour.update({"next": [_one_shot(text) for text in next_faults]})
    except SettingInvalid as exc:
        raise click.BadParameter(str(exc)) from exc
    options = Options(host, port, ledger_path, report_path, account, home_currency, behaviour)
    asyncio.run(serve(options))


def _one_shot(text: str) -> dict[str, str]:
    fault, _, message = text.partition(":")
    spec = {"fault": fault}
    if message:
        spec["message"] = message
    parse_one_shots([spec])
    return spec


def register(cli: click.Group) -> None:
    """Add ``instant`` to the ``sim`` group of ``cli``, creating the group when absent."""
    group = cli.commands.get("sim")
    if not isinstance(group, click.Group):
        group = click.Group("sim", help="Run a network simulator as its own process.")
        cli.add_command(group)
    group.add_command(instant)
