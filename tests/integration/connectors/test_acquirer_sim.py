"""The ISO 8583 connector against ``qrpay sim acquirer`` running as its own process.

Real sockets on free ports, small timeouts. Each test starts its own simulator so every
ledger starts empty; the simulator's ledger (GET /ledger) is the network's view of money.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from qrpay.connectors.base import Card, CardAcceptor, Outcome, PaymentRequest
from qrpay.connectors.iso8583.connection import ConnectionLimits
from qrpay.connectors.iso8583.connector import AcquirerConfig, Iso8583Connector
from qrpay.connectors.iso8583.mac import SoftwareMacKey
from qrpay.connectors.iso8583.reversals import ReversalPolicy
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId
from qrpay.domain.money import Money

KEY_HEX = "5a" * 32
KEY = SoftwareMacKey.from_hex(KEY_HEX)
QRPAY = str(Path(sys.executable).with_name("qrpay"))
STARTUP_S = 15.0
CONFIG = AcquirerConfig(acquirer_id="12345", connector_timeout_ms=400)
LIMITS = ConnectionLimits(
    connect_timeout_ms=500, connect_wait_ms=2_000, backoff_ms_min=20, backoff_ms_max=200
)
POLICY = ReversalPolicy(timeout_ms=400, backoff_ms_min=20, poll_ms=20, armed_stale_ms=1_000)


@dataclass
class Simulator:
    process: subprocess.Popen[str]
    port: int
    control: str
    ledger_path: Path

    async def post(self, path: str, body: dict[str, Any]) -> Any:
        async with httpx.AsyncClient(base_url=self.control) as client:
            response = await client.post(path, json=body)
        response.raise_for_status()
        return response.json()

    async def ledger(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.control) as client:
            response = await client.get("/ledger")
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[Simulator]:
    ledger = tmp_path / "sim-ledger.json"
    process = subprocess.Popen(
        [QRPAY, "sim", "acquirer", "--port", "0", "--control-port", "0", "--ledger", str(ledger)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "QRPAY_ACQUIRER_MAC_KEY": KEY_HEX},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    found = re.search(r"listening on ([\d.]+):(\d+); control on [\d.]+:(\d+)", line)
    assert found, f"simulator did not start: {line!r}"
    host, port, control = found.group(1), int(found.group(2)), int(found.group(3))
    yield Simulator(process, port, f"http://{host}:{control}", ledger)
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=STARTUP_S)
    process.stdout.close()


@pytest.fixture
async def connector(simulator: Simulator, tmp_path: Path) -> AsyncIterator[Iso8583Connector]:
    async with _connector(simulator.port, tmp_path / "gateway") as running:
        yield running


def _connector(port: int, data_dir: Path, key: SoftwareMacKey = KEY) -> Iso8583Connector:
    return Iso8583Connector.over_tcp(
        "127.0.0.1", port, key, data_dir, lambda: datetime.now(UTC), CONFIG, LIMITS, POLICY
    )


def _request(amount_minor: int) -> PaymentRequest:
    return PaymentRequest(
        PaymentId("pay_it"),
        AttemptId("att_it"),
        MerchantId("mer_it"),
        Money.of(amount_minor, "THB"),
        None,
        acceptor=CardAcceptor("TERM0001", "MERCHANT000001", "5812"),
        card=Card("4111111111111111", "2812"),
    )


async def _eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await check():
            await asyncio.sleep(0.02)


async def _nets_to_zero(simulator: Simulator) -> bool:
    ledger = await simulator.ledger()
    statuses = {e["status"] for e in ledger["entries"]}
    return statuses == {"reversed"} and ledger["totals"]["authorization"]["net_minor"] == 0


async def test_approval(connector: Iso8583Connector, simulator: Simulator) -> None:
    result = await connector.authorize(_request(1000))

    ledger = await simulator.ledger()
    assert (result.outcome, result.network_code) == (Outcome.APPROVED, "00")
    assert result.authorization_code is not None
    assert ledger["totals"]["authorization"]["net_minor"] == 1000


async def test_hard_decline(connector: Iso8583Connector) -> None:
    result = await connector.authorize(_request(1005))

    assert (result.outcome, result.network_code) == (Outcome.DECLINED_HARD, "05")


async def test_soft_decline(connector: Iso8583Connector) -> None:
    result = await connector.sale(_request(1051))

    assert (result.outcome, result.network_code) == (Outcome.DECLINED_SOFT, "51")


async def test_connection_refused_is_a_soft_decline_sent_nowhere(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]

    async with _connector(closed_port, tmp_path) as connector:
        await asyncio.sleep(0.1)
        result = await connector.authorize(_request(1000))

    assert result.outcome is Outcome.DECLINED_SOFT
    assert result.network_code == ""
    assert "not sent" in result.message


async def test_a_wrong_mac_key_gets_nothing_through(simulator: Simulator, tmp_path: Path) -> None:
    async with _connector(simulator.port, tmp_path, SoftwareMacKey(b"\x01" * 32)) as connector:
        result = await connector.authorize(_request(1000))

    assert result.outcome is Outcome.DECLINED_SOFT, "sign-on never succeeds"
    assert (await simulator.ledger())["entries"] == []


async def test_timeout_is_reversed_and_the_network_ledger_nets_to_zero(
    connector: Iso8583Connector, simulator: Simulator
) -> None:
    await simulator.post("/faults", {"once": ["drop"]})

    result = await connector.authorize(_request(2500))
    await _eventually(lambda: _nets_to_zero(simulator))

    assert result.outcome is Outcome.UNKNOWN
    entry = (await simulator.ledger())["entries"][0]
    assert (entry["amount_minor"], entry["reversal_messages"]) == (2500, 1)


async def test_a_late_answer_is_ignored_and_the_request_reversed(
    connector: Iso8583Connector, simulator: Simulator
) -> None:
    await simulator.post("/faults", {"once": ["late"], "late_ms": 800})

    result = await connector.authorize(_request(3000))
    await _eventually(lambda: _nets_to_zero(simulator))
    await asyncio.sleep(0.6)  # the late 0110 arrives and is dropped
    after = await connector.authorize(_request(3100))

    assert result.outcome is Outcome.UNKNOWN
    assert after.outcome is Outcome.APPROVED


async def test_garbage_resets_the_connection_and_the_outcome_is_still_resolved(
    connector: Iso8583Connector, simulator: Simulator
) -> None:
    await simulator.post("/faults", {"once": ["garbage"]})

    result = await connector.authorize(_request(4000))
    await _eventually(lambda: _nets_to_zero(simulator))
    after = await connector.authorize(_request(4100))

    assert result.outcome is Outcome.UNKNOWN
    assert after.outcome is Outcome.APPROVED, "the link came back"
    assert simulator.process.poll() is None, "the simulator did not crash either"


async def test_a_gateway_killed_before_reversing_reverses_after_restart(
    simulator: Simulator, tmp_path: Path
) -> None:
    gateway_dir = tmp_path / "gateway"
    await simulator.post("/faults", {"once": ["drop"]})
    # Given a gateway process that sent an authorization and waits for the answer
    doomed = subprocess.Popen(
        [sys.executable, "-c", _DOOMED_GATEWAY, str(simulator.port), str(gateway_dir), KEY_HEX],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await _eventually(
            lambda: _has_entries(simulator), timeout_s=STARTUP_S
        )  # the network has it
        # When the gateway dies before any reversal leaves
        doomed.kill()
    finally:
        doomed.wait(timeout=STARTUP_S)
    assert (await simulator.ledger())["totals"]["authorization"]["net_minor"] == 5000

    # Then the restarted gateway finds the armed reversal and completes it
    async with _connector(simulator.port, gateway_dir):
        await _eventually(lambda: _nets_to_zero(simulator))


async def _has_entries(simulator: Simulator) -> bool:
    return bool((await simulator.ledger())["entries"])


_DOOMED_GATEWAY = """
import asyncio, sys
from datetime import UTC, datetime
from pathlib import Path
from qrpay.connectors.base import Card, CardAcceptor, PaymentRequest
from qrpay.connectors.iso8583.connector import AcquirerConfig, Iso8583Connector
from qrpay.connectors.iso8583.mac import SoftwareMacKey
from qrpay.domain.ids import AttemptId, MerchantId, PaymentId
from qrpay.domain.money import Money

async def main() -> None:
    connector = Iso8583Connector.over_tcp(
        "127.0.0.1", int(sys.argv[1]), SoftwareMacKey.from_hex(sys.argv[3]), Path(sys.argv[2]),
        lambda: datetime.now(UTC), AcquirerConfig(acquirer_id="12345", connector_timeout_ms=20_000),
    )
    await connector.start(reversals=False)
    await connector.authorize(PaymentRequest(
        PaymentId("pay_doomed"), AttemptId("att_doomed"), MerchantId("mer_it"),
        Money.of(5000, "THB"), None, acceptor=CardAcceptor("TERM0001", "MERCHANT000001"),
        card=Card("4111111111111111", "2812"),
    ))

asyncio.run(main())
"""


async def test_end_of_day_report_lists_what_the_network_decided(
    connector: Iso8583Connector, simulator: Simulator, tmp_path: Path
) -> None:
    await connector.authorize(_request(1000))
    await connector.authorize(_request(1005))

    simulator.process.send_signal(signal.SIGTERM)
    simulator.process.wait(timeout=STARTUP_S)
    report = tmp_path / "eod.csv"
    subprocess.run(
        [QRPAY, "sim", "acquirer", "--ledger", str(simulator.ledger_path), "--report", str(report)],
        check=True,
        capture_output=True,
    )

    lines = report.read_text().splitlines()
    assert lines[0].split(",") == [
        *("stan", "rrn", "terminal", "merchant", "kind", "amount_minor", "currency"),
        *("response_code", "status", "time"),
    ]
    assert [line.split(",")[7:9] for line in lines[1:]] == [["00", "approved"], ["05", "declined"]]
