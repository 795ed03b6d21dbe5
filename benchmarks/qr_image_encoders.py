"""QR image encoders compared, for ``docs/adr/0001-qr-image-encoder.md``.

For each candidate: module matrices and 8-pixel PNGs (quiet zone 4, level M) per second for
one payload on one core, the symbol it chose, and whether it wrote each non-ASCII sample as
UTF-8 with no ECI (what EMVCo scanners decode), judged by zxing-cpp reading the bytes back.

    python benchmarks/qr_image_encoders.py [--repeats 7] [--vector emvco-spec-b7]
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np
import qrcode
import segno
import zxingcpp
from PIL import Image

ROOT: Final = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from tests.data import qr_vectors  # noqa: E402

from benchmarks.timing import measure, one_core  # noqa: E402
from qrpay.adapters import qr_image  # noqa: E402

SCALE: Final = 8
QUIET_ZONE_MODULES: Final = 4
# Text alone decides a charset; these join the non-ASCII vectors as samples.
TEXT_SAMPLES: Final = ("José Conceição, São Paulo", "北京")


@dataclass(frozen=True, slots=True)
class Candidate:
    name: str
    matrix: Callable[[str], object]
    png: Callable[[str], bytes]
    """A PNG as the candidate writes it; zxing-cpp's matrix goes through qrpay's writer."""


def _segno_png(payload: str) -> bytes:
    out = io.BytesIO()
    segno.make(payload, error="m", boost_error=False).save(
        out, kind="png", scale=SCALE, border=QUIET_ZONE_MODULES
    )
    return out.getvalue()


def _qrcode_matrix(payload: str) -> qrcode.QRCode:
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        box_size=SCALE,
        border=QUIET_ZONE_MODULES,
    )
    code.add_data(payload)
    code.make(fit=True)
    return code


def _qrcode_png(payload: str) -> bytes:
    out = io.BytesIO()
    _qrcode_matrix(payload).make_image().save(out)
    return out.getvalue()


def _zxing_matrix(content: str | bytes) -> qr_image.Modules:
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    return np.asarray(barcode.to_image(scale=1, add_quiet_zones=False)) < 128


def _zxing_png(content: str | bytes) -> bytes:
    # The same PNG writer as zint's below, so the two differ only in their encoders.
    return qr_image.modules_png(
        _zxing_matrix(content), scale=SCALE, quiet_zone_modules=QUIET_ZONE_MODULES
    )


_UNCACHED: Final = qr_image.QrImageRenderer(image_cache_entries_max=0)
CANDIDATES: Final = (
    Candidate("segno (str)", lambda p: segno.make(p, error="m", boost_error=False), _segno_png),
    Candidate("qrcode (str)", _qrcode_matrix, _qrcode_png),
    Candidate("zxing-cpp create_barcode (str)", _zxing_matrix, _zxing_png),
    Candidate(
        "zxing-cpp create_barcode (UTF-8 bytes)",
        lambda p: _zxing_matrix(p.encode("utf-8")),
        lambda p: _zxing_png(p.encode("utf-8")),
    ),
    Candidate("zint-bindings (qrpay.adapters.qr_image)", qr_image.module_matrix, _UNCACHED.png),
)


def _read(png: bytes) -> zxingcpp.Barcode:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    barcodes = zxingcpp.read_barcodes(pixels)
    assert len(barcodes) == 1
    return barcodes[0]


def _written_as(candidate: Candidate, sample: str) -> str:
    """How the candidate wrote a sample: "UTF-8" when as EMVCo wants, else what it chose."""
    barcode = _read(candidate.png(sample))
    eci = (
        ""
        if barcode.symbology_identifier == "]Q1"
        else f" with ECI ({barcode.symbology_identifier})"
    )
    for charset in ("utf-8", "iso-8859-1", "shift_jis"):
        if barcode.bytes == sample.encode(charset, errors="replace"):
            return charset.upper() + eci
    return "other" + eci


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="QR image encoders, for ADR 0001.")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=0.2)
    parser.add_argument("--vector", default="emvco-spec-b7", help="id of the payload to time")
    args = parser.parse_args(argv)
    vectors = qr_vectors()
    payload = next(v["payload"] for v in vectors if v["id"] == args.vector)
    samples = [v["payload"] for v in vectors if not v["payload"].isascii()]
    samples += TEXT_SAMPLES
    print(f"payload {args.vector}: {len(payload)} chars, {len(payload.encode())} UTF-8 bytes")
    print(f"{'candidate':42} {'matrices/s':>17} {'PNG/s':>15} {'version':>7}  UTF-8, no ECI")
    with one_core():
        for candidate in CANDIDATES:
            _print_candidate(candidate, payload, samples, args.repeats, args.seconds)


def _print_candidate(
    candidate: Candidate, payload: str, samples: Sequence[str], repeats: int, seconds: float
) -> None:
    matrices = measure(
        lambda: candidate.matrix(payload),
        ops_per_run=1,
        repeats=repeats,
        seconds_per_repeat=seconds,
    )
    pngs = measure(
        lambda: candidate.png(payload), ops_per_run=1, repeats=repeats, seconds_per_repeat=seconds
    )
    extra = _read(candidate.png(payload)).extra
    assert isinstance(extra, dict)
    version = extra["Version"]
    written = [_written_as(candidate, s) for s in samples]
    wrong = [f"{s[:12]!r}: {w}" for s, w in zip(samples, written, strict=True) if w != "UTF-8"]
    print(
        f"{candidate.name:42} {matrices.best_ops_per_s:>7,.0f} /{matrices.median_ops_per_s:>7,.0f}"
        f"  {pngs.best_ops_per_s:>6,.0f} /{pngs.median_ops_per_s:>6,.0f} {version:>7}"
        f"  {len(samples) - len(wrong)}/{len(samples)} {'; '.join(wrong)}"
    )


if __name__ == "__main__":
    main()
