"""``qrpay serve``: run the HTTP gateway (``--demo``: migrate and seed demo data first)."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path

import click
import uvicorn

from qrpay.bootstrap import build, load_settings
from qrpay.config import Settings
from qrpay.services import demo as demo_data

GRACEFUL_SHUTDOWN_S = 15


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes; each opens its own database pool.",
)
@click.option(
    "--demo",
    is_flag=True,
    help="Migrate, seed a demo merchant and two wallets, print keys, write demo.json.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Embedded data directory (default: QRPAY_DATA_DIR or ./data).",
)
@click.option("--public-url", help="Base URL of hosted pages (default: http://HOST:PORT).")
def serve(
    host: str, port: int, workers: int, demo: bool, data_dir: Path | None, public_url: str | None
) -> None:
    """Run the gateway. Refuses to start on a database that is not migrated.

    \b
    Embedded (default): SQLite in the data directory, in-process session store.
    Production: set QRPAY_DATABASE_URL=postgresql://... and QRPAY_REDIS_URL=redis://...
    """
    # Workers are separate processes: they read their settings from the environment.
    if data_dir is not None:
        os.environ["QRPAY_DATA_DIR"] = str(data_dir)
    if public_url or "QRPAY_PUBLIC_URL" not in os.environ:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        os.environ["QRPAY_PUBLIC_URL"] = public_url or f"http://{shown}:{port}"
    if demo:
        os.environ.setdefault("QRPAY_DEMO", "true")  # demo webhooks may use plain http
    settings = load_settings()
    asyncio.run(_prepare(settings, demo))
    if workers > 1 and "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="qrpay-metrics-")
    uvicorn.run(
        "qrpay.bootstrap:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
        server_header=False,
    )


async def _prepare(settings: Settings, demo: bool) -> None:
    gateway = build(settings)
    try:
        if demo:
            for revision in await gateway.store.migrate():
                click.echo(f"migrated: {revision}")
            assert settings.operator_key is not None
            seeded = await demo_data.seed(
                gateway.ctx, settings.data_dir, settings.operator_key.get_secret_value()
            )
            _show(seeded, settings)
        else:
            await gateway.store.check_migrated()
    finally:
        await gateway.aclose()


def _show(seeded: demo_data.Demo, settings: Settings) -> None:
    base = seeded.base_url
    merchant = seeded.merchants[0]
    lines = [
        f"qrpay demo at {base}   (API docs: {base}/docs)",
        f"  operator key   {seeded.operator_key}",
        f"  merchant       {merchant.name} ({merchant.id})  key {merchant.api_key}",
    ]
    lines += [f"  wallet         {w.name} ({w.id})  token {w.token}" for w in seeded.wallets]
    lines += [
        f"  wallet app     {base}/wallet     (sign in with a wallet token)",
        f"  dashboard      {base}/dashboard  (sign in with the operator key)",
        f"  written to     {settings.data_dir / demo_data.DEMO_FILE}",
        "  try            curl -s -X POST "
        f"{base}/v1/checkouts -H 'Authorization: Bearer {merchant.api_key}' "
        "-H 'Idempotency-Key: demo-1' -H 'Content-Type: application/json' "
        '-d \'{"amount": 12050, "currency": "THB", "reference": "ORDER-1"}\'',
    ]
    click.echo("\n".join(lines))
