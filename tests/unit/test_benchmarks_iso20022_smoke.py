"""The ISO 20022 validation benchmark still runs; its timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import iso20022_validation


def test_the_validation_benchmark_writes_a_row_per_operation(tmp_path: Path) -> None:
    out = tmp_path / "iso20022.json"
    iso20022_validation.main(["--iterations", "1", "--repeats", "1", "--json", str(out)])
    result = json.loads(out.read_text(encoding="utf-8"))
    assert len(result["results"]) == 3
    assert set(result["schema_load_ms"]) == {"lxml", "xmlschema"}
    assert all(row["best_ops_per_s"] > 0 for row in result["results"])
