from __future__ import annotations

import pytest

from qrpay.adapters.session_store import session_store_from_url
from qrpay.adapters.session_store.memory import MemorySessionStore
from qrpay.adapters.session_store.redis import RedisSessionStore
from tests.fakes.clock import FakeClock


@pytest.mark.parametrize("url", [None, ""])
def test_no_url_means_the_in_process_store(url: str | None, fake_clock: FakeClock) -> None:
    store = session_store_from_url(url, prefix="qrpay:", clock=fake_clock)

    assert isinstance(store, MemorySessionStore)
    assert store.prefix == "qrpay:"


async def test_a_redis_url_means_the_redis_store(fake_clock: FakeClock) -> None:
    # no connection is opened until the first call
    store = session_store_from_url("redis://redis.invalid:6379/0", prefix="p:", clock=fake_clock)

    assert isinstance(store, RedisSessionStore)
    await store.close()


def test_another_scheme_is_refused(fake_clock: FakeClock) -> None:
    with pytest.raises(ValueError, match="QRPAY_REDIS_URL"):
        session_store_from_url("http://localhost:6379", clock=fake_clock)
