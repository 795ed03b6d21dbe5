"""``qrpay sim``: network simulators, each its own process on a real socket.

``qrpay sim acquirer --port N`` runs the ISO 8583 card acquirer; it prints one line,
``acquirer simulator listening on HOST:PORT`` (and ``; control on HOST:PORT``), once it
accepts connections, and serves until SIGTERM or Ctrl-C. Without ``--port``, ``--report``
writes the end-of-day report from the ledger file and exits.
"""

from __future__ import annotations

import asyncio
import random
from datetime import datetime
from pathlib import Path

import click

from qrpay.cli.sim_instant import instant
from qrpay.connectors.iso8583.mac import SoftwareMacKey
from qrpay.observability.logs import configure
from qrpay.simulators.acquirer import (
    DEFAULT_DECLINE_RULES,
    AcquirerSimulator,
    Fault,
    Faults,
    Listening,
    serve,
)
from qrpay.simulators.acquirer_ledger import Ledger, write_report

_RATE = click.FloatRange(0.0, 1.0)
_MS = click.IntRange(min=0)


@click.group()
def sim() -> None:
    """Run a network simulator as its own process."""


@sim.command()
@click.option("--port", type=click.IntRange(0, 65535), help="ISO 8583 TCP port; 0 picks one.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option(
    "--mac-key",
    envvar="QRPAY_ACQUIRER_MAC_KEY",
    help="MAC key shared with the gateway, hex, 32 bytes or more [env QRPAY_ACQUIRER_MAC_KEY].",
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("data/sim-acquirer-ledger.json"),
    show_default=True,
    help="The simulator's own ledger, kept across restarts.",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="End-of-day report: .csv, or JSON otherwise. Written at exit, on POST /report, "
    "or at once when --port is not given.",
)
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), help="Report only this UTC day.")
@click.option("--latency-ms", type=_MS, default=0, show_default=True, help="Base reply delay.")
@click.option(
    "--latency-jitter-ms", type=_MS, default=0, show_default=True, help="Plus uniform 0..this."
)
@click.option(
    "--decline-rule",
    multiple=True,
    metavar="ENDING=CODE",
    help="Answer CODE when the amount's last two digits are ENDING (repeatable). "
    f"Defaults: {', '.join(f'{k}={v}' for k, v in DEFAULT_DECLINE_RULES.items())}.",
)
@click.option("--no-default-declines", is_flag=True, help="Approve every amount by default.")
@click.option("--drop-rate", type=_RATE, default=0.0, help="Share of replies never sent.")
@click.option("--late-rate", type=_RATE, default=0.0, help="Share of replies sent --late-ms late.")
@click.option(
    "--late-ms", type=_MS, default=2_000, show_default=True, help="Delay of late replies."
)
@click.option("--close-rate", type=_RATE, default=0.0, help="Share closing the connection.")
@click.option("--garbage-rate", type=_RATE, default=0.0, help="Share answered with garbage.")
@click.option(
    "--fault-once",
    multiple=True,
    type=click.Choice([f.value for f in Fault]),
    help="A fault for the next 0100/0200 only (repeatable, in order).",
)
@click.option("--control-port", type=click.IntRange(0, 65535), help="HTTP control; 0 picks one.")
@click.option("--seed", type=int, help="Seed of latency and fault draws, for repeatable runs.")
@click.option("--log-level", default="INFO", show_default=True, help="Logs go to stderr.")
def acquirer(
    port: int | None,
    host: str,
    mac_key: str | None,
    ledger_path: Path,
    report_path: Path | None,
    day: datetime | None,
    latency_ms: int,
    latency_jitter_ms: int,
    decline_rule: tuple[str, ...],
    no_default_declines: bool,
    drop_rate: float,
    late_rate: float,
    late_ms: int,
    close_rate: float,
    garbage_rate: float,
    fault_once: tuple[str, ...],
    control_port: int | None,
    seed: int | None,
    log_level: str,
) -> None:
    """ISO 8583 card acquirer: checks MACs, keeps a ledger, injects latency and faults.

    Control endpoint (with --control-port): GET /health, GET /ledger (entries and net
    totals), GET or POST /faults (JSON: drop_rate, late_rate, close_rate, garbage_rate,
    late_ms, latency_ms, latency_jitter_ms, once: [drop|late|close|garbage]), POST /report.
    """
    configure(log_level)
    ledger = Ledger(ledger_path)
    if port is None:
        if report_path is None:
            raise click.UsageError("give --port to serve, or --report to write the report")
        write_report(report_path, ledger.rows(day.date() if day else None))
        click.echo(f"report written to {report_path}")
        return
    if not mac_key:
        raise click.UsageError("--mac-key (or QRPAY_ACQUIRER_MAC_KEY) is required to serve")
    faults = Faults(drop_rate, late_rate, close_rate, garbage_rate, late_ms, latency_ms)
    faults.latency_jitter_ms = latency_jitter_ms
    faults.once.extend(Fault(f) for f in fault_once)
    simulator = AcquirerSimulator(
        SoftwareMacKey.from_hex(mac_key),
        ledger,
        faults,
        _rules(decline_rule, no_default_declines),
        random.Random(seed),  # noqa: S311 - simulated faults
    )
    asyncio.run(serve(simulator, host, port, control_port, report_path, _announce))


def _rules(given: tuple[str, ...], no_defaults: bool) -> dict[str, str]:
    rules = {} if no_defaults else dict(DEFAULT_DECLINE_RULES)
    for rule in given:
        ending, _, code = rule.partition("=")
        if len(ending) != 2 or not ending.isdigit() or len(code) != 2 or not code.isalnum():
            raise click.BadParameter(f"{rule!r} is not ENDING=CODE, e.g. 51=51", param_hint="rule")
        rules[ending] = code
    return rules


def _announce(at: Listening) -> None:
    line = f"acquirer simulator listening on {at.host}:{at.port}"
    if at.control_port is not None:
        line += f"; control on {at.host}:{at.control_port}"
    click.echo(line)


# The instant network's simulator lives in its own module (cli/sim_instant.py).
sim.add_command(instant)
