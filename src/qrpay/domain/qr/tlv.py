"""The two-digit-id, two-digit-length TLV of merchant-presented codes.

Lengths count Unicode code points, as EMVCo says and as Python's ``str`` indexes, so a
Vietnamese or Chinese value is sliced exactly as a conforming scanner slices it.
No recursion: nested templates are scanned by the caller, one level at a time.
"""

from __future__ import annotations

from typing import Final

from qrpay.domain.errors import QrError, QrReason

TLV_HEADER_CHARS = 4
TLV_VALUE_CHARS_MAX = 99

# (id, value_start, value_end) with offsets into the scanned text
Item = tuple[str, int, int]

# "00".."99" -> 0..99; only ASCII digits are keys, so '²' or Arabic-Indic digits miss.
_TWO_DIGITS: Final = {f"{n:02d}": n for n in range(100)}


def _is_two_digits(text: str) -> bool:
    return text in _TWO_DIGITS


def scan(text: str, offset: int = 0, field_prefix: str = "") -> list[Item]:
    """Split ``text`` into data objects; raise the first structural error found.

    ``offset`` is where ``text`` starts in the whole payload and ``field_prefix`` names
    the enclosing template ("62."), so errors point into the payload the caller holds.
    """
    items: list[Item] = []
    end = len(text)
    i = 0
    while i < end:
        # Fast path: one dict lookup validates and converts each two-digit part.
        tag = text[i : i + 2]
        size = _TWO_DIGITS.get(text[i + 2 : i + 4])
        if size is None or tag not in _TWO_DIGITS:
            raise _header_error(text, i, offset, field_prefix)
        start = i + TLV_HEADER_CHARS
        i = start + size
        if size == 0 or i > end:
            raise _size_error(tag, size, end - start, offset + start - 2, field_prefix)
        items.append((tag, start, i))
    return items


def scan_members(text: str, offset: int, field_prefix: str) -> dict[str, str]:
    """Like ``scan`` for a template's members, straight into an id -> value mapping.

    A repeated member raises ``template_duplicate_id``: a mapping cannot hold both.
    """
    members: dict[str, str] = {}
    end = len(text)
    i = 0
    while i < end:
        tag = text[i : i + 2]
        size = _TWO_DIGITS.get(text[i + 2 : i + 4])
        if size is None or tag not in _TWO_DIGITS:
            raise _header_error(text, i, offset, field_prefix)
        start = i + TLV_HEADER_CHARS
        stop = start + size
        if size == 0 or stop > end:
            raise _size_error(tag, size, end - start, offset + start - 2, field_prefix)
        if tag in members:
            raise QrError(
                QrReason.TEMPLATE_DUPLICATE_ID,
                f"{field_prefix}{tag} appears more than once",
                field=field_prefix + tag,
                position=offset + i,
            )
        members[tag] = text[start:stop]
        i = stop
    return members


def _header_error(text: str, i: int, offset: int, field_prefix: str) -> QrError:
    tag = text[i : i + 2]
    if not _is_two_digits(tag):
        return QrError(
            QrReason.TLV_NON_NUMERIC_ID,
            f"data object id {tag!r} is not two digits",
            field=field_prefix + tag if field_prefix else None,
            position=offset + i,
        )
    field = field_prefix + tag
    return QrError(
        QrReason.TLV_NON_NUMERIC_LENGTH,
        f"length {text[i + 2 : i + 4]!r} of {field} is not two digits",
        field=field,
        position=offset + i + 2,
    )


def _size_error(tag: str, size: int, remaining: int, position: int, prefix: str) -> QrError:
    field = prefix + tag
    if size == 0:
        return QrError(
            QrReason.TLV_ZERO_LENGTH, f"{field} declares length 00", field=field, position=position
        )
    return QrError(
        QrReason.TLV_LENGTH_OVERFLOW,
        f"{field} declares {size} characters but only {max(remaining, 0)} remain",
        field=field,
        position=position,
    )


def encode_object(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"
