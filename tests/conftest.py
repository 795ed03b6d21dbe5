"""Fixtures shared by every test.

Async tests use anyio's pytest plugin: mark them ``@pytest.mark.anyio``; they run on
asyncio (``anyio_backend`` below).
"""

from __future__ import annotations

import pytest


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
