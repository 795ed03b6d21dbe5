"""The ``qrpay`` command. Subcommands live in their own modules and register here.

Every operating error ends the command with exit status 1 and one readable line on
stderr (``error: <code>: <message>``); usage mistakes exit with status 2, as click does.
"""

from __future__ import annotations

import importlib
import sys

import click

from qrpay.domain.errors import QrpayError

# Subcommands load on use, so `qrpay qr decode` does not pay for the web stack's imports.
COMMANDS: dict[str, str] = {
    "qr": "qrpay.cli.qr:qr",
    "migrate": "qrpay.cli.migrate:migrate",
    "serve": "qrpay.cli.serve:serve",
    "keys": "qrpay.cli.keys:keys",
    "audit": "qrpay.cli.audit:audit",
    "sim": "qrpay.cli.sim:sim",
    "worker": "qrpay.cli.worker:worker",
    "settle": "qrpay.cli.back_office:settle",
    "reconcile": "qrpay.cli.back_office:reconcile",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return super().get_command(ctx, name)
        module_name, _, attribute = COMMANDS[name].partition(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qrpay")
def cli() -> None:
    """qrpay: an open-source QR-code and wallet payment gateway."""


def main(argv: list[str] | None = None) -> None:
    if not __debug__:
        # Assertions guard money invariants; python -O would strip them.
        sys.exit("qrpay must not run under python -O: its assertions guard the ledger")
    try:
        cli.main(args=argv, prog_name="qrpay", standalone_mode=False)
    except QrpayError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
