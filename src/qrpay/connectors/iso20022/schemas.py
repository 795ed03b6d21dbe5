"""The official ISO 20022 XSDs this package ships (``schemas/``), and validation against them.

The connector validates every document it produces before sending it and every reply
before trusting it; the simulator validates everything it receives. Schemas are compiled
once per process (about 10 ms each); lxml then parses and validates a pacs.008 in about
0.13 ms, where xmlschema (pure Python) takes about 6 ms (``benchmarks/iso20022_validation.py``).
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Final

from lxml import etree

from qrpay.connectors.iso20022.documents import DocumentInvalid, Element, MessageType

SCHEMA_PACKAGE: Final = "qrpay.connectors.iso20022"
SCHEMA_ERRORS_SHOWN_MAX: Final = 3


def schema_bytes(message: MessageType) -> bytes:
    """The XSD text of a message, as shipped with the package."""
    return (resources.files(SCHEMA_PACKAGE) / "schemas" / f"{message.value}.xsd").read_bytes()


@functools.cache
def schema(message: MessageType) -> etree.XMLSchema:
    return etree.XMLSchema(etree.fromstring(schema_bytes(message)))


def validate(message: MessageType, root: Element) -> None:
    """Raise ``DocumentInvalid`` naming the first violations when ``root`` breaks the XSD."""
    compiled = schema(message)
    if compiled.validate(root):
        return
    # One line per error: "<string>:LINE:COLUMN:ERROR:SCHEMASV:CODE: message".
    errors = str(compiled.error_log).splitlines()[:SCHEMA_ERRORS_SHOWN_MAX]
    raise DocumentInvalid(f"{message} breaks its schema: " + "; ".join(errors))
