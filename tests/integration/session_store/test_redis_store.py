"""What only the Redis store does: share state between gateway instances, keep one pub/sub
connection per instance, and survive (or report) a lost connection."""

from __future__ import annotations

import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from functools import partial
from urllib.parse import urlsplit

import anyio
import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from qrpay.adapters.session_store.base import SessionStore
from qrpay.adapters.session_store.redis import RedisSessionStore, RedisSettings
from qrpay.adapters.session_store.redis_channels import ChannelSettings, RedisChannels
from qrpay.domain.errors import Unavailable
from tests.fakes.clock import FakeClock
from tests.integration.concurrency import all_at_once
from tests.integration.conftest import SessionBackend
from tests.integration.session_store.tcp_proxy import TcpProxy

pytestmark = pytest.mark.redis

TTL_MS = 10_000
DELIVERY_S = 1.0
RECOVERY_S = 5.0
FAST_GIVE_UP = RedisSettings(
    channels=ChannelSettings(
        poll_ms=100,
        reconnect_attempts_max=2,
        reconnect_backoff_ms_min=10,
        reconnect_backoff_ms_max=50,
    )
)


@pytest.fixture
async def redis_backend(redis_url: str, fake_clock: FakeClock) -> AsyncIterator[SessionBackend]:
    prefix = f"qrpay-test:{secrets.token_hex(6)}:"
    backend = SessionBackend(
        name="redis",
        prefix=prefix,
        clock=fake_clock,
        redis_url=redis_url,
        raw=Redis.from_url(redis_url),
    )
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[TcpProxy]:
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss") or parts.hostname is None:
        pytest.skip("the proxy tests need a TCP Redis URL")
    tcp_proxy = TcpProxy(parts.hostname, parts.port or 6379)
    await tcp_proxy.start()
    try:
        yield tcp_proxy
    finally:
        await tcp_proxy.stop()


def _via_proxy(redis_url: str, proxy: TcpProxy) -> str:
    parts = urlsplit(redis_url)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}@" if userinfo else ""
    return parts._replace(netloc=f"{netloc}127.0.0.1:{proxy.port}").geturl()


async def _eventually(check: Callable[[], Awaitable[bool]], timeout_s: float = DELIVERY_S) -> None:
    with anyio.fail_after(timeout_s):
        while not await check():
            await anyio.sleep(0.02)


def _named_store(backend: SessionBackend) -> tuple[SessionStore, Redis, str]:
    """A store whose connections carry a name of their own, and the raw client to find them."""
    client_name = f"qrpay-test-{secrets.token_hex(4)}"
    assert backend.raw is not None
    return backend.make(client_name=client_name), backend.raw, client_name


async def _numsub(raw: Redis, name: str) -> int:
    [(_, count)] = await raw.pubsub_numsub(name)
    return count


async def _unsubscribed(raw: Redis, name: str) -> bool:
    return await _numsub(raw, name) == 0


async def _pubsub_connections(raw: Redis, client_name: str) -> int:
    clients = await raw.client_list(_type="pubsub")
    return sum(1 for c in clients if c.get("name") == client_name)


async def _no_pubsub_connection(raw: Redis, client_name: str) -> bool:
    return await _pubsub_connections(raw, client_name) == 0


async def test_keys_live_under_the_store_prefix_with_their_ttl(
    redis_backend: SessionBackend,
) -> None:
    store = redis_backend.make()
    assert redis_backend.raw is not None

    await store.put("checkout:1", b"open", TTL_MS)

    assert await redis_backend.raw.get(f"{redis_backend.prefix}checkout:1") == b"open"
    assert 0 < await redis_backend.raw.pttl(f"{redis_backend.prefix}checkout:1") <= TTL_MS


async def test_a_token_put_on_one_instance_is_taken_once_across_two(
    redis_backend: SessionBackend,
) -> None:
    # given a token issued through instance A, and both instances' connections open
    first, second = redis_backend.make(), redis_backend.make()
    stores = [first, second] * 25
    await all_at_once([partial(s.get, "warm-up") for s in stores])
    await first.put("cpm:token", b"wallet-1", 60_000)

    # when 25 redeems hit each instance at once
    results = await all_at_once([partial(s.take, "cpm:token") for s in stores])

    # then exactly one of them got it
    assert results.count(b"wallet-1") == 1
    assert results.count(None) == 49


async def test_a_publish_on_one_instance_reaches_subscribers_on_another_within_a_second(
    redis_backend: SessionBackend,
) -> None:
    gateway_a, gateway_b = redis_backend.make(), redis_backend.make()
    async with (
        gateway_b.subscribe("checkout:1") as page_on_b,
        gateway_b.subscribe("checkout:1") as other_page_on_b,
        gateway_a.subscribe("checkout:1") as page_on_a,
    ):
        await gateway_a.publish("checkout:1", b"paid")

        with anyio.fail_after(DELIVERY_S):
            assert await anext(page_on_b) == b"paid"
            assert await anext(other_page_on_b) == b"paid"
            assert await anext(page_on_a) == b"paid"


async def test_a_publish_right_after_subscribe_is_delivered_on_a_slow_network(
    redis_backend: SessionBackend, proxy: TcpProxy
) -> None:
    # given an instance whose commands reach Redis 200 ms late
    assert redis_backend.redis_url is not None
    slow = redis_backend.make(url=_via_proxy(redis_backend.redis_url, proxy))
    await slow.ping()
    proxy.upstream_delay_s = 0.2
    publisher = redis_backend.make()

    # when another instance publishes as soon as subscribe returned
    async with slow.subscribe("checkout:1") as messages:
        await publisher.publish("checkout:1", b"paid")

        # then the message is there: subscribe waited for Redis to confirm
        with anyio.fail_after(DELIVERY_S):
            assert await anext(messages) == b"paid"


async def test_a_subscription_redis_does_not_confirm_in_time_is_unavailable(
    redis_backend: SessionBackend, proxy: TcpProxy
) -> None:
    assert redis_backend.redis_url is not None
    settings = RedisSettings(channels=ChannelSettings(subscribe_timeout_ms=100))
    slow = redis_backend.make(settings=settings, url=_via_proxy(redis_backend.redis_url, proxy))
    await slow.ping()
    proxy.upstream_delay_s = 0.5

    with pytest.raises(Unavailable, match="did not confirm"):
        async with slow.subscribe("checkout:1"):
            pass  # pragma: no cover

    assert slow.subscriber_count == 0


async def test_a_failing_reader_ends_subscriptions_instead_of_leaving_them_waiting(
    redis_backend: SessionBackend, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(self: RedisChannels, message: object) -> None:
        raise RuntimeError("bug in dispatch")

    monkeypatch.setattr(RedisChannels, "_dispatch", broken)
    store = redis_backend.make()

    with pytest.raises(Unavailable), anyio.fail_after(DELIVERY_S):
        await _listen(store, "checkout:1")


async def test_listeners_of_an_instance_share_one_pubsub_connection(
    redis_backend: SessionBackend,
) -> None:
    # given 20 listeners over 5 channels on one instance
    store, raw, client_name = _named_store(redis_backend)
    async with AsyncExitStack() as stack:
        for n in range(20):
            await stack.enter_async_context(store.subscribe(f"checkout:{n % 5}"))

        # then Redis sees one pub/sub connection, subscribed once to each channel
        assert await _pubsub_connections(raw, client_name) == 1
        for n in range(5):
            assert await _numsub(raw, f"{redis_backend.prefix}checkout:{n}") == 1
        assert store.subscriber_count == 20


async def test_the_last_listener_to_leave_unsubscribes_from_redis(
    redis_backend: SessionBackend,
) -> None:
    store, raw, client_name = _named_store(redis_backend)
    name = f"{redis_backend.prefix}checkout:1"

    async with store.subscribe("checkout:1"):
        async with store.subscribe("checkout:1"):
            assert await _numsub(raw, name) == 1
        # one listener left: still subscribed
        assert await _numsub(raw, name) == 1

    assert store.subscriber_count == 0
    await _eventually(lambda: _unsubscribed(raw, name))
    # and with nothing subscribed, the pub/sub connection is given back
    await _eventually(lambda: _no_pubsub_connection(raw, client_name), 3.0)


async def test_disconnecting_sse_clients_leave_no_subscription_behind(
    redis_backend: SessionBackend,
) -> None:
    store = redis_backend.make()
    raw = redis_backend.raw
    assert raw is not None
    listening = 0

    async def sse_client(n: int) -> None:
        nonlocal listening
        async with store.subscribe(f"checkout:{n % 3}") as messages:
            listening += 1
            async for _ in messages:
                pass  # pragma: no cover

    async with anyio.create_task_group() as tasks:
        for n in range(10):
            tasks.start_soon(sse_client, n)
        with anyio.fail_after(DELIVERY_S):
            while listening < 10:
                await anyio.sleep(0.01)
        tasks.cancel_scope.cancel()

    assert store.subscriber_count == 0
    for name in (f"{redis_backend.prefix}checkout:{n}" for n in range(3)):
        await _eventually(lambda: _unsubscribed(raw, name))  # noqa: B023 (awaited at once)


async def test_a_subscription_survives_a_dropped_connection(
    redis_backend: SessionBackend, proxy: TcpProxy
) -> None:
    # given a listener on an instance whose pub/sub connection goes through a proxy
    assert redis_backend.redis_url is not None
    proxied = redis_backend.make(url=_via_proxy(redis_backend.redis_url, proxy))
    publisher = redis_backend.make()
    async with proxied.subscribe("checkout:1") as messages:
        # when the connection drops (the proxy still accepts new ones)
        proxy.sever()

        # then the store reconnects and re-subscribes; messages sent meanwhile may be lost
        async def keep_publishing() -> None:
            for _ in range(int(RECOVERY_S / 0.05)):
                await publisher.publish("checkout:1", b"status")
                await anyio.sleep(0.05)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(keep_publishing)
            with anyio.fail_after(RECOVERY_S):
                assert await anext(messages) == b"status"
            tasks.cancel_scope.cancel()
    assert proxy.accepted >= 2, "the pub/sub connection was opened again"
    assert proxied.subscriber_count == 0


async def test_subscriptions_end_with_unavailable_when_redis_stays_down(
    redis_backend: SessionBackend, proxy: TcpProxy
) -> None:
    assert redis_backend.redis_url is not None
    url = _via_proxy(redis_backend.redis_url, proxy)
    store = redis_backend.make(settings=FAST_GIVE_UP, url=url)
    # given a listener
    async with store.subscribe("checkout:1") as messages:
        # when Redis goes away for good
        await proxy.stop()

        # then the stream ends with Unavailable after the bounded reconnect attempts
        with anyio.fail_after(RECOVERY_S), pytest.raises(Unavailable):
            async for _ in messages:
                pass  # pragma: no cover
    assert store.subscriber_count == 0
    with pytest.raises(Unavailable):
        async with store.subscribe("checkout:1"):
            pass  # pragma: no cover
    with pytest.raises(Unavailable):
        await store.get("checkout:1")

    # and once Redis is back, the same store works again
    await proxy.start()
    async with store.subscribe("checkout:1") as messages:
        await store.publish("checkout:1", b"back")
        with anyio.fail_after(DELIVERY_S):
            assert await anext(messages) == b"back"


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.ping(),
        lambda s: s.get("k"),
        lambda s: s.put("k", b"v", 1_000),
        lambda s: s.put_new("k", b"v", 1_000),
        lambda s: s.take("k"),
        lambda s: s.delete("k"),
        lambda s: s.ttl_ms("k"),
        lambda s: s.publish("c", b"m"),
        lambda s: _subscribe(s),
    ],
    ids=["ping", "get", "put", "put_new", "take", "delete", "ttl_ms", "publish", "subscribe"],
)
async def test_an_unreachable_redis_raises_unavailable(
    call: Callable[[SessionStore], Awaitable[object]],
) -> None:
    store = RedisSessionStore.from_url(f"redis://127.0.0.1:{_closed_port()}/0")
    try:
        with anyio.fail_after(RECOVERY_S), pytest.raises(Unavailable) as caught:
            await call(store)
    finally:
        await store.close()

    assert caught.value.code == "storage.unavailable"
    assert isinstance(caught.value.__cause__, RedisError)
    assert "127.0.0.1" not in caught.value.message


async def _listen(store: SessionStore, channel: str) -> None:
    async with store.subscribe(channel) as messages:
        async for _ in messages:
            pass  # pragma: no cover


async def _subscribe(store: SessionStore) -> None:
    async with store.subscribe("c"):
        pass  # pragma: no cover


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
