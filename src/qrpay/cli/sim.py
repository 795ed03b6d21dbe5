"""``qrpay sim``: run a network simulator as its own process, on a real socket."""

from __future__ import annotations

import click

from qrpay.cli.sim_instant import instant


@click.group()
def sim() -> None:
    """Run a network simulator as its own process."""


sim.add_command(instant)
