"""``qrpay qr``: decode, render and encode QR payment codes from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from qrpay.adapters import qr_image
from qrpay.cli.demo import demo
from qrpay.domain.currency import currency_number
from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import mpm, reader
from qrpay.domain.qr.fields import field_name
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template


@click.group()
def qr() -> None:
    """Decode, render and encode EMVCo QR payment codes and UPI links."""


@qr.command()
@click.argument("payload", required=False)
@click.option(
    "--image",
    "image",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the payload from a QR image (PNG, JPEG...) instead.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the decoded code as JSON.")
@click.option(
    "--reveal-card-numbers",
    is_flag=True,
    help="Show card numbers of consumer-presented codes in clear (masked by default).",
)
def decode(
    payload: str | None, image: Path | None, as_json: bool, reveal_card_numbers: bool
) -> None:
    """Decode and validate PAYLOAD ('-' reads it from stdin).

    Exits with status 1 when the payload is invalid.

    \b
    Examples:
      qrpay qr decode '00020101021129370016A000000677010111011300668012345675802TH530376463046197'
      qrpay qr decode --json --image checkout.png
      echo "$PAYLOAD" | qrpay qr decode -
    """
    text = _payload_from(payload, image)
    reading = reader.read(text)
    if as_json:
        click.echo(
            json.dumps(
                reading.to_dict(reveal_card_numbers=reveal_card_numbers),
                ensure_ascii=False,
                indent=2,
            )
        )
    elif reading.error is not None:
        click.echo(f"invalid: {reading.error}", err=True)
    else:
        click.echo(_table(reading, reveal_card_numbers))
    if reading.error is not None:
        sys.exit(1)


@qr.command()
@click.argument("payload")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the image; .png or .svg.",
)
@click.option("--scale", default=8, show_default=True, help="Pixels per module (PNG).")
@click.option(
    "--ec-level",
    type=click.Choice(["L", "M", "Q", "H"]),
    default="M",
    show_default=True,
    help="Error correction level.",
)
def render(payload: str, output: Path, scale: int, ec_level: str) -> None:
    """Render PAYLOAD exactly as given to a PNG or SVG image."""
    _write_image(payload, output, scale, ec_level)
    click.echo(f"wrote {output}")


@qr.command()
@click.option("--merchant-name", help="59: merchant name (up to 25 characters).")
@click.option("--merchant-city", help="60: merchant city (up to 15 characters).")
@click.option("--country", help="58: ISO 3166 alpha-2 country, e.g. TH.")
@click.option("--mcc", help="52: merchant category code, 4 digits.")
@click.option("--currency", help="53: ISO 4217 code, alphabetic (THB) or numeric (764).")
@click.option("--amount", help="54: amount in major units as text, e.g. 12.50.")
@click.option(
    "--point-of-initiation",
    "poi",
    type=click.Choice(["static", "dynamic"]),
    help="01: static (11, payer types the amount) or dynamic (12, one payment).",
)
@click.option("--reference", help="62.05: reference label.")
@click.option("--bill-number", help="62.01: bill number.")
@click.option("--store", help="62.03: store label.")
@click.option("--terminal", help="62.07: terminal label.")
@click.option("--purpose", help="62.08: purpose of transaction.")
@click.option("--postal-code", help="61: postal code.")
@click.option(
    "--account",
    "accounts",
    multiple=True,
    metavar="ID:SUB=VALUE,...",
    help="A merchant account template, e.g. '29:00=A000000677010111,01=0066812345678'."
    " Repeat for several networks.",
)
@click.option(
    "--card",
    "cards",
    multiple=True,
    metavar="ID=VALUE",
    help="A card-scheme merchant id in 02-25, e.g. '02=4000123456789012'.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the code as an image (.png or .svg).",
)
def encode(
    merchant_name: str | None,
    merchant_city: str | None,
    country: str | None,
    mcc: str | None,
    currency: str | None,
    amount: str | None,
    poi: str | None,
    reference: str | None,
    bill_number: str | None,
    store: str | None,
    terminal: str | None,
    purpose: str | None,
    postal_code: str | None,
    accounts: tuple[str, ...],
    cards: tuple[str, ...],
    output: Path | None,
) -> None:
    """Write a canonical EMVCo merchant-presented payload (and optionally its image).

    \b
    Example (a static PromptPay code for a phone number):
      qrpay qr encode --point-of-initiation static --country TH --currency THB \\
        --account '29:00=A000000677010111,01=0066812345678' -o promptpay.png
    """
    objects: dict[str, str | Template] = {"00": "01"}
    simple = {
        "01": {"static": "11", "dynamic": "12"}.get(poi or ""),
        "52": mcc,
        "53": currency_number(currency) if currency else None,
        "54": amount,
        "58": country,
        "59": merchant_name,
        "60": merchant_city,
        "61": postal_code,
    }
    objects.update({tag: value for tag, value in simple.items() if value})
    for card in cards:
        tag, value = _split(card, "=", "--card")
        objects[tag] = value
    for account in accounts:
        tag, template = _account_template(account)
        objects[tag] = template
    extra = {"01": bill_number, "03": store, "05": reference, "07": terminal, "08": purpose}
    additional: dict[str, str | Template] = {k: v for k, v in extra.items() if v}
    if additional:
        objects["62"] = Template(additional)
    payload = mpm.encode(MerchantPresentedCode(objects))
    click.echo(payload)
    if output is not None:
        _write_image(payload, output, 8, "M")
        click.echo(f"wrote {output}", err=True)


def _payload_from(payload: str | None, image: Path | None) -> str:
    if image is not None:
        if payload is not None:
            raise click.UsageError("give either PAYLOAD or --image, not both")
        found = qr_image.read_image(image.read_bytes())
        return found[0]
    if payload is None:
        raise click.UsageError("give PAYLOAD, '-' for stdin, or --image FILE")
    if payload == "-":
        return sys.stdin.read().strip("\r\n")
    return payload


def _write_image(payload: str, output: Path, scale: int, ec_level: str) -> None:
    suffix = output.suffix.lower()
    if suffix == ".png":
        output.write_bytes(qr_image.render_png(payload, scale=scale, ec_level=ec_level))
    elif suffix == ".svg":
        output.write_text(qr_image.render_svg(payload, ec_level=ec_level), encoding="utf-8")
    else:
        raise click.BadParameter("the output file must end in .png or .svg", param_hint="-o")


def _split(text: str, sep: str, option: str) -> tuple[str, str]:
    key, found, value = text.partition(sep)
    if not found or not key or not value:
        raise click.BadParameter(f"expected KEY{sep}VALUE, got {text!r}", param_hint=option)
    return key.strip(), value


def _account_template(text: str) -> tuple[str, Template]:
    tag, members_text = _split(text, ":", "--account")
    members: dict[str, str | Template] = {}
    for member in members_text.split(","):
        key, value = _split(member, "=", "--account")
        members[key] = value
    if "00" not in members:
        raise QrError(
            QrReason.PROFILE_ACCOUNT_MISSING,
            f"account template {tag} needs a globally unique identifier in 00",
            field=f"{tag}.00",
        )
    return tag, Template(members)


def _table(reading: reader.Reading, reveal: bool) -> str:
    data = reading.to_dict(reveal_card_numbers=reveal)
    lines = [f"{'mode':<22}{data['mode']}", f"{'scheme':<22}{data['scheme']}"]
    view = reading.view
    if view is not None:
        amount = view.amount or "(payer enters the amount)"
        lines += [
            f"{'merchant':<22}{view.merchant_name or '-'}, {view.merchant_city or '-'}",
            f"{'amount':<22}{amount} {view.currency or ''}".rstrip(),
            f"{'account':<22}{view.account or '-'}"
            + (f" ({view.account_type})" if view.account_type else ""),
            f"{'networks':<22}{', '.join(n.name for n in view.networks) or '-'}",
        ]
    lines.append("")
    for tag, value in data["fields"].items():
        name = field_name(tag) if reading.mode is reader.Mode.MPM else ""
        lines.append(f"{tag:<6}{name[:40]:<42}{value}")
        for member, inner in data["templates"].get(tag, {}).items():
            path = f"{tag}.{member}"
            name = field_name(path) if reading.mode is reader.Mode.MPM else ""
            lines.append(f"  {member:<4}{name[:40]:<42}{inner}")
    lines += [f"warning: {w['field']}: {w['message']}" for w in data["warnings"]]
    return "\n".join(lines)


qr.add_command(demo)
