"""The XSDs the connector ships are the official ones the tests hold, and they compile."""

from __future__ import annotations

import pytest
from lxml import etree

from qrpay.connectors.iso20022 import schemas
from qrpay.connectors.iso20022.documents import DocumentInvalid, MessageType
from tests.unit.connectors.iso20022.samples import DATA_DIR


@pytest.mark.parametrize("message", list(MessageType))
def test_the_shipped_schema_is_the_test_copy_byte_for_byte(message: MessageType) -> None:
    assert schemas.schema_bytes(message) == (DATA_DIR / f"{message.value}.xsd").read_bytes()


@pytest.mark.parametrize("message", list(MessageType))
def test_every_schema_compiles_for_its_own_namespace(message: MessageType) -> None:
    root = etree.fromstring(schemas.schema_bytes(message))
    assert root.get("targetNamespace") == message.namespace
    assert isinstance(schemas.schema(message), etree.XMLSchema)


def test_a_violation_is_named_with_the_offending_element() -> None:
    ns = MessageType.PACS_002.namespace
    root = etree.fromstring(f"<Document xmlns='{ns}'><Nonsense/></Document>".encode())
    with pytest.raises(DocumentInvalid, match="Nonsense"):
        schemas.validate(MessageType.PACS_002, root)
