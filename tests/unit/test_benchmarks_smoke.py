"""The benchmarks still run, so they cannot rot; their timings are never asserted."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks import qr_codec


def test_qr_codec_benchmark_writes_every_row_and_goal(tmp_path: Path) -> None:
    out = tmp_path / "qr_codec.json"

    qr_codec.main(["--iterations", "1", "--repeats", "1", "--generated", "3", "--json", str(out)])

    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result) == {
        "benchmark",
        "environment",
        "settings",
        "corpus",
        "baseline_defects",
        "results",
        "goals",
    }
    assert set(result["corpus"]) == {"mpm", "promptpay", "pix", "images"}
    operations = {row["operation"]: row for row in result["results"]}
    assert len(operations) == 9
    for row in operations.values():
        assert set(row) == {
            "operation",
            "corpus",
            "qrpay",
            "baseline_name",
            "baseline",
            "ratio_best",
            "ratio_median",
        }
        assert row["qrpay"]["best_ops_per_s"] > 0
    assert operations["generate PromptPay"]["baseline_name"].startswith("promptpay ")
    assert operations["generate PIX"]["ratio_best"] > 0
    assert set(result["goals"]) == {
        "mpm_decodes_per_s_goal",
        "mpm_decodes_per_s_met_best",
        "mpm_decodes_per_s_met_median",
        "baseline_ratio_goal",
        "baseline_ratio_met_best",
        "baseline_ratio_met_median",
    }
