"""EMVCo consumer-presented mode: base64 BER-TLV issued by the payer's wallet.

The payload is base64 of BER-TLV data objects: 85 payload format indicator ("CPV01"), one
or more 61 application templates (4F AID, 50 label, 57 track 2 equivalent, 5A PAN,
5F20 cardholder name, 9F25, 63 application specific transparent template) and an
optional 62 common data template. Error positions count bytes of the decoded data.

Card numbers (5A, and the PAN inside 57) never appear in clear in a string made from the
model: ``repr`` and ``str`` mask them to the first six and last four digits.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from qrpay.domain.errors import QrError, QrReason

CPM_PFI: Final = b"CPV01"
BER_DEPTH_MAX: Final = 4
BER_TAG_BYTES_MAX: Final = 3
CPM_PAYLOAD_CHARS_MAX: Final = 1024
CARD_NUMBER_TAGS: Final = frozenset({"5A", "57", "9F6B"})
APPLICATION_TEMPLATE: Final = "61"


@dataclass(frozen=True, slots=True)
class BerObject:
    """One data object. ``children`` is set for constructed tags, ``None`` for primitive."""

    tag: str
    value: bytes
    children: tuple[BerObject, ...] | None = None

    @classmethod
    def template(cls, tag: str, children: tuple[BerObject, ...]) -> BerObject:
        """A constructed object whose value is its children, encoded."""
        return cls(tag, encode_ber(children), children)

    def child(self, tag: str) -> BerObject | None:
        return next((c for c in self.children or () if c.tag == tag), None)

    def hex(self) -> str:
        return self.value.hex().upper()

    def masked_hex(self) -> str:
        """The value as hex, card numbers masked; what a log or a screen may show."""
        text = self.hex()
        if self.tag not in CARD_NUMBER_TAGS:
            return text
        return mask_card_digits(text)

    def __repr__(self) -> str:
        if self.children is not None:
            inner = ", ".join(repr(c) for c in self.children)
            return f"BerObject({self.tag}, [{inner}])"
        return f"BerObject({self.tag}={self.masked_hex()})"

    __str__ = __repr__


def mask_card_digits(text: str) -> str:
    """Mask a PAN (or the PAN at the head of track 2 data) to first 6 and last 4 digits."""
    pan, sep, _rest = text.upper().partition("D")
    pan = pan.rstrip("F")
    hidden = len(pan) - 10
    shown = "*" * len(pan) if hidden <= 0 else pan[:6] + "*" * hidden + pan[-4:]
    return shown + ("D" + "*" * 4 if sep else "")


@dataclass(frozen=True, slots=True)
class ConsumerPresentedCode:
    objects: tuple[BerObject, ...]

    @property
    def payload_format_indicator(self) -> bytes:
        return self.objects[0].value

    @property
    def applications(self) -> tuple[BerObject, ...]:
        return tuple(o for o in self.objects if o.tag == APPLICATION_TEMPLATE)

    @property
    def common_data(self) -> BerObject | None:
        return next((o for o in self.objects if o.tag == "62"), None)

    def aids(self) -> list[str]:
        found = (app.child("4F") for app in self.applications)
        return [aid.hex() for aid in found if aid is not None]

    def __repr__(self) -> str:
        return f"ConsumerPresentedCode({list(self.objects)!r})"

    __str__ = __repr__


def decode(
    payload: str, *, payload_chars_max: int = CPM_PAYLOAD_CHARS_MAX
) -> ConsumerPresentedCode:
    data = _base64(payload, payload_chars_max)
    objects = parse_ber(data)
    _check(objects)
    return ConsumerPresentedCode(objects)


def encode(code: ConsumerPresentedCode) -> str:
    return base64.b64encode(encode_ber(code.objects)).decode("ascii")


def _base64(payload: str, payload_chars_max: int) -> bytes:
    if len(payload) > payload_chars_max:
        raise QrError(
            QrReason.PAYLOAD_TOO_LONG,
            f"the payload has {len(payload)} characters, more than {payload_chars_max}",
            position=payload_chars_max,
        )
    try:
        data = base64.b64decode(payload.encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError) as exc:
        raise QrError(QrReason.CPM_BASE64, f"not valid base64: {exc}", position=0) from exc
    if not data:
        raise QrError(QrReason.PAYLOAD_EMPTY, "the payload is empty", position=0)
    return data


def _check(objects: tuple[BerObject, ...]) -> None:
    first = objects[0]
    if first.tag != "85" or first.value != CPM_PFI:
        raise QrError(
            QrReason.CPM_PFI,
            f"the first data object must be 85 = 'CPV01', found {first.tag}",
            field=first.tag,
            position=0,
        )
    if not any(o.tag == APPLICATION_TEMPLATE for o in objects):
        raise QrError(
            QrReason.CPM_NO_APPLICATION_TEMPLATE,
            "no application template (61)",
            field=APPLICATION_TEMPLATE,
        )


@dataclass(slots=True)
class _Node:
    tag: str
    start: int
    stop: int
    parent: int
    constructed: bool


def parse_ber(data: bytes) -> tuple[BerObject, ...]:
    """Parse BER-TLV without recursion: a work list of ranges, then a bottom-up build."""
    nodes: list[_Node] = []
    work: list[tuple[int, int, int, int]] = [(0, len(data), -1, 1)]
    while work:
        start, stop, parent, depth = work.pop()
        ranges = []
        for node in _scan_level(data, start, stop, parent):
            index = len(nodes)
            nodes.append(node)
            if node.constructed:
                if depth >= BER_DEPTH_MAX:
                    raise QrError(
                        QrReason.TLV_DEPTH_EXCEEDED,
                        f"templates nest deeper than {BER_DEPTH_MAX} levels",
                        field=node.tag,
                        position=node.start,
                    )
                ranges.append((node.start, node.stop, index, depth + 1))
        work.extend(reversed(ranges))
    return _build(data, nodes)


def _scan_level(data: bytes, start: int, stop: int, parent: int) -> Iterator[_Node]:
    pos = start
    while pos < stop:
        if data[pos] in (0x00, 0xFF):
            pos += 1  # padding bytes between objects, allowed by ISO 7816 BER
            continue
        tag, constructed, pos = _read_tag(data, pos, stop)
        size, pos = _read_length(data, pos, stop, tag)
        if pos + size > stop:
            raise QrError(
                QrReason.BER_LENGTH_OVERFLOW,
                f"{tag} declares {size} bytes but only {stop - pos} remain",
                field=tag,
                position=pos,
            )
        yield _Node(tag, pos, pos + size, parent, constructed)
        pos += size


def _read_tag(data: bytes, pos: int, stop: int) -> tuple[str, bool, int]:
    first = data[pos]
    end = pos + 1
    if first & 0x1F == 0x1F:
        # Subsequent tag bytes follow while bit 8 is set (ISO 7816-4 BER).
        while True:
            if end >= stop or end - pos >= BER_TAG_BYTES_MAX:
                raise QrError(
                    QrReason.BER_TAG_INVALID,
                    "a multi-byte tag runs past its data or is longer than 3 bytes",
                    position=pos,
                )
            more = data[end] & 0x80
            end += 1
            if not more:
                break
    return data[pos:end].hex().upper(), bool(first & 0x20), end


def _read_length(data: bytes, pos: int, stop: int, tag: str) -> tuple[int, int]:
    if pos >= stop:
        raise QrError(QrReason.BER_LENGTH_OVERFLOW, f"{tag} has no length", field=tag, position=pos)
    first = data[pos]
    if first < 0x80:
        return first, pos + 1
    count = first & 0x7F
    if count == 0 or count > 2 or pos + 1 + count > stop:
        raise QrError(
            QrReason.BER_LENGTH_OVERFLOW,
            f"{tag} has an unusable length form 0x{first:02X}",
            field=tag,
            position=pos,
        )
    return int.from_bytes(data[pos + 1 : pos + 1 + count], "big"), pos + 1 + count


def _build(data: bytes, nodes: list[_Node]) -> tuple[BerObject, ...]:
    # Every child comes after its parent in ``nodes``, so walking backwards builds each
    # child before the parent that holds it.
    children: dict[int, list[BerObject]] = {}
    for index in range(len(nodes) - 1, -1, -1):
        node = nodes[index]
        kids = children.pop(index, [])
        kids.reverse()
        obj = BerObject(
            node.tag, data[node.start : node.stop], tuple(kids) if node.constructed else None
        )
        children.setdefault(node.parent, []).append(obj)
    top = children.get(-1, [])
    top.reverse()
    if not top:
        raise QrError(QrReason.CPM_PFI, "no data objects", position=0)
    return tuple(top)


def encode_ber(objects: tuple[BerObject, ...]) -> bytes:
    """Serialise objects; constructed objects are rebuilt from their children."""
    out = bytearray()
    # Explicit stack of (object, children-done) frames instead of recursion.
    results: list[bytearray] = [out]
    stack: list[tuple[BerObject, bool]] = [(o, False) for o in reversed(objects)]
    while stack:
        obj, done = stack.pop()
        if obj.children is None:
            results[-1] += _tlv(obj.tag, obj.value)
        elif not done:
            results.append(bytearray())
            stack.append((obj, True))
            stack.extend((c, False) for c in reversed(obj.children))
        else:
            inner = results.pop()
            results[-1] += _tlv(obj.tag, bytes(inner))
    return bytes(out)


def _tlv(tag: str, value: bytes) -> bytes:
    size = len(value)
    if size < 0x80:
        length = bytes([size])
    elif size <= 0xFF:
        length = bytes([0x81, size])
    else:
        length = bytes([0x82]) + size.to_bytes(2, "big")
    return bytes.fromhex(tag) + length + value
