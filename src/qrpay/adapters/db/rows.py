"""Rows to dataclasses and back, for the tables whose columns are the dataclass's fields.

Enum values bind as the text they are (``StrEnum`` is a ``str``); on the way back the
caller converts what the row holds as plain text or integers into the field's type.
"""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Row

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")


def values_of(instance: DataclassInstance) -> dict[str, Any]:
    """The row for a dataclass: one column per field, under the field's name."""
    return {field.name: getattr(instance, field.name) for field in fields(instance)}


def instance_of(cls: type[T], row: Row[Any], **converted: Any) -> T:
    """The dataclass for a row; ``converted`` replaces the columns that need a type."""
    return cls(**{**row._asdict(), **converted})
