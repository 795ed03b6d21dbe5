"""A connector with scripted answers: each operation returns the next result queued for it."""

from __future__ import annotations

from collections import defaultdict

from qrpay.connectors.base import (
    ConnectorResult,
    Health,
    NetworkReference,
    NotSupported,
    Operation,
    Outcome,
    PaymentRequest,
    Specification,
)


class FakeConnector:
    def __init__(self, name: str, operations: frozenset[Operation] | None = None) -> None:
        self.spec = Specification(name, operations or frozenset(Operation), closed_loop=False)
        self.script: dict[Operation, list[ConnectorResult]] = defaultdict(list)
        self.requests: list[tuple[Operation, PaymentRequest]] = []

    def answer(
        self, operation: Operation, outcome: Outcome, code: str = "00", message: str = ""
    ) -> None:
        reference = NetworkReference(self.spec.name, f"REF-{len(self.script[operation]) + 1}")
        self.script[operation].append(ConnectorResult(outcome, code, message, reference))

    async def _next(self, operation: Operation, request: PaymentRequest) -> ConnectorResult:
        if not self.spec.supports(operation):
            raise NotSupported.operation(self.spec.name, operation)
        self.requests.append((operation, request))
        assert self.script[operation], f"no answer scripted for {operation}"
        return self.script[operation].pop(0)

    async def authorize(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.AUTHORIZE, request)

    async def sale(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.SALE, request)

    async def capture(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.CAPTURE, request)

    async def void(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.VOID, request)

    async def refund(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.REFUND, request)

    async def reverse(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.REVERSE, request)

    async def inquire(self, request: PaymentRequest) -> ConnectorResult:
        return await self._next(Operation.INQUIRE, request)

    async def health(self) -> Health:
        return Health(up=True, latency_ms=0)
