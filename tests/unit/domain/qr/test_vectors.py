"""Every vector gives its stated verdict, reason, scheme, fields and templates."""

from __future__ import annotations

from typing import Any

import pytest

from qrpay.domain.qr import reader
from tests.data import qr_vectors

VECTORS = qr_vectors()


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_verdict_and_reason(vector: dict[str, Any]) -> None:
    reading = reader.read(vector["payload"])

    assert reading.valid is vector["valid"]
    error = reading.to_dict()["error"]
    assert (error["code"] if error else None) == vector.get("invalid_reason")


@pytest.mark.parametrize("vector", VECTORS, ids=[v["id"] for v in VECTORS])
def test_vector_fields_and_templates(vector: dict[str, Any]) -> None:
    out = reader.read(vector["payload"]).to_dict(reveal_card_numbers=True)

    if "fields" in vector:
        assert out["fields"] == vector["fields"]
    if "templates" in vector:
        assert out["templates"] == vector["templates"]


@pytest.mark.parametrize(
    "vector", [v for v in VECTORS if v["valid"]], ids=[v["id"] for v in VECTORS if v["valid"]]
)
def test_valid_vector_scheme(vector: dict[str, Any]) -> None:
    assert reader.read(vector["payload"]).to_dict()["scheme"] == vector["scheme"]


@pytest.mark.parametrize(
    "vector",
    [v for v in VECTORS if "crc" in v and v["crc"]["declared"]],
    ids=[v["id"] for v in VECTORS if "crc" in v and v["crc"]["declared"]],
)
def test_vector_crc_computed(vector: dict[str, Any]) -> None:
    reading = reader.read(vector["payload"])

    assert reading.crc is not None
    assert reading.crc["computed"] == vector["crc"]["computed"]
