"""``qrpay worker`` as its own process: killed with SIGKILL mid-delivery, no event is lost.

The first worker is killed while the receiver holds its first request open; a second worker
started afterwards delivers every event once the dead worker's lease runs out (attempt
timeout 1 s + margin 5 s), and stops cleanly on SIGTERM. The receiver dedupes by
webhook-id, so it processes each event once although the first one arrives twice.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL

from qrpay.adapters.db.store import SqlStore
from qrpay.adapters.keystore.software import SoftwareKeyStore
from qrpay.services import webhooks
from tests.fakes.clock import FakeClock
from tests.fakes.context import harness
from tests.notifications import MASTER_KEY, open_shop, pay_checkout, webhook_settings
from tests.webhook_receiver import Receiver

DELIVERED_WITHIN_S = 40.0
EVENTS = 3


def _start_worker(url: URL, data_dir: Path, keys_file: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QRPAY_DATABASE_URL": url.render_as_string(hide_password=False),
        "QRPAY_DATA_DIR": str(data_dir),
        "QRPAY_MASTER_KEY": base64.b64encode(MASTER_KEY).decode(),
        "QRPAY_KEYSTORE_FILE": str(keys_file),
        "QRPAY_DEMO": "true",
        "QRPAY_WEBHOOK_ALLOW_PRIVATE_NETWORKS": "true",
        "QRPAY_WEBHOOK_ATTEMPT_TIMEOUT_MS": "1000",
        "QRPAY_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "qrpay", "worker", "--worker-id", f"w{time.monotonic_ns()}"]
    with log.open("wb") as stderr:
        return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=stderr)


async def _backlog(store: SqlStore) -> int:
    async with store() as uow:
        return await uow.webhooks.backlog() + await uow.events.unpublished()


async def test_a_worker_killed_mid_delivery_loses_no_event(
    sql_url: URL, sql_store: SqlStore, tmp_path: Path
) -> None:
    # given three payments whose events are in the outbox, and an endpoint
    keys_file = tmp_path / "keys.json"
    settings = webhook_settings(SoftwareKeyStore(MASTER_KEY, keys_file))
    h = harness(store=sql_store, clock=FakeClock(datetime.now(UTC)))
    shop = await open_shop(h.ctx)
    with Receiver(hold_s=3.0) as receiver:
        async with h.ctx.uow() as uow:
            await webhooks.create_endpoint(
                h.ctx, uow, settings, shop.merchant.id, receiver.url, ("payment.succeeded",)
            )
            await uow.commit()
        for _ in range(EVENTS):
            await pay_checkout(h.ctx, shop)
        # when a worker is killed while its first request is in flight
        first = _start_worker(sql_url, tmp_path, keys_file, tmp_path / "first.log")
        try:
            assert await asyncio.to_thread(receiver.arrived.wait, 20), "no delivery began"
            first.send_signal(signal.SIGKILL)
        finally:
            first.wait(10)
        # and another worker starts
        began = time.monotonic()
        second = _start_worker(sql_url, tmp_path, keys_file, tmp_path / "second.log")
        try:
            while await _backlog(sql_store) and time.monotonic() - began < DELIVERED_WITHIN_S:
                await asyncio.sleep(0.2)
            second.send_signal(signal.SIGTERM)
            second.wait(20)
        finally:
            if second.poll() is None:
                second.kill()
    # then every event was delivered and processed once; the interrupted one arrived twice
    assert second.returncode == 0, (tmp_path / "second.log").read_text()
    assert await _backlog(sql_store) == 0
    assert sorted(receiver.processed.values()) == [1] * EVENTS
    assert max(receiver.ids_received().values()) == 2
