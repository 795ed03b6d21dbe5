"""Small helpers the routers share: JSON bytes, pagination parameters."""

from __future__ import annotations

from fastapi import Query
from pydantic import BaseModel

from qrpay.services.unit_of_work import PAGE_SIZE_MAX


def as_json(model: BaseModel) -> bytes:
    return model.model_dump_json().encode()


def limit_param(
    limit: int = Query(20, ge=1, le=PAGE_SIZE_MAX, description="Page size, 1 to 100."),
) -> int:
    return limit


def starting_after_param(
    starting_after: str | None = Query(
        None, max_length=64, description="Continue after this id (the last of the previous page)."
    ),
) -> str | None:
    return starting_after
