"""The multiplexed connection over in-memory streams: no socket is opened."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.connection import Connection, ConnectionLimits
from qrpay.connectors.iso8583.messages import Message
from qrpay.connectors.iso8583.spec import Mti, NetworkCode
from qrpay.connectors.iso8583.stan import FileStanAllocator
from qrpay.connectors.iso8583.transport import NoAnswer, NotSent
from tests.fakes.clock import FakeClock
from tests.fakes.iso8583 import KEY, ScriptedAcquirer

LIMITS = ConnectionLimits(
    connect_timeout_ms=200,
    connect_wait_ms=200,
    echo_timeout_ms=200,
    idle_echo_ms=60_000,
    in_flight_max=2,
    backoff_ms_min=10,
    backoff_ms_max=40,
)


@asynccontextmanager
async def _connected(
    acquirer: ScriptedAcquirer, tmp_path: Path, limits: ConnectionLimits = LIMITS
) -> AsyncIterator[tuple[Connection, FileStanAllocator]]:
    clock = FakeClock()
    stans = FileStanAllocator(tmp_path / "stan.json")
    connection = Connection(acquirer.dial, KEY, stans, clock.now, limits)
    await connection.start()
    try:
        yield connection, stans
    finally:
        await connection.close()


async def _echo_request(stans: FileStanAllocator) -> Message:
    at = FakeClock().now()
    return messages.network_request(NetworkCode.ECHO, await stans.allocate(at), at)


async def _until(condition: object, timeout_s: float = 1.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not callable(condition) or not condition():
            await asyncio.sleep(0.001)


async def test_it_signs_on_before_anything_else(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer()

    async with _connected(acquirer, tmp_path) as (connection, _):
        await _until(lambda: connection.up)

    assert acquirer.received[0].mti is Mti.NETWORK_REQUEST
    assert acquirer.received[0].get(70) == NetworkCode.SIGN_ON


async def test_replies_find_their_request_by_stan_in_any_order(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer(mode="hold")

    async with _connected(acquirer, tmp_path) as (connection, stans):
        first = await _financial(stans, "000000000100")
        second = await _financial(stans, "000000000200")
        waiting = [asyncio.create_task(connection.exchange(m, 1_000)) for m in (first, second)]
        await _until(lambda: len(acquirer.held) == 2)
        await acquirer.release(acquirer.held[1], "05")
        await acquirer.release(acquirer.held[0], "00")
        replies = await asyncio.gather(*waiting)

    assert [r.stan for r in replies] == [first.stan, second.stan]
    assert [r.get(39) for r in replies] == ["00", "05"]


async def test_no_more_than_in_flight_max_requests_wait_at_once(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer(mode="hold")

    async with _connected(acquirer, tmp_path) as (connection, stans):
        requests = [await _financial(stans, f"{n:012d}") for n in range(1, 5)]
        waiting = [asyncio.create_task(connection.exchange(m, 1_000)) for m in requests]
        await _until(lambda: len(acquirer.held) == 2)
        await asyncio.sleep(0.02)
        sent_while_full = len(acquirer.financial())
        in_flight_while_full = connection.in_flight
        while len(acquirer.financial()) < 4 or acquirer.held:
            if acquirer.held:
                await acquirer.release(acquirer.held.pop(0))
            await asyncio.sleep(0.001)
        await asyncio.gather(*waiting)

    assert sent_while_full == 2
    assert in_flight_while_full == 2


async def test_a_full_window_until_the_deadline_means_not_sent(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer(mode="hold")

    async with _connected(acquirer, tmp_path) as (connection, stans):
        blockers = [
            asyncio.create_task(connection.exchange(await _financial(stans, f"{n:012d}"), 500))
            for n in (1, 2)
        ]
        await _until(lambda: len(acquirer.held) == 2)
        with pytest.raises(NotSent, match="window"):
            await connection.exchange(await _financial(stans, "000000000003"), 30)
        for blocker in blockers:
            blocker.cancel()


async def test_no_reply_in_time_is_no_answer_and_a_late_reply_is_ignored(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer(mode="hold")

    async with _connected(acquirer, tmp_path) as (connection, stans):
        request = await _financial(stans, "000000000100")
        with pytest.raises(NoAnswer, match="in time"):
            await connection.exchange(request, 30)
        await acquirer.release(acquirer.held[0])
        await asyncio.sleep(0.01)
        acquirer.mode = "approve"
        still_works = await connection.exchange(await _financial(stans, "000000000200"), 500)

    assert still_works.get(39) == "00"
    assert connection.links_opened == 1, "a late reply does not reset the link"


async def test_a_garbage_frame_resets_the_link_and_it_comes_back(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer(mode="garbage")

    async with _connected(acquirer, tmp_path) as (connection, stans):
        with pytest.raises(NoAnswer, match="garbage"):
            await connection.exchange(await _financial(stans, "000000000100"), 1_000)
        acquirer.mode = "approve"
        reply = await connection.exchange(await _financial(stans, "000000000200"), 1_000)

    assert reply.get(39) == "00"
    assert acquirer.dials == 2


async def test_a_refused_dial_is_not_sent_at_once(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer()
    acquirer.refuse = True

    async with _connected(acquirer, tmp_path) as (connection, stans):
        await _until(lambda: acquirer.dials >= 1)
        await asyncio.sleep(0)
        with pytest.raises(NotSent, match="refusal"):
            await connection.exchange(await _financial(stans, "000000000100"), 1_000)
        acquirer.refuse = False
        await _until(lambda: connection.up)

    assert acquirer.dials >= 2, "it kept dialling with backoff"


async def test_an_idle_link_sends_echo_tests(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer()
    limits = ConnectionLimits(idle_echo_ms=20, echo_timeout_ms=200, backoff_ms_min=10)

    async with _connected(acquirer, tmp_path, limits) as (connection, _):
        await _until(lambda: sum(m.get(70) == NetworkCode.ECHO for m in acquirer.received) >= 2)

    assert connection.links_opened == 1


async def test_an_unanswered_echo_ends_the_link(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer()
    limits = ConnectionLimits(idle_echo_ms=20, echo_timeout_ms=30, backoff_ms_min=10)

    async with _connected(acquirer, tmp_path, limits) as (connection, _):
        await _until(lambda: connection.up)
        acquirer.mode = "hold"
        _hold_network_messages(acquirer)
        await _until(lambda: acquirer.dials >= 2)


async def test_echo_answers_with_the_0810(tmp_path: Path) -> None:
    acquirer = ScriptedAcquirer()

    async with _connected(acquirer, tmp_path) as (connection, _):
        reply = await connection.echo(500)

    assert reply.mti is Mti.NETWORK_RESPONSE
    assert reply.get(39) == "00"


def _hold_network_messages(acquirer: ScriptedAcquirer) -> None:
    original = acquirer._handle

    async def handle(peer: object, payload: bytes) -> None:
        if acquirer.mode == "hold":
            return
        await original(peer, payload)  # type: ignore[arg-type]

    acquirer._handle = handle  # type: ignore[method-assign]


async def _financial(stans: FileStanAllocator, amount: str) -> Message:
    at = FakeClock().now()
    stan = await stans.allocate(at)
    return Message(
        Mti.FINANCIAL_REQUEST,
        {
            2: "4111111111111111",
            3: "000000",
            4: amount,
            7: messages.transmission_time(at),
            11: stan,
            12: "090000",
            13: "1124",
            22: "810",
            25: "59",
            32: "12345",
            37: messages.retrieval_reference(stan, at),
            41: "TERM0001",
            42: "MERCHANT000001 ",
            49: "764",
        },
    )
