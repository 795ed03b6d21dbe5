"""EMVCo merchant-presented mode: the typed model, the decoder and the canonical encoder.

``decode`` reads a payload into a ``MerchantPresentedCode`` and raises the first broken
rule as a ``QrError``; ``inspect`` does the same reading but reports what it could decode
beside the error, for people and tools diagnosing a code; ``encode`` writes the canonical
payload (ids ascending, 63 last, CRC appended).

Rules run in a fixed order and the first that fails names the error: TLV structure, then
payload format indicator, duplicates, CRC, field formats, templates. Missing fields that
EMVCo calls mandatory (52, 53, 58, 59, 60) are warnings: national profiles omit them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import iso3166
import iso4217

from qrpay.domain.errors import QrError, QrReason
from qrpay.domain.qr import tlv
from qrpay.domain.qr.crc import crc16_hex

PAYLOAD_CHARS_MAX: Final = 512
"""EMVCo's limit on a merchant-presented payload; callers may lower or raise it."""

TEMPLATE_DEPTH_MAX: Final = 2
"""Nesting we decode: a template (62) and a template inside it (62.50)."""

CRC_ID: Final = "63"
PFI_ID: Final = "00"
MANDATORY_IDS: Final = ("52", "53", "58", "59", "60")
# Templates that must be nested TLV; 80-99 and 62.50-99 are decoded only when they are.
_REQUIRED_TEMPLATE_IDS: Final = frozenset([f"{n:02d}" for n in range(26, 52)] + ["62", "64"])
_AMOUNT_RE: Final = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_PERCENT_RE: Final = re.compile(r"(?:[0-9]{1,2}(?:\.[0-9]{0,2})?|\.[0-9]{1,2})\Z")
_CRC_RE: Final = re.compile(r"[0-9A-F]{4}\Z")
_CURRENCY_NUMBERS: Final = frozenset(f"{c.number:03d}" for c in iso4217.Currency)
_COUNTRIES: Final = frozenset(iso3166.countries_by_alpha2)
AMOUNT_CHARS_MAX: Final = 13
PERCENT_CHARS_MAX: Final = 5


class PointOfInitiation(StrEnum):
    STATIC = "11"
    DYNAMIC = "12"


class TipIndicator(StrEnum):
    PROMPT = "01"
    FIXED_FEE = "02"
    PERCENTAGE_FEE = "03"


_POI_VALUES: Final = frozenset(PointOfInitiation)
_TIP_VALUES: Final = frozenset(TipIndicator)


@dataclass(frozen=True, slots=True)
class Template:
    """A nested TLV data object. Members keep the order they were given or read in."""

    fields: Mapping[str, str | Template]

    def get(self, tag: str) -> str | None:
        """A member's text; a nested template is given as its encoded text."""
        value = self.fields.get(tag)
        if value is None or isinstance(value, str):
            return value
        return value.encode()

    def template(self, tag: str) -> Template | None:
        value = self.fields.get(tag)
        return value if isinstance(value, Template) else None

    @property
    def gui(self) -> str | None:
        """Globally unique identifier (member 00) of a merchant account template."""
        return self.get("00")

    def encode(self) -> str:
        parts = []
        for tag, value in self.fields.items():
            text = value if isinstance(value, str) else value.encode()
            parts.append(tlv.encode_object(tag, text))
        return "".join(parts)


Value = str | Template


@dataclass(frozen=True, slots=True)
class MerchantPresentedCode:
    """A decoded merchant-presented code: every top-level data object but the CRC."""

    objects: Mapping[str, Value]

    def get(self, tag: str) -> str | None:
        value = self.objects.get(tag)
        if value is None or isinstance(value, str):
            return value
        return value.encode()

    def template(self, tag: str) -> Template | None:
        value = self.objects.get(tag)
        return value if isinstance(value, Template) else None

    @property
    def payload_format_indicator(self) -> str | None:
        return self.get("00")

    @property
    def point_of_initiation(self) -> PointOfInitiation | None:
        value = self.get("01")
        return PointOfInitiation(value) if value in _POI_VALUES else None

    @property
    def merchant_accounts(self) -> dict[str, Value]:
        """Merchant account information, ids 02-51: card-scheme ids and templates."""
        return {tag: v for tag, v in self.objects.items() if "02" <= tag <= "51"}

    def account_templates(self) -> Iterator[tuple[str, Template]]:
        for tag, value in self.objects.items():
            if "26" <= tag <= "51" and isinstance(value, Template):
                yield tag, value

    @property
    def merchant_category_code(self) -> str | None:
        return self.get("52")

    @property
    def currency_number(self) -> str | None:
        return self.get("53")

    @property
    def amount(self) -> str | None:
        return self.get("54")

    @property
    def tip_indicator(self) -> TipIndicator | None:
        value = self.get("55")
        return TipIndicator(value) if value in _TIP_VALUES else None

    @property
    def fee_fixed(self) -> str | None:
        return self.get("56")

    @property
    def fee_percent(self) -> str | None:
        return self.get("57")

    @property
    def country_code(self) -> str | None:
        return self.get("58")

    @property
    def merchant_name(self) -> str | None:
        return self.get("59")

    @property
    def merchant_city(self) -> str | None:
        return self.get("60")

    @property
    def postal_code(self) -> str | None:
        return self.get("61")

    @property
    def additional_data(self) -> Template | None:
        return self.template("62")

    def additional(self, tag: str) -> str | None:
        """A member of the additional data template: "05" reference, "07" terminal..."""
        template = self.template("62")
        return template.get(tag) if template is not None else None

    @property
    def language_template(self) -> Template | None:
        return self.template("64")

    def missing_mandatory(self) -> list[str]:
        return [tag for tag in MANDATORY_IDS if tag not in self.objects]


@dataclass(slots=True)
class Inspection:
    """What could be read from a payload, valid or not, and the first broken rule."""

    payload: str
    objects: dict[str, Value] = field(default_factory=dict)
    crc_declared: str | None = None
    crc_computed: str | None = None
    error: QrError | None = None

    @property
    def valid(self) -> bool:
        return self.error is None

    def code(self) -> MerchantPresentedCode:
        if self.error is not None:
            raise self.error
        return MerchantPresentedCode(self.objects)


def decode(payload: str, *, payload_chars_max: int = PAYLOAD_CHARS_MAX) -> MerchantPresentedCode:
    """Read a payload; raise ``QrError`` naming the first rule it breaks."""
    return inspect(payload, payload_chars_max=payload_chars_max).code()


def inspect(payload: str, *, payload_chars_max: int = PAYLOAD_CHARS_MAX) -> Inspection:
    """Read as much of a payload as its structure allows and find the first broken rule."""
    result = Inspection(payload)
    try:
        _check_size(payload, payload_chars_max)
        items = tlv.scan(payload)
    except QrError as exc:
        result.error = exc
        return result
    starts: dict[str, int] = {}
    raw: dict[str, str] = {}
    for tag, start, stop in items:
        if tag not in raw:
            starts[tag] = start
            raw[tag] = payload[start:stop]
    distinct = len(raw)
    if CRC_ID in raw:
        result.crc_declared = raw.pop(CRC_ID)
        result.crc_computed = crc16_hex(payload[: starts[CRC_ID]])
    result.error = _check_structure(payload, items, distinct, result)
    if result.error is None:
        result.error = _check_fields(raw, starts)
    template_error = _read_templates(raw, starts, result.objects)
    if result.error is None:
        result.error = template_error
    return result


def encode(code: MerchantPresentedCode, *, payload_chars_max: int = PAYLOAD_CHARS_MAX) -> str:
    """The canonical payload: ids ascending, 63 last, CRC over everything before it.

    The model is checked with the decoder's own field rules, without parsing the result
    again: templates given as ``Template`` are well-formed by construction, and those
    given as text are scanned like the decoder does.
    """
    parts = []
    raw: dict[str, str] = {}
    starts: dict[str, int] = {}
    position = 0
    for tag in sorted(code.objects):
        if tag == CRC_ID:
            continue
        value = code.objects[tag]
        text = _encoded_value(tag, value)
        raw[tag] = text
        starts[tag] = position + tlv.TLV_HEADER_CHARS
        parts.append(tlv.encode_object(tag, text))
        position += tlv.TLV_HEADER_CHARS + len(text)
    _check_model(code, raw, starts)
    body = "".join(parts) + CRC_ID + "04"
    payload = body + crc16_hex(body)
    _check_size(payload, payload_chars_max)
    return payload


def _check_model(code: MerchantPresentedCode, raw: dict[str, str], starts: dict[str, int]) -> None:
    pfi = raw.get(PFI_ID)
    if pfi is None:
        raise QrError(QrReason.PFI_NOT_FIRST, "the payload format indicator 00 is missing")
    if pfi not in ("01", "02"):
        raise QrError(
            QrReason.PFI_INVALID, f"payload format indicator is {pfi!r}", field=PFI_ID, position=4
        )
    error = _check_fields(raw, starts)
    if error is not None:
        raise error
    for tag, value in code.objects.items():
        if tag in _REQUIRED_TEMPLATE_IDS and isinstance(value, str):
            _scan_template(tag, value, starts[tag])


def _encoded_value(tag: str, value: Value) -> str:
    if not (len(tag) == 2 and tag.isascii() and tag.isdigit()):
        raise QrError(QrReason.ID_INVALID, f"data object id {tag!r} is not two digits", field=tag)
    text = value if isinstance(value, str) else _encoded_template(tag, value)
    if not text:
        raise QrError(QrReason.VALUE_EMPTY, f"{tag} has an empty value", field=tag)
    if len(text) > tlv.TLV_VALUE_CHARS_MAX:
        raise QrError(
            QrReason.VALUE_TOO_LONG,
            f"{tag} is {len(text)} characters, more than {tlv.TLV_VALUE_CHARS_MAX}",
            field=tag,
        )
    return text


def _encoded_template(tag: str, template: Template) -> str:
    # Templates nest at most TEMPLATE_DEPTH_MAX deep, so this loop-free two-level walk
    # covers every model the decoder can produce.
    parts = []
    for member, value in template.fields.items():
        path = f"{tag}.{member}"
        if isinstance(value, Template):
            inner = [
                tlv.encode_object(_checked_leaf(f"{path}.{t}", t, v), v)
                for t, v in value.fields.items()
                if isinstance(v, str)
            ]
            if len(inner) != len(value.fields):
                raise QrError(
                    QrReason.TLV_DEPTH_EXCEEDED,
                    f"{path} nests deeper than {TEMPLATE_DEPTH_MAX} levels",
                    field=path,
                )
            text = "".join(inner)
        else:
            text = value
        parts.append(tlv.encode_object(_checked_leaf(path, member, text), text))
    return "".join(parts)


def _checked_leaf(path: str, tag: str, text: str) -> str:
    if not (len(tag) == 2 and tag.isascii() and tag.isdigit()):
        raise QrError(QrReason.ID_INVALID, f"data object id {tag!r} is not two digits", field=path)
    if not text:
        raise QrError(QrReason.VALUE_EMPTY, f"{path} has an empty value", field=path)
    if len(text) > tlv.TLV_VALUE_CHARS_MAX:
        raise QrError(QrReason.VALUE_TOO_LONG, f"{path} is longer than 99 characters", field=path)
    return tag


def _check_size(payload: str, payload_chars_max: int) -> None:
    if not payload:
        raise QrError(QrReason.PAYLOAD_EMPTY, "the payload is empty", position=0)
    if len(payload) > payload_chars_max:
        raise QrError(
            QrReason.PAYLOAD_TOO_LONG,
            f"the payload has {len(payload)} characters, more than {payload_chars_max}",
            position=payload_chars_max,
        )


def _check_structure(
    payload: str, items: list[tlv.Item], distinct: int, result: Inspection
) -> QrError | None:
    """Payload format indicator, duplicates and CRC, in the order the rules are listed."""
    first_tag, first_start, first_stop = items[0]
    if first_tag != PFI_ID:
        return QrError(
            QrReason.PFI_NOT_FIRST,
            f"the first data object is {first_tag}, not the payload format indicator 00",
            field=first_tag,
            position=first_start - tlv.TLV_HEADER_CHARS,
        )
    pfi = payload[first_start:first_stop]
    if pfi not in ("01", "02"):
        return QrError(
            QrReason.PFI_INVALID,
            f"payload format indicator is {pfi!r}; expected '01' (or '02' as DuitNow uses)",
            field=PFI_ID,
            position=first_start,
        )
    if distinct != len(items):
        return _duplicate_error(items)
    return _check_crc(payload, items, result)


def _duplicate_error(items: list[tlv.Item]) -> QrError:
    crc_starts = [start for tag, start, _ in items if tag == CRC_ID]
    if len(crc_starts) > 1:
        return QrError(
            QrReason.DUPLICATE_CRC,
            f"the CRC (63) appears {len(crc_starts)} times",
            field=CRC_ID,
            position=crc_starts[1] - tlv.TLV_HEADER_CHARS,
        )
    seen: set[str] = set()
    for tag, start, _ in items:
        if tag in seen:
            return QrError(
                QrReason.DUPLICATE_ID,
                f"data object {tag} appears more than once",
                field=tag,
                position=start - tlv.TLV_HEADER_CHARS,
            )
        seen.add(tag)
    raise AssertionError("unreachable: fewer distinct ids means a duplicate")


def _check_crc(payload: str, items: list[tlv.Item], result: Inspection) -> QrError | None:
    if items[-1][0] == CRC_ID:
        index: int | None = len(items) - 1
    else:
        index = next((n for n, item in enumerate(items) if item[0] == CRC_ID), None)
    if index is None:
        return QrError(
            QrReason.CRC_MISSING, "no CRC (63) at the end", field=CRC_ID, position=len(payload)
        )
    _, start, stop = items[index]
    declared = payload[start:stop]
    if index != len(items) - 1:
        return QrError(
            QrReason.CRC_NOT_LAST,
            "the CRC (63) is not the last data object",
            field=CRC_ID,
            position=start - tlv.TLV_HEADER_CHARS,
        )
    if stop - start != 4:
        return QrError(
            QrReason.CRC_BAD_LENGTH,
            f"the CRC (63) has length {stop - start}, not 04",
            field=CRC_ID,
            position=start - 2,
        )
    if not _CRC_RE.match(declared):
        return QrError(
            QrReason.CRC_FORMAT,
            f"the CRC {declared!r} is not four upper-case hex digits",
            field=CRC_ID,
            position=start,
        )
    if declared != result.crc_computed:
        return QrError(
            QrReason.CRC_MISMATCH,
            f"declared CRC {declared} but the payload computes to {result.crc_computed}",
            field=CRC_ID,
            position=start,
        )
    return None


def _check_fields(raw: dict[str, str], starts: dict[str, int]) -> QrError | None:
    for tag, check in _FIELD_CHECKS:
        value = raw.get(tag)
        if value is None:
            continue
        problem = check(value)
        if problem is not None:
            reason, message = problem
            return QrError(reason, message, field=tag, position=starts[tag])
    return _check_fee_presence(raw, starts)


Problem = tuple[QrReason, str] | None


def _check_poi(value: str) -> Problem:
    if value in ("11", "12"):
        return None
    return QrReason.POI_INVALID, f"point of initiation is {value!r}; expected 11 or 12"


def _check_mcc(value: str) -> Problem:
    if len(value) == 4 and value.isascii() and value.isdigit():
        return None
    return QrReason.MCC_INVALID, f"merchant category code {value!r} is not four digits"


def _check_currency(value: str) -> Problem:
    if value in _CURRENCY_NUMBERS:
        return None
    return QrReason.CURRENCY_INVALID, f"{value!r} is not an ISO 4217 numeric currency code"


def _check_amount(value: str) -> Problem:
    if len(value) > AMOUNT_CHARS_MAX or not _AMOUNT_RE.match(value):
        return (
            QrReason.AMOUNT_FORMAT,
            f"amount {value!r} is not digits with at most one '.' in 13 characters",
        )
    if not value.strip("0."):
        return QrReason.AMOUNT_ZERO, f"amount {value!r} is zero"
    return None


def _check_tip(value: str) -> Problem:
    if value in ("01", "02", "03"):
        return None
    return QrReason.TIP_INDICATOR_INVALID, f"tip indicator {value!r} is not 01, 02 or 03"


def _check_fee_fixed(value: str) -> Problem:
    if len(value) <= AMOUNT_CHARS_MAX and _AMOUNT_RE.match(value) and value.strip("0."):
        return None
    return QrReason.FEE_FIXED_FORMAT, f"fixed convenience fee {value!r} is not a positive amount"


def _check_fee_percent(value: str) -> Problem:
    if len(value) <= PERCENT_CHARS_MAX and _PERCENT_RE.match(value) and value.strip("0."):
        return None
    return (
        QrReason.FEE_PERCENT_FORMAT,
        f"convenience fee percentage {value!r} is not between 00.01 and 99.99",
    )


def _check_country(value: str) -> Problem:
    if value in _COUNTRIES:
        return None
    return QrReason.COUNTRY_INVALID, f"{value!r} is not an ISO 3166-1 alpha-2 country code"


_FIELD_CHECKS: Final = (
    ("01", _check_poi),
    ("52", _check_mcc),
    ("53", _check_currency),
    ("54", _check_amount),
    ("55", _check_tip),
    ("56", _check_fee_fixed),
    ("57", _check_fee_percent),
    ("58", _check_country),
)


def _check_fee_presence(raw: dict[str, str], starts: dict[str, int]) -> QrError | None:
    tip = raw.get("55")
    if tip == TipIndicator.FIXED_FEE and "56" not in raw:
        return QrError(
            QrReason.FEE_FIXED_FORMAT,
            "tip indicator 02 needs a fixed convenience fee in 56",
            field="56",
            position=starts["55"],
        )
    if tip == TipIndicator.PERCENTAGE_FEE and "57" not in raw:
        return QrError(
            QrReason.FEE_PERCENT_FORMAT,
            "tip indicator 03 needs a convenience fee percentage in 57",
            field="57",
            position=starts["55"],
        )
    return None


def _read_templates(
    raw: dict[str, str], starts: dict[str, int], objects: dict[str, Value]
) -> QrError | None:
    """Fill ``objects`` with every value, templates decoded; return the first template error."""
    first_error: QrError | None = None
    for tag, text in raw.items():
        if tag in _REQUIRED_TEMPLATE_IDS:
            try:
                objects[tag] = _read_template(tag, text, starts[tag])
            except QrError as exc:
                objects[tag] = text
                first_error = first_error or exc
        elif "80" <= tag <= "99":
            objects[tag] = _read_optional_template(tag, text, starts[tag])
        else:
            objects[tag] = text
    return first_error


def _read_optional_template(tag: str, text: str, start: int) -> Value:
    try:
        return _read_template(tag, text, start)
    except QrError:
        return text


def _read_template(tag: str, text: str, start: int) -> Template:
    members = _scan_template(tag, text, start)
    if tag != "62":
        return Template(members)
    # Payment-system templates inside 62 (62.50-99) are nested TLV when they scan.
    fields: dict[str, Value] = dict(members)
    for member, value in members.items():
        if member >= "50":
            fields[member] = _read_optional_nested(member, value)
    return Template(fields)


def _read_optional_nested(member: str, value: str) -> Value:
    # A member that does not scan stays primitive, so its error and position are unused.
    try:
        return Template(_scan_template(f"62.{member}", value, 0))
    except QrError:
        return value


def _scan_template(path: str, text: str, start: int) -> dict[str, str]:
    try:
        return tlv.scan_members(text, start, f"{path}.")
    except QrError as exc:
        if exc.reason is QrReason.TEMPLATE_DUPLICATE_ID:
            raise
        raise QrError(
            QrReason.TEMPLATE_NOT_TLV,
            f"{path} is not a valid TLV template: {exc.message}",
            field=exc.field or path,
            position=exc.position,
        ) from exc
