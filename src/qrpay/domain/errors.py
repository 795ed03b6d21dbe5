"""Every operating error qrpay raises, in one tree.

Operating errors are expected and typed: a bad QR field, a decline, an expired checkout.
Programmer errors are assertion failures and are never caught to be turned into one of these.

    QrpayError                          stable ``code``, readable ``message``
    ├── QrError                         QR reason (``crc_mismatch``), ``field``, ``position``
    ├── QrImageError                    qr_image.* (``qr_image.unreadable``...)
    ├── MoneyError                      money.*
    │   ├── UnknownCurrency             money.unknown_currency
    │   ├── AmountFormat                money.amount_format
    │   ├── TooManyDecimals             money.too_many_decimals
    │   ├── AmountNotPositive           money.amount_not_positive
    │   └── CurrencyMismatch            money.currency_mismatch
    ├── FxError                         fx.*
    │   ├── RateNotFound                fx.rate_not_found
    │   ├── RateInvalid                 fx.rate_invalid
    │   └── QuoteExpired                fx.quote_expired
    ├── LedgerError                     ledger.*
    │   ├── InsufficientFunds           ledger.insufficient_funds
    │   ├── AccountNotFound             ledger.account_not_found
    │   ├── TransferNotPending          ledger.transfer_not_pending
    │   └── TransferInvalid             ledger.transfer_invalid
    ├── PaymentError                    payment.*
    │   ├── InvalidTransition           payment.invalid_transition
    │   ├── NoRoute                     payment.no_route
    │   ├── AmountRequired              payment.amount_required
    │   ├── AmountMismatch              payment.amount_mismatch
    │   ├── RefundExceedsCaptured       payment.refund_exceeds_captured
    │   ├── NotRefundable               payment.not_refundable
    │   ├── CpmTokenUnusable            payment.cpm_token_used_or_expired
    │   └── Declined                    payment.declined
    ├── CheckoutError                   checkout.*
    │   ├── CheckoutExpired             checkout.expired
    │   ├── CheckoutAlreadyPaid         checkout.already_paid
    │   └── CheckoutNotOpen             checkout.not_open
    ├── NotFound                        resource.not_found
    ├── AuthError                       auth.*
    │   ├── Unauthenticated             auth.unauthenticated
    │   └── Forbidden                   auth.forbidden
    ├── IdempotencyError                idempotency.*
    │   ├── IdempotencyKeyMissing       idempotency.key_missing
    │   ├── IdempotencyKeyInvalid       idempotency.key_invalid
    │   ├── ExistsWithDifferentRequest  idempotency.exists_with_different_request
    │   └── RequestInProgress           idempotency.request_in_progress
    ├── RequestInvalid                  request.invalid (``errors``: one entry per field)
    ├── RequestTooLarge                 request.too_large
    ├── SessionError                    session.*
    │   ├── SessionKeyInvalid           session.key_invalid
    │   ├── SessionValueTooLarge        session.value_too_large
    │   ├── SessionTtlOutOfRange        session.ttl_out_of_range
    │   ├── SessionMessageTooLarge      session.message_too_large
    │   ├── SessionSubscribersFull      session.subscribers_full
    │   └── SessionStoreFull            session.store_full
    ├── HeadersTooLarge                 request.headers_too_large
    ├── JsonTooDeep                     request.json_too_deep
    ├── RateLimited                     rate_limit.exceeded (``retry_after_s``)
    ├── StorageError                    storage.*
    │   ├── NotMigrated                 storage.not_migrated
    │   └── Unavailable                 storage.unavailable
    ├── KeyStoreError                   keystore.*
    │   ├── KeyNameInvalid              keystore.key_name_invalid
    │   ├── KeyNotFound                 keystore.key_not_found
    │   ├── KeyExists                   keystore.key_exists
    │   ├── KeyKindMismatch             keystore.key_kind_mismatch
    │   ├── KeyRetired                  keystore.key_retired
    │   ├── VersionIsCurrent            keystore.version_is_current
    │   ├── VerificationFailed          keystore.verification_failed
    │   ├── DecryptionFailed            keystore.decryption_failed
    │   └── KeyStoreUnavailable         keystore.unavailable
    ├── TlsConfigInvalid                tls.config_invalid
    ├── CardError                       card.*
    │   ├── CardNumberInvalid           card.number_invalid
    │   └── CardTokenUnknown            card.token_unknown
    ├── AuditError                      audit.*
    │   ├── AuditChainBroken            audit.chain_broken (``seq``, ``position``)
    │   ├── AuditEntryUnreadable        audit.entry_unreadable (``position``)
    │   └── AuditAppendConflict         audit.append_conflict
    ├── WebhookError                    webhook.*
    │   ├── WebhookUrlRefused           webhook.url_refused
    │   ├── WebhookEventTypeUnknown     webhook.event_type_unknown
    │   ├── WebhookEndpointsFull        webhook.endpoints_full
    │   └── ReplayRangeInvalid          webhook.replay_range_invalid
    └── BackOfficeError                 back_office.*
        ├── ReportUnreadable            back_office.report_unreadable
        ├── NetworkUnknown              back_office.network_unknown
        └── BusinessDayInvalid          back_office.business_day_invalid

Each class owns its code. Published codes are never renamed or reused. A message is written
once, where the error is raised; the HTTP edge (``api/problems.py``) adds only a status.
"""

from __future__ import annotations

from enum import StrEnum


class QrpayError(Exception):
    """Root of every operating error. ``code`` is stable and safe to show to callers."""

    code: str = "qrpay.error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class QrReason(StrEnum):
    """Why a QR payload was refused. Values are published codes: never rename one."""

    PAYLOAD_EMPTY = "payload_empty"
    PAYLOAD_TOO_LONG = "payload_too_long"
    # TLV structure (EMVCo MPM)
    TLV_NON_NUMERIC_ID = "tlv_non_numeric_id"
    TLV_NON_NUMERIC_LENGTH = "tlv_non_numeric_length"
    TLV_ZERO_LENGTH = "tlv_zero_length"
    TLV_LENGTH_OVERFLOW = "tlv_length_overflow"
    TLV_DEPTH_EXCEEDED = "tlv_depth_exceeded"
    PFI_NOT_FIRST = "pfi_not_first"
    PFI_INVALID = "pfi_invalid"
    DUPLICATE_CRC = "duplicate_crc"
    DUPLICATE_ID = "duplicate_id"
    CRC_MISSING = "crc_missing"
    CRC_NOT_LAST = "crc_not_last"
    CRC_BAD_LENGTH = "crc_bad_length"
    CRC_FORMAT = "crc_format"
    CRC_MISMATCH = "crc_mismatch"
    # field formats
    POI_INVALID = "poi_invalid"
    MCC_INVALID = "mcc_invalid"
    CURRENCY_INVALID = "currency_invalid"
    AMOUNT_FORMAT = "amount_format"
    AMOUNT_ZERO = "amount_zero"
    TIP_INDICATOR_INVALID = "tip_indicator_invalid"
    FEE_FIXED_FORMAT = "fee_fixed_format"
    FEE_PERCENT_FORMAT = "fee_percent_format"
    COUNTRY_INVALID = "country_invalid"
    TEMPLATE_NOT_TLV = "template_not_tlv"
    TEMPLATE_DUPLICATE_ID = "template_duplicate_id"
    # model given to the encoder
    ID_INVALID = "id_invalid"
    VALUE_EMPTY = "value_empty"
    VALUE_TOO_LONG = "value_too_long"
    # consumer-presented mode (base64 BER-TLV)
    CPM_BASE64 = "cpm_base64"
    CPM_PFI = "cpm_pfi"
    CPM_NO_APPLICATION_TEMPLATE = "cpm_no_application_template"
    BER_LENGTH_OVERFLOW = "ber_length_overflow"
    BER_TAG_INVALID = "ber_tag_invalid"
    # UPI links
    URI_SCHEME = "uri_scheme"
    URI_MISSING_PA = "uri_missing_pa"
    URI_BAD_PERCENT_ESCAPE = "uri_bad_percent_escape"
    URI_AMOUNT_FORMAT = "uri_amount_format"
    URI_CURRENCY = "uri_currency"
    URI_DUPLICATE_PARAMETER = "uri_duplicate_parameter"
    # national profiles on top of a structurally valid code
    PROFILE_ACCOUNT_MISSING = "profile_account_missing"
    PROFILE_ACCOUNT_INVALID = "profile_account_invalid"
    PROFILE_CURRENCY_MISMATCH = "profile_currency_mismatch"
    PROFILE_COUNTRY_MISMATCH = "profile_country_mismatch"
    PROFILE_REFERENCE_INVALID = "profile_reference_invalid"
    UNKNOWN_FORMAT = "unknown_format"


class QrError(QrpayError):
    """A QR payload (or a model given to the encoder) broke a rule.

    ``field`` names the data object ("54", "62.05", "61[0].5A", "pa") and ``position`` is
    the index, in Unicode code points, of the offending character in the payload.
    """

    def __init__(
        self,
        reason: QrReason,
        message: str,
        *,
        field: str | None = None,
        position: int | None = None,
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.code = reason.value
        self.field = field
        self.position = position

    def __str__(self) -> str:
        where = []
        if self.field is not None:
            where.append(f"field {self.field}")
        if self.position is not None:
            where.append(f"position {self.position}")
        suffix = f" ({', '.join(where)})" if where else ""
        return f"{self.code}: {self.message}{suffix}"


class QrImageReason(StrEnum):
    """Why a QR image could not be rendered or read. Values are published codes."""

    UNREADABLE = "qr_image.unreadable"
    """No QR code found, or the bytes are not an image."""
    TOO_LARGE = "qr_image.too_large"
    """The payload does not fit a QR code at the asked error correction level."""
    OPTION_OUT_OF_RANGE = "qr_image.option_out_of_range"
    PAYLOAD_EMPTY = "qr_image.payload_empty"
    PAYLOAD_NOT_UTF8 = "qr_image.payload_not_utf8"
    """The text holds a lone surrogate, so it has no UTF-8 form to put in the code."""
    IMAGE_TOO_LARGE = "qr_image.image_too_large"
    """An image given to read has more bytes or pixels than the reader accepts."""


class QrImageError(QrpayError):
    """A QR image could not be rendered (payload, options) or read (input image)."""

    def __init__(self, reason: QrImageReason, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.code = reason.value


class MoneyError(QrpayError):
    code = "money.error"


class UnknownCurrency(MoneyError):
    code = "money.unknown_currency"


class AmountFormat(MoneyError):
    code = "money.amount_format"


class TooManyDecimals(MoneyError):
    code = "money.too_many_decimals"


class AmountNotPositive(MoneyError):
    code = "money.amount_not_positive"


class CurrencyMismatch(MoneyError):
    code = "money.currency_mismatch"


class FxError(QrpayError):
    code = "fx.error"


class RateNotFound(FxError):
    """The operator set no rate for the pair (nor for its inverse)."""

    code = "fx.rate_not_found"


class RateInvalid(FxError):
    """A rate, a rates file line or a spread the operator set cannot be used."""

    code = "fx.rate_invalid"


class QuoteExpired(FxError):
    code = "fx.quote_expired"


class LedgerError(QrpayError):
    code = "ledger.error"


class InsufficientFunds(LedgerError):
    code = "ledger.insufficient_funds"


class AccountNotFound(LedgerError):
    code = "ledger.account_not_found"


class TransferNotPending(LedgerError):
    code = "ledger.transfer_not_pending"


class TransferInvalid(LedgerError):
    code = "ledger.transfer_invalid"


class PaymentError(QrpayError):
    code = "payment.error"


class InvalidTransition(PaymentError):
    code = "payment.invalid_transition"


class NoRoute(PaymentError):
    code = "payment.no_route"


class AmountRequired(PaymentError):
    code = "payment.amount_required"


class AmountMismatch(PaymentError):
    code = "payment.amount_mismatch"


class RefundExceedsCaptured(PaymentError):
    code = "payment.refund_exceeds_captured"


class NotRefundable(PaymentError):
    code = "payment.not_refundable"


class CpmTokenUnusable(PaymentError):
    code = "payment.cpm_token_used_or_expired"


class Declined(PaymentError):
    code = "payment.declined"


class CheckoutError(QrpayError):
    code = "checkout.error"


class CheckoutExpired(CheckoutError):
    code = "checkout.expired"


class CheckoutAlreadyPaid(CheckoutError):
    code = "checkout.already_paid"


class CheckoutNotOpen(CheckoutError):
    code = "checkout.not_open"


class NotFound(QrpayError):
    """An object that does not exist, or that the caller may not see: the same answer."""

    code = "resource.not_found"

    def __init__(self, kind: str, object_id: str) -> None:
        super().__init__(f"no {kind} {object_id!r}")
        self.kind = kind


class AuthError(QrpayError):
    code = "auth.error"


class Unauthenticated(AuthError):
    code = "auth.unauthenticated"


class Forbidden(AuthError):
    code = "auth.forbidden"


class IdempotencyError(QrpayError):
    code = "idempotency.error"


class IdempotencyKeyMissing(IdempotencyError):
    code = "idempotency.key_missing"


class IdempotencyKeyInvalid(IdempotencyError):
    code = "idempotency.key_invalid"


class ExistsWithDifferentRequest(IdempotencyError):
    code = "idempotency.exists_with_different_request"


class RequestInProgress(IdempotencyError):
    code = "idempotency.request_in_progress"


class RequestInvalid(QrpayError):
    """The request does not fit its schema; ``errors`` has one entry per field."""

    code = "request.invalid"

    def __init__(self, message: str, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(message)
        self.errors = errors or []


class RequestTooLarge(QrpayError):
    code = "request.too_large"


class SessionError(QrpayError):
    """The session store refused a call: a key, value, TTL or message out of its limits."""

    code = "session.error"


class SessionKeyInvalid(SessionError):
    code = "session.key_invalid"


class SessionValueTooLarge(SessionError):
    code = "session.value_too_large"


class SessionTtlOutOfRange(SessionError):
    code = "session.ttl_out_of_range"


class SessionMessageTooLarge(SessionError):
    code = "session.message_too_large"


class SessionSubscribersFull(SessionError):
    code = "session.subscribers_full"


class SessionStoreFull(SessionError):
    code = "session.store_full"


class StorageError(QrpayError):
    code = "storage.error"


class NotMigrated(StorageError):
    code = "storage.not_migrated"


class Unavailable(StorageError):
    code = "storage.unavailable"


class HeadersTooLarge(QrpayError):
    code = "request.headers_too_large"


class JsonTooDeep(QrpayError):
    code = "request.json_too_deep"


class RateLimited(QrpayError):
    """Too many requests for one credential or client address; try again after a pause."""

    code = "rate_limit.exceeded"

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class KeyStoreError(QrpayError):
    code = "keystore.error"


class KeyNameInvalid(KeyStoreError):
    code = "keystore.key_name_invalid"


class KeyNotFound(KeyStoreError):
    code = "keystore.key_not_found"


class KeyExists(KeyStoreError):
    code = "keystore.key_exists"


class KeyKindMismatch(KeyStoreError):
    """The key exists but is of another kind (an HMAC key asked to encrypt, say)."""

    code = "keystore.key_kind_mismatch"


class KeyRetired(KeyStoreError):
    code = "keystore.key_retired"


class VersionIsCurrent(KeyStoreError):
    """The current version cannot be retired: rotate first."""

    code = "keystore.version_is_current"


class VerificationFailed(KeyStoreError):
    """A MAC or a signature does not match the data under any usable version."""

    code = "keystore.verification_failed"


class DecryptionFailed(KeyStoreError):
    """A ciphertext is malformed, was altered, or its associated data differs."""

    code = "keystore.decryption_failed"


class KeyStoreUnavailable(KeyStoreError):
    """The backend cannot be used: no master key, an altered key file, an HSM that is down."""

    code = "keystore.unavailable"


class TlsConfigInvalid(QrpayError):
    """The certificate or key given to ``serve`` cannot be loaded."""

    code = "tls.config_invalid"


class CardError(QrpayError):
    code = "card.error"


class CardNumberInvalid(CardError):
    code = "card.number_invalid"


class CardTokenUnknown(CardError):
    code = "card.token_unknown"


class AuditError(QrpayError):
    code = "audit.error"


class AuditChainBroken(AuditError):
    """The first entry whose content, place or link in the hash chain is wrong.

    ``seq`` is the sequence number the entry claims; ``position`` its 0-based place in the
    log as read, which is what identifies it when the number itself was tampered with.
    """

    code = "audit.chain_broken"

    def __init__(self, message: str, *, seq: int | None, position: int) -> None:
        super().__init__(message)
        self.seq = seq
        self.position = position


class AuditEntryUnreadable(AuditError):
    code = "audit.entry_unreadable"

    def __init__(self, message: str, *, position: int) -> None:
        super().__init__(message)
        self.position = position


class AuditAppendConflict(AuditError):
    """Another writer appended first; the caller re-reads the head and tries again."""

    code = "audit.append_conflict"


class WebhookError(QrpayError):
    code = "webhook.error"


class WebhookUrlRefused(WebhookError):
    """The URL is malformed, not https, or reaches an address the gateway must not call."""

    code = "webhook.url_refused"


class WebhookEventTypeUnknown(WebhookError):
    code = "webhook.event_type_unknown"


class WebhookEndpointsFull(WebhookError):
    """The merchant has as many endpoints as one merchant may have."""

    code = "webhook.endpoints_full"


class ReplayRangeInvalid(WebhookError):
    code = "webhook.replay_range_invalid"


class BackOfficeError(QrpayError):
    code = "back_office.error"


class ReportUnreadable(BackOfficeError):
    """A network's end-of-day report is not in that network's format."""

    code = "back_office.report_unreadable"


class NetworkUnknown(BackOfficeError):
    code = "back_office.network_unknown"


class BusinessDayInvalid(BackOfficeError):
    """A date, time zone or cut-off that names no business day."""

    code = "back_office.business_day_invalid"
