"""``Iso8583Connector``: the card acquirer over ISO 8583, behind the connector contract.

authorize is a 0100; sale a 0200; capture a 0200 completing the 0100 named in field 90
(condition code 06); refund a 0200 with processing code 20; void a reversal (0400, reason
17) of the authorization; reverse a reversal (reason 68) of anything it sent. inquire is
not offered: an ISO 8583 acquirer has no status query, and an unknown outcome is settled
by reversing it, never by asking.

Every 0100 and 0200 arms a reversal before it leaves (see ``reversals.py``): no answer
returns ``UNKNOWN`` and leaves the reversal due; a crash leaves it armed, to fall due
later. The transport is a constructor argument; ``over_tcp`` builds the real one.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Final, Self

from qrpay.connectors.base import (
    CardAcceptor,
    ConnectorResult,
    Health,
    NetworkReference,
    NotSupported,
    Operation,
    Outcome,
    PaymentRequest,
    Specification,
)
from qrpay.connectors.iso8583 import messages
from qrpay.connectors.iso8583.connection import Connection, ConnectionLimits, tcp_dialer
from qrpay.connectors.iso8583.mac import MacKey
from qrpay.connectors.iso8583.messages import Message, Transaction
from qrpay.connectors.iso8583.reversals import (
    Reversal,
    ReversalPolicy,
    ReversalStatus,
    ReversalStore,
    ReversalWorker,
    SqliteReversalStore,
)
from qrpay.connectors.iso8583.spec import (
    ConditionCode,
    Mti,
    ProcessingCode,
    ReversalReason,
)
from qrpay.connectors.iso8583.stan import FileStanAllocator, StanAllocator
from qrpay.connectors.iso8583.transport import NoAnswer, NotSent, Transport, TransportError

OPERATIONS: Final = frozenset(
    {
        Operation.AUTHORIZE,
        Operation.SALE,
        Operation.CAPTURE,
        Operation.VOID,
        Operation.REFUND,
        Operation.REVERSE,
    }
)
_AUTH_CODE_KEY: Final = "authorization_code"


@dataclass(frozen=True, slots=True)
class AcquirerConfig:
    name: str = "acquirer"
    acquirer_id: str = "00000000001"
    """Field 32: the acquiring institution's id at the network."""
    connector_timeout_ms: int = 5_000
    """How long an authorization or financial request waits for its answer."""

    def __post_init__(self) -> None:
        assert self.acquirer_id.isdigit(), "field 32 is numeric"
        assert 1 <= len(self.acquirer_id) <= 11, "field 32 holds at most 11 digits"
        assert self.connector_timeout_ms > 0


class Iso8583Connector:
    def __init__(
        self,
        transport: Transport,
        stans: StanAllocator,
        reversals: ReversalStore,
        now: Callable[[], datetime],
        config: AcquirerConfig | None = None,
        policy: ReversalPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.config = config or AcquirerConfig()
        self._transport = transport
        self._stans = stans
        self._now = now
        self.worker = ReversalWorker(reversals, self, now, policy, rng)
        # A live request must end before its armed reversal counts as abandoned by a crash.
        assert self.config.connector_timeout_ms < self.worker.policy.armed_stale_ms
        self._spec = Specification(self.config.name, OPERATIONS, closed_loop=False)

    @classmethod
    def over_tcp(
        cls,
        host: str,
        port: int,
        key: MacKey,
        data_dir: Path,
        now: Callable[[], datetime],
        config: AcquirerConfig | None = None,
        limits: ConnectionLimits | None = None,
        policy: ReversalPolicy | None = None,
    ) -> Iso8583Connector:
        """The embedded wiring: a TCP connection, STANs and reversals in ``data_dir``."""
        stans = FileStanAllocator(data_dir / "iso8583-stan.json")
        transport = Connection(tcp_dialer(host, port), key, stans, now, limits)
        store = SqliteReversalStore(data_dir / "iso8583-reversals.sqlite3")
        return cls(transport, stans, store, now, config, policy)

    @property
    def spec(self) -> Specification:
        return self._spec

    async def start(self, *, reversals: bool = True) -> None:
        """Connect; with ``reversals``, also drain the durable queue in the background."""
        await self._transport.start()
        if reversals:
            await self.worker.start()

    async def close(self) -> None:
        await self.worker.close()
        await self._transport.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- the contract -------------------------------------------------------------------

    async def authorize(self, request: PaymentRequest) -> ConnectorResult:
        tx = await self._transaction(request, ProcessingCode.PURCHASE, ConditionCode.ECOMMERCE)
        return await self._send(messages.authorization_request(tx), request)

    async def sale(self, request: PaymentRequest) -> ConnectorResult:
        tx = await self._transaction(request, ProcessingCode.PURCHASE, ConditionCode.ECOMMERCE)
        return await self._send(messages.financial_request(tx), request)

    async def capture(self, request: PaymentRequest) -> ConnectorResult:
        original, auth_code = self._original(request)
        assert original.mti is Mti.AUTHORIZATION_REQUEST, "capture completes an authorization"
        tx = await self._transaction(
            request,
            ProcessingCode.PURCHASE,
            ConditionCode.PREAUTHORIZED,
            original=original,
            authorization_code=auth_code,
        )
        return await self._send(messages.financial_request(tx), request)

    async def refund(self, request: PaymentRequest) -> ConnectorResult:
        original = self._original(request)[0] if request.original is not None else None
        assert request.card is not None or original is not None, "a refund names card or payment"
        tx = await self._transaction(
            request, ProcessingCode.REFUND, ConditionCode.ECOMMERCE, original=original
        )
        return await self._send(messages.financial_request(tx), request)

    async def void(self, request: PaymentRequest) -> ConnectorResult:
        original = self._original(request)[0]
        assert original.mti is Mti.AUTHORIZATION_REQUEST, "void takes back an authorization"
        return await self._reverse(request, original, ReversalReason.CUSTOMER_CANCELLATION)

    async def reverse(self, request: PaymentRequest) -> ConnectorResult:
        original = self._original(request)[0]
        return await self._reverse(request, original, ReversalReason.RESPONSE_TOO_LATE)

    async def inquire(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported.operation(self.spec.name, Operation.INQUIRE)

    async def health(self) -> Health:
        started = self._now()
        try:
            reply = await self._transport.echo(self.config.connector_timeout_ms)
        except TransportError as exc:
            return Health(up=False, latency_ms=None, detail=str(exc))
        elapsed = self._now() - started
        latency_ms = elapsed.seconds * 1000 + elapsed.microseconds // 1000
        return Health(up=True, latency_ms=latency_ms, detail=f"echo answered {reply.get(39)}")

    # --- the reversal sender the worker calls --------------------------------------------

    async def send_reversal(self, reversal: Reversal, *, repeat: bool, timeout_ms: int) -> str:
        now = self._now()
        stan = await self._stans.allocate(now)
        message = messages.reversal_request(
            reversal.original, stan, now, reversal.reason, repeat=repeat
        )
        reply = await self._transport.exchange(message, timeout_ms)
        return reply.require(39)

    # --- helpers --------------------------------------------------------------------------

    async def _transaction(
        self,
        request: PaymentRequest,
        processing: ProcessingCode,
        condition: ConditionCode,
        *,
        original: Message | None = None,
        authorization_code: str | None = None,
    ) -> Transaction:
        acceptor: CardAcceptor | None = request.acceptor
        assert acceptor is not None, "a card payment comes from a terminal of the merchant"
        now = self._now()
        return Transaction(
            stan=await self._stans.allocate(now),
            transmitted_at=now,
            amount_minor=request.amount.amount_minor,
            currency_number=request.amount.currency.number,
            acceptor=acceptor,
            acquirer_id=self.config.acquirer_id,
            processing_code=processing,
            condition_code=condition,
            card=request.card if original is None else None,
            original=original,
            authorization_code=authorization_code,
        )

    async def _send(self, message: Message, request: PaymentRequest) -> ConnectorResult:
        now = self._now()
        armed = Reversal.of(
            message,
            ReversalReason.RESPONSE_TOO_LATE,
            ReversalStatus.ARMED,
            now,
            request.payment_id,
            request.attempt_id,
        )
        store = self.worker.store
        await store.arm(armed)
        reference = _reference(self.spec.name, armed.original, None)
        try:
            reply = await self._transport.exchange(message, self.config.connector_timeout_ms)
        except NotSent as exc:
            await store.disarm(armed.id)
            return ConnectorResult(Outcome.DECLINED_SOFT, "", f"not sent: {exc}", reference)
        except NoAnswer as exc:
            await store.make_due(armed.id, self._now())
            self.worker.wake()
            return ConnectorResult(
                Outcome.UNKNOWN, "", f"no answer ({exc}); reversal queued", reference
            )
        code = reply.require(39)
        outcome = messages.outcome_for(code)
        if outcome is Outcome.UNKNOWN:
            await store.make_due(armed.id, self._now())
            self.worker.wake()
        else:
            await store.disarm(armed.id)
        auth_code = reply.get(38)
        return ConnectorResult(
            outcome,
            code,
            messages.describe(code),
            _reference(self.spec.name, armed.original, auth_code),
            auth_code,
        )

    async def _reverse(
        self, request: PaymentRequest, original: Message, reason: ReversalReason
    ) -> ConnectorResult:
        reversal = Reversal.of(
            original,
            reason,
            ReversalStatus.DUE,
            self._now(),
            request.payment_id,
            request.attempt_id,
        )
        store = self.worker.store
        await store.enqueue(reversal)
        queued = await store.get(reversal.id)
        assert queued is not None
        reference = _reference(self.spec.name, original, None)
        if queued.status is ReversalStatus.ACKNOWLEDGED:
            code = queued.response_code or ""
            return ConnectorResult(Outcome.APPROVED, code, "reversed before", reference)
        after = await self.worker.attempt(queued)
        if after is not None and after.status is ReversalStatus.ACKNOWLEDGED:
            code = after.response_code or ""
            text = f"reversal acknowledged: {messages.describe(code)}"
            return ConnectorResult(Outcome.APPROVED, code, text, reference)
        return ConnectorResult(
            Outcome.PENDING, "", "reversal queued; repeated until acknowledged", reference
        )

    def _original(self, request: PaymentRequest) -> tuple[Message, str | None]:
        ref = request.original
        assert ref is not None, "a follow-up names the answer it follows"
        assert ref.connector == self.spec.name, f"reference from {ref.connector}"
        return _message_from(ref.data), ref.data.get(_AUTH_CODE_KEY)


def _reference(name: str, original: Message, auth_code: str | None) -> NetworkReference:
    """What the attempt keeps: the request's non-card fields, enough to follow it up."""
    data = {"mti": original.mti.value} | {f"f{n}": v for n, v in sorted(original.fields.items())}
    if auth_code is not None:
        data[_AUTH_CODE_KEY] = auth_code
    return NetworkReference(name, original.require(37), data)


def _message_from(data: Mapping[str, str]) -> Message:
    fields = {int(k[1:]): v for k, v in data.items() if k.startswith("f") and k[1:].isdigit()}
    return Message(Mti(data["mti"]), fields)
