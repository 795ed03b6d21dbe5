"""``qrpay demo``: a QR round trip a newcomer can watch in a few seconds.

It writes a dynamic PromptPay checkout code, renders it to a PNG, reads the PNG back with an
independent decoder and shows what a payer's wallet would show.
"""

from __future__ import annotations

from pathlib import Path

import click

from qrpay.adapters import qr_image
from qrpay.domain.qr import mpm, reader
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template


@click.command()
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("data"),
    show_default=True,
    help="Where the demo writes its files.",
)
def demo(data_dir: Path) -> None:
    """Encode a checkout QR, render it, scan it back and show the payer view."""
    code = MerchantPresentedCode(
        {
            "00": "01",
            "01": "12",
            "29": Template({"00": "A000000677010111", "01": "0066812345678"}),
            "52": "5812",
            "53": "764",
            "54": "120.50",
            "58": "TH",
            "59": "Somtam Corner",
            "60": "Bangkok",
            "62": Template({"05": "ORDER-0042", "07": "POS-01"}),
        }
    )
    payload = mpm.encode(code)
    data_dir.mkdir(parents=True, exist_ok=True)
    image = data_dir / "demo-checkout.png"
    image.write_bytes(qr_image.render_png(payload))
    scanned = qr_image.read_image(image.read_bytes())[0]
    reading = reader.require_valid(reader.read(scanned))
    view = reading.view
    assert view is not None
    click.echo(f"payload   {payload}")
    click.echo(
        f"image     {image} (scanned back: {'identical' if scanned == payload else 'DIFFERENT'})"
    )
    click.echo(
        f"scheme    {view.scheme} via {view.network}, account {view.account} ({view.account_type})"
    )
    click.echo(f"merchant  {view.merchant_name}, {view.merchant_city}")
    click.echo(f"amount    {view.amount} {view.currency}, reference {view.reference}")
    click.echo("next      qrpay qr decode --image " + str(image))
