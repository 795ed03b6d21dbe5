"""``Iso20022Connector``: the conversation with an instant account-to-account network.

A sale sends one pacs.008 and reads the pacs.002 that answers it. When no usable answer
comes (a timeout, a closed connection, a reply that is not a valid pacs.002 about this
transfer) the outcome is ``unknown``: the money may have moved. The connector then asks
with a pacs.028 status request, pausing ``inquiry_backoff_ms`` (doubling, capped at
``inquiry_backoff_ms_max``) before each, at most ``inquiries_max`` times, until an
answer is final. It never sends the same pacs.008 twice. A pacs.008 that could not be
delivered at all (connection refused) moved nothing: ``declined_soft``.

Ids are derived, not stored: MsgId, InstrId and TxId are the attempt id, EndToEndId the
payment id, and the UETR comes with the request, so whoever recorded the attempt can
inquire about it after a crash with nothing but that record.

An instant transfer settles at once: ``authorize`` is a sale, and capture, void and
reverse are ``NotSupported`` (a settled transfer is undone by a return, pacs.004).

Bound on one sale, in the worst case: ``http_timeout_ms`` for the pacs.008, then for each
inquiry its pause plus ``(retries_max + 1) * http_timeout_ms``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from qrpay.connectors.base import (
    ConnectorResult,
    Health,
    NotSupported,
    Operation,
    Outcome,
    PaymentRequest,
    Specification,
)
from qrpay.connectors.iso20022 import messages, status
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from qrpay.connectors.iso20022.messages import (
    Account,
    Agent,
    CreditTransfer,
    Party,
    PaymentReturn,
    References,
    StatusReport,
    StatusRequest,
)
from qrpay.connectors.iso20022.transport import (
    HttpTransport,
    NoAnswer,
    NotDelivered,
    Refused,
    Sleep,
)
from qrpay.domain.money import Money

NAME: Final = "instant"
INQUIRIES_MAX_LIMIT: Final = 10


class NetworkCode:
    """Codes the connector puts in ``network_code`` when the network gave none."""

    NOT_DELIVERED: Final = "NOT_DELIVERED"
    NO_ANSWER: Final = "NO_ANSWER"
    BAD_REPLY: Final = "BAD_REPLY"
    REFUSED: Final = "HTTP_REFUSED"


@dataclass(frozen=True, slots=True)
class InstantConfig:
    clearing_system: str
    """``SttlmInf/ClrSys/Prtry``: the scheme, e.g. "PROMPTPAY"."""
    participant: Agent
    """This gateway's institution, the debtor agent and instructing agent."""
    name: str = NAME
    inquiries_max: int = 3
    inquiry_backoff_ms: int = 200
    inquiry_backoff_ms_max: int = 2_000
    return_reason: str = "CUST"
    """ExternalReturnReason1Code of a refund: returned at the customer's request."""

    def __post_init__(self) -> None:
        assert 0 <= self.inquiries_max <= INQUIRIES_MAX_LIMIT
        assert 0 <= self.inquiry_backoff_ms <= self.inquiry_backoff_ms_max


@dataclass(frozen=True, slots=True)
class Payer:
    name: str | None
    account: str
    """The payer's account at this gateway (its wallet's ledger account)."""


@dataclass(frozen=True, slots=True)
class Payee:
    """Who the QR code pays: the route's account and the kind the profile read it as."""

    name: str | None
    account: str
    account_type: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferRequest(PaymentRequest):
    """A ``PaymentRequest`` with what a credit transfer needs beyond it."""

    payer: Payer
    payee: Payee
    uetr: uuid.UUID
    remittance: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRequest(PaymentRequest):
    """Return ``amount`` of a settled transfer; ``attempt_id`` is the return's own."""

    original_refs: References
    original_amount: Money


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferResult(ConnectorResult):
    refs: References | None = None
    tx_status: str | None = None
    reason: str | None = None
    inquiries: int = 0


def transfer_references(request: TransferRequest) -> References:
    return References(
        msg_id=request.attempt_id,
        instr_id=request.attempt_id,
        end_to_end_id=request.payment_id,
        tx_id=request.attempt_id,
        uetr=request.uetr,
    )


def return_references(request: ReturnRequest) -> References:
    return messages.return_references(request.attempt_id, request.attempt_id, request.original_refs)


def _new_msg_id() -> str:
    return "inq" + uuid.uuid4().hex


class Iso20022Connector:
    def __init__(
        self,
        config: InstantConfig,
        transport: HttpTransport,
        now: Callable[[], datetime],
        sleep: Sleep,
        monotonic_ns: Callable[[], int] = time.monotonic_ns,
    ) -> None:
        self.config = config
        self.spec: Specification = Specification(
            name=config.name,
            operations=frozenset({Operation.SALE, Operation.REFUND, Operation.INQUIRE}),
            closed_loop=False,
        )
        self._transport = transport
        self._now = now
        self._sleep = sleep
        self._monotonic_ns = monotonic_ns

    # the contract

    async def sale(self, request: PaymentRequest) -> TransferResult:
        transfer = self._credit_transfer(_transfer_request(request))
        result = await self._exchange(
            messages.build_credit_transfer(transfer), transfer.refs, MessageType.PACS_008
        )
        if status.is_final(result.outcome):
            return result
        return await self._resolve(transfer.refs, MessageType.PACS_008, result)

    async def authorize(self, request: PaymentRequest) -> TransferResult:
        """An instant transfer settles at once: authorizing is selling."""
        return await self.sale(request)

    async def refund(self, request: PaymentRequest) -> TransferResult:
        if not isinstance(request, ReturnRequest):
            raise NotSupported("a return needs the original transfer: pass a ReturnRequest")
        refs = return_references(request)
        result = await self._exchange(
            messages.build_return(self._payment_return(request)), refs, MessageType.PACS_004
        )
        if status.is_final(result.outcome):
            return result
        return await self._resolve(refs, MessageType.PACS_004, result)

    async def inquire(self, request: PaymentRequest) -> TransferResult:
        """One status request about a transfer (or a return), by the ids derived from it."""
        if isinstance(request, TransferRequest):
            return await self._inquire(transfer_references(request), MessageType.PACS_008)
        if isinstance(request, ReturnRequest):
            return await self._inquire(return_references(request), MessageType.PACS_004)
        raise NotSupported("an inquiry needs a TransferRequest or a ReturnRequest")

    async def capture(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported("an instant transfer settles when sent: there is nothing to capture")

    async def void(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported("an instant transfer settles when sent: there is nothing to void")

    async def reverse(self, request: PaymentRequest) -> ConnectorResult:
        raise NotSupported("an instant transfer cannot be reversed: refund it (pacs.004)")

    async def aclose(self) -> None:
        """Close the HTTP connections; the connector is not used after this."""
        await self._transport.aclose()

    async def health(self) -> Health:
        started_ns = self._monotonic_ns()
        try:
            code = await self._transport.health()
        except (NotDelivered, NoAnswer) as exc:
            return Health(False, self._elapsed_ms(started_ns), str(exc))
        return Health(code == 200, self._elapsed_ms(started_ns), f"HTTP {code}")

    # messages

    def _credit_transfer(self, request: TransferRequest) -> CreditTransfer:
        now = self._now()
        return CreditTransfer(
            refs=transfer_references(request),
            created_at=now,
            amount=request.amount,
            settlement_date=now.date(),
            debtor=Party(
                request.payer.name, Account(request.payer.account), self.config.participant
            ),
            creditor=Party(
                request.payee.name,
                messages.account_from_qr(request.payee.account, request.payee.account_type),
            ),
            clearing_system=self.config.clearing_system,
            instructing_agent=self.config.participant,
            remittance=request.remittance,
        )

    def _payment_return(self, request: ReturnRequest) -> PaymentReturn:
        now = self._now()
        return PaymentReturn(
            msg_id=request.attempt_id,
            return_id=request.attempt_id,
            created_at=now,
            original=request.original_refs,
            original_amount=request.original_amount,
            returned=request.amount,
            settlement_date=now.date(),
            reason=self.config.return_reason,
            clearing_system=self.config.clearing_system,
        )

    # the conversation

    async def _resolve(
        self, refs: References, message: MessageType, first: TransferResult
    ) -> TransferResult:
        """Inquire until the answer is final or the inquiries run out; keep the last word."""
        result = first
        backoff_ms = self.config.inquiry_backoff_ms
        for inquiry in range(1, self.config.inquiries_max + 1):
            await self._sleep(backoff_ms / 1000)
            backoff_ms = min(backoff_ms * 2, self.config.inquiry_backoff_ms_max)
            answer = await self._inquire(refs, message)
            # An inquiry that got no answer says nothing new about the transfer.
            if answer.outcome is not Outcome.UNKNOWN or result.outcome is Outcome.UNKNOWN:
                result = answer
            result = replace(result, inquiries=inquiry)
            if status.is_final(result.outcome):
                break
        return result

    async def _inquire(self, refs: References, message: MessageType) -> TransferResult:
        request = StatusRequest(_new_msg_id(), self._now(), refs, message)
        document = messages.build_status_request(request)
        result = await self._exchange(document, refs, message, safe=True)
        if result.network_code == NetworkCode.NOT_DELIVERED:
            # The inquiry, not the transfer, failed to arrive: the transfer stays unknown.
            return _unknown(NetworkCode.NOT_DELIVERED, result.message, refs)
        return result

    async def _exchange(
        self, document: bytes, refs: References, message: MessageType, *, safe: bool = False
    ) -> TransferResult:
        """Send one document; only a safe one (a status request) may be sent again."""
        try:
            reply = await self._transport.post(document, safe=safe)
        except NotDelivered as exc:
            return TransferResult(
                Outcome.DECLINED_SOFT, NetworkCode.NOT_DELIVERED, str(exc), refs=refs
            )
        except NoAnswer as exc:
            return _unknown(NetworkCode.NO_ANSWER, str(exc), refs)
        except Refused as exc:
            return TransferResult(
                Outcome.DECLINED_HARD,
                NetworkCode.REFUSED,
                f"HTTP {exc.status_code}: {exc}",
                refs=refs,
            )
        return _read_reply(reply, refs, message)

    def _elapsed_ms(self, started_ns: int) -> int:
        return (self._monotonic_ns() - started_ns) // 1_000_000


def _transfer_request(request: PaymentRequest) -> TransferRequest:
    if not isinstance(request, TransferRequest):
        raise NotSupported("a credit transfer needs the payee's account: pass a TransferRequest")
    return request


def _read_reply(reply: bytes, refs: References, message: MessageType) -> TransferResult:
    try:
        report = messages.parse_status_report(reply)
    except DocumentInvalid as exc:
        return _unknown(NetworkCode.BAD_REPLY, str(exc), refs)
    if not _about(report, refs, message):
        return _unknown(
            NetworkCode.BAD_REPLY, "the status report is about another transaction", refs
        )
    outcome = report.outcome
    return TransferResult(
        outcome=outcome,
        network_code=report.reason or report.tx_status,
        message=report.additional_info or "",
        refs=refs,
        tx_status=report.tx_status,
        reason=report.reason,
    )


def _about(report: StatusReport, refs: References, message: MessageType) -> bool:
    """The report answers for this transaction: same TxId, same UETR when both carry one."""
    same_uetr = report.original.uetr is None or report.original.uetr == refs.uetr
    return (
        report.original.tx_id == refs.tx_id
        and report.original.end_to_end_id == refs.end_to_end_id
        and report.original_message is message
        and same_uetr
    )


def _unknown(code: str, message: str, refs: References) -> TransferResult:
    return TransferResult(Outcome.UNKNOWN, code, message, refs=refs)
