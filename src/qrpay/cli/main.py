"""The ``qrpay`` command. Subcommands live in their own modules and register here.

Every operating error ends the command with exit status 1 and one readable line on
stderr (``error: <code>: <message>``); usage mistakes exit with status 2, as click does.
"""

from __future__ import annotations

import sys

import click

from qrpay.cli.demo import demo
from qrpay.cli.qr import qr
from qrpay.cli.sim import sim
from qrpay.domain.errors import QrpayError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="qrpay")
def cli() -> None:
    """qrpay: an open-source QR-code and wallet payment gateway."""


cli.add_command(qr)
cli.add_command(demo)
cli.add_command(sim)


def main(argv: list[str] | None = None) -> None:
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
