"""STANs: unique within a UTC day, across restarts; a new day starts again at 000001."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qrpay.connectors.base import ConnectorUnavailable
from qrpay.connectors.iso8583.stan import FileStanAllocator
from tests.fakes.clock import FakeClock


async def test_stans_count_up_from_000001(tmp_path: Path) -> None:
    clock = FakeClock()
    stans = FileStanAllocator(tmp_path / "stan.json")

    assert [await stans.allocate(clock.now()) for _ in range(3)] == ["000001", "000002", "000003"]


async def test_a_restart_resumes_after_the_reserved_block(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "stan.json"
    before = FileStanAllocator(path, block_size=10)
    used = {await before.allocate(clock.now()) for _ in range(3)}

    after = FileStanAllocator(path, block_size=10)
    next_stan = await after.allocate(clock.now())

    assert next_stan == "000011"
    assert next_stan not in used


async def test_the_file_records_the_day_and_the_end_of_the_block(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "stan.json"

    await FileStanAllocator(path, block_size=10).allocate(clock.now())

    assert json.loads(path.read_text()) == {"day": "2026-11-24", "reserved_to": 10}
    assert not (tmp_path / "stan.json.tmp").exists()


async def test_a_new_utc_day_starts_again(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "stan.json"
    stans = FileStanAllocator(path)
    await stans.allocate(clock.now())
    await stans.allocate(clock.now())

    clock.advance(days=1)
    assert await stans.allocate(clock.now()) == "000001"
    clock.advance(days=1)
    assert await FileStanAllocator(path).allocate(clock.now()) == "000001"


async def test_a_clock_stepping_back_over_midnight_does_not_reuse(tmp_path: Path) -> None:
    clock = FakeClock()
    stans = FileStanAllocator(tmp_path / "stan.json")
    clock.advance(hours=15)  # 2026-11-25 00:00
    first = await stans.allocate(clock.now())

    clock.advance(minutes=-1)
    second = await stans.allocate(clock.now())

    assert (first, second) == ("000001", "000002")


async def test_the_last_stan_of_the_day_is_999999(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "stan.json"
    path.write_text(json.dumps({"day": "2026-11-24", "reserved_to": 999_998}))
    stans = FileStanAllocator(path)

    assert await stans.allocate(clock.now()) == "999999"
    with pytest.raises(ConnectorUnavailable, match="999999"):
        await stans.allocate(clock.now())
