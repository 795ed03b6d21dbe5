"""Read any supported payload: EMVCo MPM, EMVCo CPM or a UPI link, with its profile.

``read`` never raises for bad input: it returns a ``Reading`` whose ``error`` is the first
broken rule and whose fields hold whatever could be decoded, which is what a wallet, an
operator or ``qrpay qr decode`` needs to explain a refusal. ``Reading.to_dict`` is the
JSON shape of ``qrpay qr decode --json``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import cpm, mpm, uri
from qrpay.domain.qr.profiles import (
    DEFAULT_REGISTRY,
    Network,
    PaymentView,
    ProfileRegistry,
    Scheme,
)

QRIS_CPM_AID_PREFIX: Final = "A000000602"


class Mode(StrEnum):
    MPM = "mpm"
    CPM = "cpm"
    URI = "uri"


@dataclass(frozen=True, slots=True)
class Warning:
    code: str
    field: str
    message: str


@dataclass(slots=True)
class Reading:
    payload: str
    mode: Mode
    scheme: Scheme | None = None
    error: QrError | None = None
    warnings: list[Warning] = field(default_factory=list)
    mpm: mpm.MerchantPresentedCode | None = None
    cpm: cpm.ConsumerPresentedCode | None = None
    upi: uri.UpiLink | None = None
    view: PaymentView | None = None
    fields: dict[str, str] = field(default_factory=dict)
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    crc: dict[str, str | None] | None = None

    @property
    def valid(self) -> bool:
        return self.error is None

    def to_dict(self, *, reveal_card_numbers: bool = False) -> dict[str, Any]:
        """The ``--json`` shape. Card numbers are masked unless explicitly revealed."""
        fields, templates = self.fields, self.templates
        if self.cpm is not None and not reveal_card_numbers:
            secrets = _card_number_values(self.cpm)
            fields = _masked(fields, secrets)
            templates = {k: _masked(v, secrets) for k, v in templates.items()}
        return {
            "valid": self.valid,
            "mode": self.mode.value,
            "scheme": self.scheme.value if self.scheme is not None else None,
            "fields": fields,
            "templates": templates,
            "warnings": [
                {"code": w.code, "field": w.field, "message": w.message} for w in self.warnings
            ],
            "error": None if self.error is None else error_dict(self.error),
        }


def error_dict(error: QrError) -> dict[str, Any]:
    return {
        "code": error.code,
        "field": error.field,
        "position": error.position,
        "message": error.message,
    }


def detect_mode(payload: str) -> Mode:
    if uri.is_upi(payload):
        return Mode.URI
    if payload[:2].isascii() and payload[:2].isdigit():
        return Mode.MPM
    return Mode.CPM


def read(
    payload: str,
    *,
    registry: ProfileRegistry = DEFAULT_REGISTRY,
    payload_chars_max: int = mpm.PAYLOAD_CHARS_MAX,
) -> Reading:
    """Decode and validate ``payload`` in whichever mode it is written."""
    mode = detect_mode(payload)
    if mode is Mode.URI:
        return _read_uri(payload)
    if mode is Mode.CPM:
        return _read_cpm(payload)
    return _read_mpm(payload, registry, payload_chars_max)


def _read_mpm(payload: str, registry: ProfileRegistry, payload_chars_max: int) -> Reading:
    inspection = mpm.inspect(payload, payload_chars_max=payload_chars_max)
    reading = Reading(payload, Mode.MPM, error=inspection.error)
    code = mpm.MerchantPresentedCode(inspection.objects)
    _flatten_mpm(code, reading)
    if inspection.crc_declared is not None:
        reading.fields["63"] = inspection.crc_declared
        reading.crc = {"declared": inspection.crc_declared, "computed": inspection.crc_computed}
    if inspection.objects:
        reading.scheme = registry.scheme(code)
        reading.warnings = [
            Warning("emvco_mandatory_missing", tag, f"EMVCo marks {tag} mandatory; it is absent")
            for tag in code.missing_mandatory()
        ]
    if reading.error is not None:
        return reading
    reading.mpm = code
    try:
        reading.view = registry.view(code)
    except QrError as exc:
        reading.error = exc
        return reading
    for path, template in reading.view.nested.items():
        reading.templates[path] = {k: _text(v) for k, v in template.fields.items()}
    for tag, refusal in reading.view.refused.items():
        reading.warnings.append(
            Warning("profile_network_refused", refusal.field or tag, str(refusal))
        )
    return reading


def _flatten_mpm(code: mpm.MerchantPresentedCode, reading: Reading) -> None:
    for tag, value in code.objects.items():
        reading.fields[tag] = _text(value)
        if isinstance(value, mpm.Template):
            reading.templates[tag] = {k: _text(v) for k, v in value.fields.items()}
            for member, inner in value.fields.items():
                if isinstance(inner, mpm.Template):
                    reading.templates[f"{tag}.{member}"] = {
                        k: _text(v) for k, v in inner.fields.items()
                    }


def _text(value: str | mpm.Template) -> str:
    return value if isinstance(value, str) else value.encode()


def _read_cpm(payload: str) -> Reading:
    reading = Reading(payload, Mode.CPM)
    try:
        code = cpm.decode(payload)
    except QrError as exc:
        reading.error = exc
        return reading
    reading.cpm = code
    aids = code.aids()
    qris = any(aid.startswith(QRIS_CPM_AID_PREFIX) for aid in aids)
    reading.scheme = Scheme.QRIS_CPM if qris else Scheme.EMVCO_CPM
    _flatten_cpm(code, reading)
    return reading


def _flatten_cpm(code: cpm.ConsumerPresentedCode, reading: Reading) -> None:
    # Work list of (path, object) instead of recursion; "61[0]" numbers repeated templates.
    counts: dict[str, int] = {}
    work: list[tuple[str, cpm.BerObject]] = []
    for obj in code.objects:
        path = obj.tag
        if obj.tag == cpm.APPLICATION_TEMPLATE:
            index = counts.get(obj.tag, 0)
            counts[obj.tag] = index + 1
            path = f"{obj.tag}[{index}]"
        reading.fields[path] = obj.hex()
        work.append((path, obj))
    while work:
        path, obj = work.pop()
        if obj.children is None:
            continue
        reading.templates[path] = {c.tag: c.hex() for c in obj.children}
        work.extend((f"{path}.{c.tag}", c) for c in obj.children if c.children is not None)


def _card_number_values(code: cpm.ConsumerPresentedCode) -> dict[str, str]:
    """Hex of every card-number object, mapped to its masked form."""
    secrets: dict[str, str] = {}
    work = list(code.objects)
    while work:
        obj = work.pop()
        if obj.children is not None:
            work.extend(obj.children)
        elif obj.tag in cpm.CARD_NUMBER_TAGS:
            secrets[obj.hex()] = obj.masked_hex()
    return secrets


def _masked(values: dict[str, str], secrets: dict[str, str]) -> dict[str, str]:
    # Templates embed their members' hex, so replace the secret wherever it appears.
    masked = {}
    for key, value in values.items():
        for secret, shown in secrets.items():
            value = value.replace(secret, shown)
        masked[key] = value
    return masked


def _read_uri(payload: str) -> Reading:
    reading = Reading(payload, Mode.URI, scheme=Scheme.UPI)
    try:
        link = uri.decode(payload)
    except QrError as exc:
        reading.error = exc
        return reading
    reading.upi = link
    reading.fields = dict(link.parameters)
    reading.view = PaymentView(
        scheme=Scheme.UPI,
        network="UPI",
        account=link.payee_address,
        account_type="vpa",
        amount=link.amount,
        currency=link.currency,
        reference=link.reference,
        merchant_name=link.payee_name,
        merchant_city=None,
        dynamic=link.amount is not None,
        networks=(Network(Scheme.UPI.value, "pa", None, link.payee_address),),
        nested={},
    )
    return reading


def require_valid(reading: Reading) -> Reading:
    if reading.error is not None:
        raise reading.error
    return reading


__all__ = ["Mode", "QrReason", "Reading", "Warning", "detect_mode", "read", "require_valid"]
