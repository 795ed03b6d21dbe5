"""QR images: payloads rendered to PNG and SVG with zint, read back with zxing-cpp.

A payload is written as its UTF-8 bytes with no ECI, the form EMVCo scanners expect; zint
still packs runs of digits and upper-case letters in numeric and alphanumeric segments,
which every ISO/IEC 18004 reader decodes. Why zint: ``docs/adr/0001-qr-image-encoder.md``.

Images sit on the checkout path, so a ``QrImageRenderer`` keeps rendered images in a
bounded LRU keyed by payload and options; ``render_png`` and ``render_svg`` share one.
``read_image`` goes the other way (an uploaded image, ``qrpay qr decode --image``), with
limits on the bytes and pixels it accepts.
"""

from __future__ import annotations

import functools
import io
from typing import Final

import numpy as np
import numpy.typing as npt
import zint
import zxingcpp
from PIL import Image

from qrpay.domain.errors import QrImageError, QrImageReason

SCALE_MIN: Final = 1
SCALE_MAX: Final = 32
"""Pixels per module in a PNG (and the SVG's width and height per module)."""
QUIET_ZONE_MODULES_MIN: Final = 0
QUIET_ZONE_MODULES_MAX: Final = 16
EC_LEVELS: Final = ("L", "M", "Q", "H")
PAYLOAD_BYTES_MAX: Final = 7089
"""A version 40 code holds at most 7,089 digits; no payload longer than that can fit."""
IMAGE_CACHE_ENTRIES_MAX: Final = 256
"""Rendered images of each kind kept per renderer. The largest (version 40, scale 32) take
about 30 KB as PNG and 130 KB as SVG, so both caches full hold under about 41 MB."""
IMAGE_BYTES_MAX: Final = 10 * 1024 * 1024
IMAGE_PIXELS_MAX: Final = 50_000_000
"""A 48-megapixel phone photo passes; anything larger is refused before it is decoded."""
IMAGE_FORMATS: Final = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
"""Formats ``read_image`` opens; Pillow's other parsers stay out of reach of uploads."""

_ZINT_EC_OPTIONS: Final = {"L": 1, "M": 2, "Q": 3, "H": 4}
# zint's DATA input mode (bytes as given, no ECI) is its zero member, which its stubs omit.
_ZINT_INPUT_MODE_DATA: Final = zint.InputMode(0)
_NO_ECI_IDENTIFIER: Final = "]Q1"
_QR_FORMATS: Final = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
_SVG_TEMPLATE: Final = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="{size_px}" height="{size_px}"'
    ' viewBox="0 0 {size} {size}" shape-rendering="crispEdges">'
    '<rect width="{size}" height="{size}" fill="#fff"/>'
    '<path fill="#000" d="{path}"/></svg>'
)

Modules = npt.NDArray[np.bool_]
"""A QR symbol without quiet zone, row by row; True is a dark module."""


class QrImageRenderer:
    """Renders PNG and SVG images, keeping the last ``image_cache_entries_max`` of each.

    ``image_cache_entries_max=0`` turns the cache off. Safe to share between threads.
    """

    def __init__(self, *, image_cache_entries_max: int = IMAGE_CACHE_ENTRIES_MAX) -> None:
        if image_cache_entries_max < 0:
            raise ValueError(f"image_cache_entries_max is {image_cache_entries_max}, not >= 0")
        self.image_cache_entries_max = image_cache_entries_max
        self._png = functools.lru_cache(maxsize=image_cache_entries_max)(_render_png)
        self._svg = functools.lru_cache(maxsize=image_cache_entries_max)(_render_svg)

    def png(
        self, payload: str, *, scale: int = 8, ec_level: str = "M", quiet_zone_modules: int = 4
    ) -> bytes:
        _check_options(scale, ec_level, quiet_zone_modules)
        return self._png(payload, scale, ec_level, quiet_zone_modules)

    def svg(
        self, payload: str, *, scale: int = 8, ec_level: str = "M", quiet_zone_modules: int = 4
    ) -> str:
        _check_options(scale, ec_level, quiet_zone_modules)
        return self._svg(payload, scale, ec_level, quiet_zone_modules)

    def cache_entries(self) -> int:
        """Images held now, PNG and SVG together."""
        return self._png.cache_info().currsize + self._svg.cache_info().currsize

    def cache_clear(self) -> None:
        self._png.cache_clear()
        self._svg.cache_clear()


def render_png(
    payload: str, *, scale: int = 8, ec_level: str = "M", quiet_zone_modules: int = 4
) -> bytes:
    """A 1-bit PNG of ``payload``, ``scale`` pixels per module, cached."""
    return _RENDERER.png(
        payload, scale=scale, ec_level=ec_level, quiet_zone_modules=quiet_zone_modules
    )


def render_svg(
    payload: str, *, scale: int = 8, ec_level: str = "M", quiet_zone_modules: int = 4
) -> str:
    """A self-contained SVG of ``payload``: one path of dark modules on white, cached."""
    return _RENDERER.svg(
        payload, scale=scale, ec_level=ec_level, quiet_zone_modules=quiet_zone_modules
    )


def module_matrix(payload: str, *, ec_level: str = "M") -> Modules:
    """The symbol's modules, without quiet zone: byte mode UTF-8, no ECI."""
    _check_ec_level(ec_level)
    data = _payload_bytes(payload, ec_level)
    symbol = zint.Symbol()
    symbol.symbology = zint.Symbology.QRCODE
    symbol.input_mode = _ZINT_INPUT_MODE_DATA
    symbol.option_1 = _ZINT_EC_OPTIONS[ec_level]
    try:
        symbol.encode(data)
    except RuntimeError as exc:
        # With the version left to zint, input too long is the only way a QR encode fails.
        if "too long" not in str(exc).lower():
            raise
        raise _too_large(len(data), ec_level, str(exc)) from exc
    rows = np.asarray(symbol.encoded_data)[: symbol.rows]
    modules = np.unpackbits(rows, axis=1, bitorder="little")[:, : symbol.width].astype(np.bool_)
    return _checked_symbol(modules)


def read_image(
    data: bytes,
    *,
    image_bytes_max: int = IMAGE_BYTES_MAX,
    image_pixels_max: int = IMAGE_PIXELS_MAX,
) -> list[str]:
    """The text of every QR code in an image (PNG, JPEG, GIF, BMP or WebP).

    A code without an ECI is read as UTF-8, as EMVCo specifies, rather than by the
    decoder's guess at its character set.
    """
    if len(data) > image_bytes_max:
        raise QrImageError(
            QrImageReason.IMAGE_TOO_LARGE,
            f"the image has {len(data)} bytes, more than {image_bytes_max}",
        )
    pixels = _grayscale_pixels(data, image_pixels_max)
    barcodes = zxingcpp.read_barcodes(pixels, formats=_QR_FORMATS)
    texts = [_barcode_text(barcode) for barcode in barcodes if barcode.valid]
    if not texts:
        raise QrImageError(QrImageReason.UNREADABLE, "no QR code found in the image")
    return texts


def modules_png(modules: Modules, *, scale: int = 8, quiet_zone_modules: int = 4) -> bytes:
    """A 1-bit PNG of a module matrix (True is dark), with its quiet zone added."""
    _check_layout(scale, quiet_zone_modules)
    light = np.pad(~modules, quiet_zone_modules, mode="constant", constant_values=True)
    size_px = light.shape[0] * scale
    image = Image.fromarray(light).resize((size_px, size_px), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _render_png(payload: str, scale: int, ec_level: str, quiet_zone_modules: int) -> bytes:
    modules = module_matrix(payload, ec_level=ec_level)
    return modules_png(modules, scale=scale, quiet_zone_modules=quiet_zone_modules)


def _render_svg(payload: str, scale: int, ec_level: str, quiet_zone_modules: int) -> str:
    modules = module_matrix(payload, ec_level=ec_level)
    size = modules.shape[0] + 2 * quiet_zone_modules
    path = "".join(
        f"M{x + quiet_zone_modules} {y + quiet_zone_modules}h{n}v1h-{n}z"
        for y, x, n in _dark_runs(modules)
    )
    return _SVG_TEMPLATE.format(size=size, size_px=size * scale, path=path)


def _dark_runs(modules: Modules) -> list[tuple[int, int, int]]:
    """Each horizontal run of dark modules as (row, first column, length), row by row."""
    edges = np.diff(np.pad(modules, ((0, 0), (1, 1))).astype(np.int8), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, stops = np.nonzero(edges == -1)
    return list(zip(rows.tolist(), starts.tolist(), (stops - starts).tolist(), strict=True))


def _check_options(scale: int, ec_level: str, quiet_zone_modules: int) -> None:
    _check_layout(scale, quiet_zone_modules)
    _check_ec_level(ec_level)


def _check_layout(scale: int, quiet_zone_modules: int) -> None:
    if not SCALE_MIN <= scale <= SCALE_MAX:
        raise _out_of_range(f"scale is {scale}; expected {SCALE_MIN} to {SCALE_MAX}")
    if not QUIET_ZONE_MODULES_MIN <= quiet_zone_modules <= QUIET_ZONE_MODULES_MAX:
        raise _out_of_range(
            f"quiet_zone_modules is {quiet_zone_modules}; "
            f"expected {QUIET_ZONE_MODULES_MIN} to {QUIET_ZONE_MODULES_MAX}"
        )


def _check_ec_level(ec_level: str) -> None:
    if ec_level not in _ZINT_EC_OPTIONS:
        raise _out_of_range(f"ec_level is {ec_level!r}; expected one of {', '.join(EC_LEVELS)}")


def _out_of_range(message: str) -> QrImageError:
    return QrImageError(QrImageReason.OPTION_OUT_OF_RANGE, message)


def _too_large(payload_bytes: int, ec_level: str, detail: str) -> QrImageError:
    return QrImageError(
        QrImageReason.TOO_LARGE,
        f"a payload of {payload_bytes} bytes does not fit a QR code at error correction"
        f" level {ec_level} ({detail})",
    )


def _payload_bytes(payload: str, ec_level: str) -> bytes:
    if not payload:
        raise QrImageError(QrImageReason.PAYLOAD_EMPTY, "the payload is empty")
    try:
        data = payload.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise QrImageError(
            QrImageReason.PAYLOAD_NOT_UTF8,
            f"the payload has no UTF-8 form: {exc.reason} at position {exc.start}",
        ) from exc
    if len(data) > PAYLOAD_BYTES_MAX:
        raise _too_large(len(data), ec_level, f"no code holds more than {PAYLOAD_BYTES_MAX}")
    return data


def _checked_symbol(modules: Modules) -> Modules:
    rows, columns = modules.shape
    # Versions 1 to 40 are squares of 21 to 177 modules, in steps of 4.
    if rows != columns or not 21 <= rows <= 177 or (rows - 17) % 4:
        raise AssertionError(f"zint returned a {rows}x{columns} symbol, not a QR code")
    return modules


def _grayscale_pixels(data: bytes, image_pixels_max: int) -> npt.NDArray[np.uint8]:
    # Pillow checks its own pixel limit while opening: past it it warns (an exception where
    # warnings are errors), past twice it raises. Ours is lower and checked right after.
    # Its parsers raise many types on hostile input; each means the upload is unreadable.
    try:
        image = Image.open(io.BytesIO(data), formats=IMAGE_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise QrImageError(QrImageReason.IMAGE_TOO_LARGE, f"the image is too large: {exc}") from exc
    except Exception as exc:
        raise QrImageError(QrImageReason.UNREADABLE, f"the data is not an image: {exc}") from exc
    with image:
        width_px, height_px = image.size
        if width_px * height_px > image_pixels_max:
            raise QrImageError(
                QrImageReason.IMAGE_TOO_LARGE,
                f"the image has {width_px}x{height_px} pixels, more than {image_pixels_max}",
            )
        try:
            grayscale = image.convert("L")
        except Exception as exc:
            raise QrImageError(QrImageReason.UNREADABLE, f"the image is damaged: {exc}") from exc
    return np.asarray(grayscale)


def _barcode_text(barcode: zxingcpp.Barcode) -> str:
    if barcode.symbology_identifier == _NO_ECI_IDENTIFIER:
        try:
            return barcode.bytes.decode("utf-8")
        except UnicodeDecodeError:
            pass
    return barcode.text


# Built last: it wraps the private renderers defined above.
_RENDERER: Final = QrImageRenderer()
