"""XML plumbing for ISO 20022 documents: namespaces, element building, safe parsing.

Every message is a ``Document`` in the namespace of its message definition
(``urn:iso:std:iso:20022:tech:xsd:pacs.008.001.09``); the namespace names the message.
Bytes from the network are untrusted: parsing refuses a document above
``DOCUMENT_BYTES_MAX``, any DOCTYPE (so no entity expansion and no external entities), and
never touches the network. ``DocumentInvalid`` never leaves this package's callers: the
connector turns it into an outcome, the simulator into a rejection.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Final

from lxml import etree

DOCUMENT_BYTES_MAX: Final = 1 << 20
"""1 MiB: a single-transaction message is a few KiB; anything near this is not one."""
NAMESPACE_PREFIX: Final = "urn:iso:std:iso:20022:tech:xsd:"

Element = etree._Element


class MessageType(StrEnum):
    """The message definitions this network speaks, by their ISO 20022 identifier."""

    PACS_008 = "pacs.008.001.09"
    PACS_002 = "pacs.002.001.11"
    PACS_028 = "pacs.028.001.04"
    PACS_004 = "pacs.004.001.10"
    CAMT_053 = "camt.053.001.08"

    @property
    def namespace(self) -> str:
        return NAMESPACE_PREFIX + self.value


class DocumentInvalid(Exception):
    """The bytes are not a well-formed document of a known message, or break its schema."""


class Writer:
    """Builds one document in one namespace; every element it makes is in that namespace."""

    def __init__(self, message: MessageType) -> None:
        self.message = message
        self._ns = message.namespace
        # None maps the default namespace; lxml-stubs types nsmap keys as str only.
        nsmap = {None: self._ns}
        self.root = etree.Element(f"{{{self._ns}}}Document", nsmap=nsmap)  # type: ignore[arg-type]

    def add(self, parent: Element, tag: str, text: str | None = None, **attrib: str) -> Element:
        element = etree.SubElement(parent, f"{{{self._ns}}}{tag}", attrib or None)
        if text is not None:
            element.text = text
        return element

    def path(self, parent: Element, path: str, text: str) -> Element:
        """``path("CdtrAcct/Id/Othr/Id", "123")``: nested elements, the last with text."""
        tags = path.split("/")
        for tag in tags[:-1]:
            parent = self.add(parent, tag)
        return self.add(parent, tags[-1], text)

    def tobytes(self) -> bytes:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8")


_PARSER: Final = etree.XMLParser(
    resolve_entities=False,
    no_network=True,
    load_dtd=False,
    huge_tree=False,
    remove_blank_text=True,
)
_BY_NAMESPACE: Final = {m.namespace: m for m in MessageType}


def parse(data: bytes) -> tuple[MessageType, Element]:
    """The message type and root of a document; raise ``DocumentInvalid`` otherwise."""
    if len(data) > DOCUMENT_BYTES_MAX:
        raise DocumentInvalid(f"document of {len(data)} bytes, above {DOCUMENT_BYTES_MAX}")
    try:
        tree = etree.fromstring(data, _PARSER).getroottree()
    except etree.XMLSyntaxError as exc:
        raise DocumentInvalid(f"not well-formed XML: {exc}") from exc
    if tree.docinfo.doctype:  # type: ignore[union-attr]  # lxml-stubs lacks DocInfo.doctype
        raise DocumentInvalid("a DOCTYPE is not allowed")
    root = tree.getroot()
    qname = etree.QName(root)
    message = _BY_NAMESPACE.get(qname.namespace or "")
    if message is None or qname.localname != "Document":
        raise DocumentInvalid(f"root {root.tag!r} is not a known ISO 20022 Document")
    return message, root


class Reader:
    """Reads one document by paths of local names, in its own namespace."""

    def __init__(self, message: MessageType, root: Element) -> None:
        self.message = message
        self.root = root
        self._ns = {"d": message.namespace}

    def all(self, path: str, within: Element | None = None) -> list[Element]:
        found = (within if within is not None else self.root).xpath(
            "/".join(f"d:{tag}" for tag in path.split("/")), namespaces=self._ns
        )
        assert isinstance(found, list)
        return [e for e in found if isinstance(e, etree._Element)]

    def one(self, path: str, within: Element | None = None) -> Element:
        found = self.all(path, within)
        if len(found) != 1:
            raise DocumentInvalid(f"{self.message}: expected one {path}, found {len(found)}")
        return found[0]

    def text(self, path: str, within: Element | None = None) -> str:
        return self.one(path, within).text or ""

    def optional(self, path: str, within: Element | None = None) -> str | None:
        found = self.all(path, within)
        return (found[0].text or "") if found else None


def iso_datetime(value: datetime) -> str:
    """ISODateTime in UTC with milliseconds and a Z, as instant networks write it."""
    assert value.tzinfo is not None, "messages carry aware times"
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_datetime(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise DocumentInvalid(f"{text!r} is not an ISO date and time") from exc
    if value.tzinfo is None:
        raise DocumentInvalid(f"{text!r} has no UTC offset")
    return value


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise DocumentInvalid(f"{text!r} is not an ISO date") from exc


def parse_uuid(text: str) -> uuid.UUID:
    """A UETR; the schema already holds it to the UUIDv4 pattern."""
    try:
        return uuid.UUID(text)
    except ValueError as exc:
        raise DocumentInvalid(f"{text!r} is not a UUID") from exc
