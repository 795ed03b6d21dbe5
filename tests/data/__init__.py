"""Test data shipped with the repository, so tests never reach outside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent


def qr_vectors() -> list[dict[str, Any]]:
    """Every QR vector: the public sample, then qrpay's own from public specifications."""
    vectors: list[dict[str, Any]] = []
    for name in ("public_vectors.json", "qrpay_vectors.json"):
        path = DATA_DIR / "qr" / name
        if path.exists():
            vectors.extend(json.loads(path.read_text(encoding="utf-8")))
    return vectors
