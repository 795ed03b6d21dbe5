"""``qrpay keys``: list, create, rotate and retire the key store's keys.

The store is the one the settings name (``QRPAY_KEYSTORE_BACKEND`` and friends), so the
same commands manage the embedded software store and a production HSM. A running gateway
sees a rotation without a restart. Every change is appended to the audit trail.
"""

from __future__ import annotations

import click

from qrpay.adapters.keystore.base import KeyInfo, KeyKind, KeyStore
from qrpay.adapters.keystore.factory import keystore_from_settings
from qrpay.cli.audit import record_cli_action
from qrpay.config import Settings
from qrpay.observability.logs import configure


def _opened() -> tuple[Settings, KeyStore]:
    settings = Settings()
    # Human-readable, on stderr: the first run's line saying where the master key is.
    configure(settings.log_level, json=False, cache=False)
    return settings, keystore_from_settings(settings)


def _store() -> KeyStore:
    return _opened()[1]


@click.group()
def keys() -> None:
    """Manage named, versioned keys (webhook secrets, MAC keys, card-data keys)."""


@keys.command("list")
def list_keys() -> None:
    """Every key, its kind, its current version and which versions are retired."""
    infos = _store().list()
    if not infos:
        click.echo("no keys")
        return
    click.echo(f"{'NAME':<24} {'KIND':<11} {'CURRENT':<8} VERSIONS")
    for info in infos:
        click.echo(f"{info.name:<24} {info.kind:<11} v{info.current_version:<7} {_versions(info)}")


def _versions(info: KeyInfo) -> str:
    return ", ".join(f"v{v.version}" + (" (retired)" if v.retired else "") for v in info.versions)


@keys.command()
@click.argument("name")
@click.option(
    "--kind",
    type=click.Choice([k.value for k in KeyKind]),
    required=True,
    help="hmac (webhooks, MACs, tokens), aes_gcm (card data), ecdsa_p256 (signed QR references).",
)
def create(name: str, kind: str) -> None:
    """Create version 1 of a new key."""
    settings, store = _opened()
    version = store.create(name, KeyKind(kind))
    record_cli_action(settings, store, "key.created", name, None, {"kind": kind, "current": 1})
    click.echo(f"created {name} v{version} ({kind})")


@keys.command()
@click.argument("name")
def rotate(name: str) -> None:
    """Make a new version current; older ones still verify and decrypt until retired."""
    settings, store = _opened()
    version = store.rotate(name)
    before, after = {"current": version - 1}, {"current": version}
    record_cli_action(settings, store, "key.rotated", name, before, after)
    click.echo(f"rotated {name}: v{version} is current")


@keys.command()
@click.argument("name")
@click.argument("version", type=click.IntRange(min=1))
def retire(name: str, version: int) -> None:
    """Stop an old version from verifying or decrypting. It cannot be undone."""
    settings, store = _opened()
    store.retire(name, version)
    target = f"{name}#v{version}"
    record_cli_action(settings, store, "key.retired", target, {"retired": False}, {"retired": True})
    click.echo(f"retired {name} v{version}")
