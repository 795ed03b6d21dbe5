"""Fixtures every test directory may use.

Async tests run on the anyio pytest plugin: mark them ``@pytest.mark.anyio``; they run on
asyncio only (redis-py's asyncio client needs it).
"""

from __future__ import annotations

import pytest

from tests.fakes.clock import FakeClock


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def fake_clock() -> FakeClock:
    return FakeClock()
