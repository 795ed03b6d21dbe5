"""``qrpay audit verify``: check the audit trail's hash chain end to end.

Exit status 0 and one line with the count and the head's hash when every entry is sound
(keep that line elsewhere: it is what shows later that no newest entries were dropped);
exit status 1 and one line naming the first bad entry otherwise. Reads the embedded JSON
Lines log for now; it will read the database table once the log lives there.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import anyio
import click

from qrpay.adapters.audit_file import DEFAULT_FILE, JsonlAuditLog
from qrpay.adapters.keystore.base import KeyStore
from qrpay.adapters.keystore.factory import keystore_from_settings
from qrpay.config import Settings
from qrpay.domain.audit import JsonValue
from qrpay.observability.logs import configure
from qrpay.services.audit import AuditTrail, KeyedSealer


def _now() -> datetime:
    return datetime.now(UTC)


def trail(settings: Settings, keys: KeyStore, file: Path | None = None) -> AuditTrail:
    log = JsonlAuditLog(file or settings.data_dir / DEFAULT_FILE)
    return AuditTrail(log, KeyedSealer(keys), _now)


def record_cli_action(
    settings: Settings,
    keys: KeyStore,
    action: str,
    target: str,
    before: JsonValue,
    after: JsonValue,
) -> None:
    """Append what a command changed, with the operating-system user as the actor."""
    sealer = KeyedSealer(keys)
    sealer.ensure_key()
    actor = f"cli:{getpass.getuser()}"
    anyio.run(
        lambda: trail(settings, keys).record(actor, action, target, before=before, after=after)
    )


@click.group()
def audit() -> None:
    """The tamper-evident audit trail of privileged actions."""


@audit.command()
@click.option(
    "--file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The JSON Lines log to check (default: <data_dir>/audit.jsonl).",
)
def verify(file: Path | None) -> None:
    """Exit 1 naming the first entry that was edited, deleted, reordered or inserted."""
    settings = Settings()
    configure(settings.log_level, json=False, cache=False)
    head = anyio.run(trail(settings, keystore_from_settings(settings), file).verify)
    click.echo(f"ok: {head.count} entries, chain intact, head {head.chain_hash}")
