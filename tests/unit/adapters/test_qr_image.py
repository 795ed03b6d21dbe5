"""PNG and SVG rendering is scannable, exact and cached; reading refuses what it should."""

from __future__ import annotations

import io
import re
import struct
import zlib
from typing import Any
from xml.etree import ElementTree

import numpy as np
import numpy.typing as npt
import pytest
import zxingcpp
from PIL import Image

from qrpay.adapters import qr_image
from qrpay.adapters.qr_image import QrImageRenderer, read_image, render_png, render_svg
from qrpay.domain.errors import QrImageError, QrImageReason
from qrpay.domain.qr import mpm
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template
from tests.data import qr_vectors

Modules = npt.NDArray[np.bool_]

VALID = [v for v in qr_vectors() if v["valid"]]
_SVG_RUN_RE = re.compile(r"M(\d+) (\d+)h(\d+)v1h-(\d+)z")


def _vietnamese_payload() -> str:
    return mpm.encode(
        MerchantPresentedCode(
            {
                "00": "01",
                "01": "12",
                "38": Template(
                    {
                        "00": "A000000727",
                        "01": Template({"00": "970436", "01": "0011001932418"}),
                        "02": "QRIBFTTA",
                    }
                ),
                "53": "704",
                "54": "79000",
                "58": "VN",
                "59": "QUAN PHO HA NOI",
                "60": "HA NOI",
                "62": Template({"08": "Thanh toán hóa đơn phở bò tái"}),
                "64": Template({"00": "vi", "01": "Quán Phở Hà Nội", "02": "Hà Nội"}),
            }
        )
    )


def _latin1_payload() -> str:
    # Every character fits ISO-8859-1: an encoder that prefers it would write no UTF-8.
    return mpm.encode(
        MerchantPresentedCode(
            {
                "00": "01",
                "26": Template({"00": "br.gov.bcb.pix", "01": "+5511999999999"}),
                "52": "0000",
                "53": "986",
                "54": "10.00",
                "58": "BR",
                "59": "José Conceição",
                "60": "São Paulo",
                "62": Template({"05": "***"}),
            }
        )
    )


NON_ASCII = {
    "emvco-b7-chinese": next(v["payload"] for v in VALID if v["id"] == "emvco-spec-b7"),
    "vietnamese": _vietnamese_payload(),
    "latin1-portuguese": _latin1_payload(),
}
PAYLOADS = {v["id"]: v["payload"] for v in VALID} | NON_ASCII


def _decoded(png: bytes) -> zxingcpp.Barcode:
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    barcodes = zxingcpp.read_barcodes(pixels)
    assert len(barcodes) == 1
    return barcodes[0]


def _png_modules(png: bytes, scale: int) -> Modules:
    """Every module of the image, quiet zone included, after checking each is one colour."""
    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    size_px = pixels.shape[0]
    assert pixels.shape == (size_px, size_px)
    assert size_px % scale == 0
    size = size_px // scale
    blocks = pixels.reshape(size, scale, size, scale)
    assert (blocks.min(axis=(1, 3)) == blocks.max(axis=(1, 3))).all()
    return np.asarray(blocks[:, 0, :, 0] == 0)


def _svg_modules(svg: str, scale: int) -> Modules:
    """Rebuild the module matrix from the SVG's geometry: viewBox, size and path runs."""
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML
    size = int(root.attrib["viewBox"].split()[2])
    assert root.attrib["viewBox"] == f"0 0 {size} {size}"
    assert root.attrib["width"] == root.attrib["height"] == str(size * scale)
    paths = root.findall("{http://www.w3.org/2000/svg}path")
    assert len(paths) == 1
    d = paths[0].attrib["d"]
    runs = [(m, tuple(int(g) for g in m.groups())) for m in _SVG_RUN_RE.finditer(d)]
    assert "".join(m.group(0) for m, _ in runs) == d
    modules = np.zeros((size, size), dtype=np.bool_)
    for _, (x, y, width, back) in runs:
        assert width == back
        assert not modules[y, x : x + width].any()
        modules[y, x : x + width] = True
    return modules


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_png_decodes_to_the_payloads_utf8_bytes_without_eci(payload: str) -> None:
    barcode = _decoded(render_png(payload))

    assert barcode.format == zxingcpp.BarcodeFormat.QRCode
    assert barcode.bytes == payload.encode("utf-8")
    assert barcode.text == payload
    assert barcode.symbology_identifier == "]Q1"  # model 2, no ECI
    assert barcode.ec_level == "M"


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_svg_draws_the_same_modules_as_the_png(payload: str) -> None:
    png_modules = _png_modules(render_png(payload, scale=3), scale=3)
    svg_modules = _svg_modules(render_svg(payload, scale=3), scale=3)

    assert svg_modules.shape == png_modules.shape
    assert (svg_modules == png_modules).all()


@pytest.mark.parametrize("payload", NON_ASCII.values(), ids=NON_ASCII.keys())
def test_read_image_returns_non_ascii_payloads_exactly(payload: str) -> None:
    assert read_image(render_png(payload)) == [payload]


@pytest.mark.parametrize("quiet_zone_modules", [0, 4, 16])
def test_quiet_zone_is_that_many_white_modules(quiet_zone_modules: int) -> None:
    payload = PAYLOADS["emvco-b7-chinese"]
    q = quiet_zone_modules

    for modules in (
        _png_modules(render_png(payload, scale=2, quiet_zone_modules=q), scale=2),
        _svg_modules(render_svg(payload, scale=2, quiet_zone_modules=q), scale=2),
    ):
        size = modules.shape[0]
        inner = np.zeros_like(modules)
        inner[q : size - q, q : size - q] = True
        assert not modules[~inner].any()
        # The finder pattern's corner is the first dark module inside the quiet zone.
        assert modules[q, q]
        assert modules[size - q - 1, q]


def test_default_quiet_zone_is_4_modules_and_scale_8_pixels() -> None:
    payload = PAYLOADS["promptpay-phone-static"]
    pixels = np.asarray(Image.open(io.BytesIO(render_png(payload))).convert("L"))
    symbol_modules = qr_image.module_matrix(payload).shape[0]

    assert pixels.shape[0] == (symbol_modules + 2 * 4) * 8
    assert (pixels[: 4 * 8] == 255).all()
    assert (pixels[4 * 8, 4 * 8 : 5 * 8] == 0).all()


@pytest.mark.parametrize("ec_level", ["L", "M", "Q", "H"])
def test_decoder_reports_the_requested_error_correction_level(ec_level: str) -> None:
    payload = PAYLOADS["pix-bcb-manual-static"]

    barcode = _decoded(render_png(payload, ec_level=ec_level))

    assert barcode.ec_level == ec_level
    assert barcode.text == payload


def test_higher_error_correction_needs_a_larger_symbol() -> None:
    payload = PAYLOADS["sgqr-grab-dash-nets"]
    sizes = [qr_image.module_matrix(payload, ec_level=ec).shape[0] for ec in "LMQH"]

    assert sizes == sorted(sizes)
    assert sizes[0] < sizes[-1]


def test_cache_returns_the_same_bytes_as_a_fresh_render() -> None:
    payload = PAYLOADS["qris-dynamic-fixed-fee"]
    renderer = QrImageRenderer(image_cache_entries_max=4)
    uncached = QrImageRenderer(image_cache_entries_max=0)

    first = renderer.png(payload)
    second = renderer.png(payload)

    assert second is first
    assert uncached.png(payload) == first
    assert renderer.svg(payload) is renderer.svg(payload)
    assert uncached.svg(payload) == renderer.svg(payload)


def test_cache_keys_on_options_as_well_as_payload() -> None:
    payload = PAYLOADS["qris-dynamic-fixed-fee"]
    renderer = QrImageRenderer(image_cache_entries_max=4)

    small = renderer.png(payload, scale=2)
    large = renderer.png(payload, scale=4)

    assert small != large
    assert renderer.cache_entries() == 2


def test_cache_is_bounded_and_evicts_the_least_recently_used() -> None:
    payloads = [PAYLOADS["pix-bcb-manual-static"], PAYLOADS["fps-mobile-odoo"]]
    payloads.append(PAYLOADS["promptpay-phone-static"])
    renderer = QrImageRenderer(image_cache_entries_max=2)

    oldest = renderer.png(payloads[0])
    for payload in payloads[1:]:
        renderer.png(payload)

    assert renderer.cache_entries() == 2
    again = renderer.png(payloads[0])
    assert again is not oldest
    assert again == oldest


def test_cache_of_zero_entries_keeps_nothing() -> None:
    renderer = QrImageRenderer(image_cache_entries_max=0)

    renderer.png(PAYLOADS["fps-mobile-odoo"])
    renderer.svg(PAYLOADS["fps-mobile-odoo"])

    assert renderer.cache_entries() == 0


def test_negative_cache_size_is_a_programmer_error() -> None:
    with pytest.raises(ValueError, match="image_cache_entries_max"):
        QrImageRenderer(image_cache_entries_max=-1)


def test_svg_is_self_contained() -> None:
    svg = render_svg(PAYLOADS["emvco-b7-chinese"])
    root = ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted XML

    assert [child.tag.split("}")[1] for child in root] == ["rect", "path"]
    assert root.findall("{http://www.w3.org/2000/svg}rect")[0].attrib["fill"] == "#fff"
    assert "href" not in svg
    assert "url(" not in svg
    assert "<image" not in svg


@pytest.mark.parametrize(
    "options",
    [
        {"scale": 0},
        {"scale": 33},
        {"quiet_zone_modules": -1},
        {"quiet_zone_modules": 17},
        {"ec_level": "X"},
        {"ec_level": "m"},
        {"ec_level": ""},
    ],
    ids=str,
)
def test_options_out_of_range_are_refused(options: dict[str, Any]) -> None:
    payload = PAYLOADS["fps-mobile-odoo"]

    for render in (render_png, render_svg):
        with pytest.raises(QrImageError) as caught:
            render(payload, **options)
        assert caught.value.code == "qr_image.option_out_of_range"
        assert next(iter(options)) in caught.value.message


def test_payload_beyond_capacity_at_the_level_is_too_large() -> None:
    payload = "a" * 2000  # byte mode: fits level L (2,953 bytes), not level H (1,273)

    assert _decoded(render_png(payload, ec_level="L", scale=1)).text == payload
    with pytest.raises(QrImageError) as caught:
        render_png(payload, ec_level="H")
    assert caught.value.reason is QrImageReason.TOO_LARGE
    assert "level H" in caught.value.message


def test_payload_beyond_any_qr_code_is_too_large() -> None:
    with pytest.raises(QrImageError) as caught:
        render_svg("9" * 7090, ec_level="L")

    assert caught.value.code == "qr_image.too_large"


@pytest.mark.parametrize(
    ("payload", "code"),
    [("", "qr_image.payload_empty"), ("0002\ud80001", "qr_image.payload_not_utf8")],
    ids=["empty", "lone-surrogate"],
)
def test_payload_without_utf8_bytes_is_refused(payload: str, code: str) -> None:
    with pytest.raises(QrImageError) as caught:
        render_png(payload)

    assert caught.value.code == code


def test_read_image_reads_a_jpeg_photo_of_the_code() -> None:
    payload = PAYLOADS["duitnow-rest-n-go"]
    image = Image.open(io.BytesIO(render_png(payload, scale=4))).convert("RGB")
    jpeg = io.BytesIO()
    image.save(jpeg, format="JPEG", quality=70)

    assert read_image(jpeg.getvalue()) == [payload]


def test_read_image_returns_every_code_in_the_image() -> None:
    first, second = PAYLOADS["pix-bcb-manual-static"], PAYLOADS["promptpay-phone-static"]
    left = Image.open(io.BytesIO(render_png(first, scale=4))).convert("L")
    right = Image.open(io.BytesIO(render_png(second, scale=4))).convert("L")
    both = Image.new("L", (left.width + right.width, max(left.height, right.height)), 255)
    both.paste(left, (0, 0))
    both.paste(right, (left.width, 0))
    out = io.BytesIO()
    both.save(out, format="PNG")

    assert sorted(read_image(out.getvalue())) == sorted([first, second])


def _zxing_png(content: str | bytes) -> bytes:
    barcode = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.QRCode)
    out = io.BytesIO()
    Image.fromarray(np.asarray(barcode.to_image(scale=4))).save(out, format="PNG")
    return out.getvalue()


def test_read_image_reads_utf8_where_the_decoder_would_show_binary() -> None:
    # Given bytes, zxing-cpp's encoder marks the code binary; its text is then mojibake.
    payload = PAYLOADS["emvco-b7-chinese"]

    assert read_image(_zxing_png(payload.encode("utf-8"))) == [payload]


def test_read_image_falls_back_to_the_decoders_charset_when_bytes_are_not_utf8() -> None:
    # Given text that fits ISO-8859-1, zxing-cpp's encoder writes it so, without an ECI.
    assert read_image(_zxing_png("São Paulo")) == ["São Paulo"]


def _png(width_px: int, height_px: int) -> bytes:
    """A PNG whose header claims this size, with one tiny data chunk: what a bomb looks like."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width_px, height_px, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an image at all",
        b"\x89PNG\r\n\x1a\n",
        _png(20, 20),
    ],
    ids=["empty", "text", "png-signature-only", "png-without-pixels"],
)
def test_read_image_of_non_images_is_unreadable(data: bytes) -> None:
    with pytest.raises(QrImageError) as caught:
        read_image(data)

    assert caught.value.code == "qr_image.unreadable"


def test_read_image_of_a_truncated_png_is_unreadable() -> None:
    png = render_png(PAYLOADS["fps-mobile-odoo"])

    with pytest.raises(QrImageError) as caught:
        read_image(png[: len(png) // 2])

    assert caught.value.code == "qr_image.unreadable"


def test_read_image_of_an_image_without_a_code_is_unreadable() -> None:
    out = io.BytesIO()
    Image.new("L", (200, 200), 255).save(out, format="PNG")

    with pytest.raises(QrImageError) as caught:
        read_image(out.getvalue())

    assert caught.value.reason is QrImageReason.UNREADABLE


def test_read_image_refuses_formats_outside_its_list() -> None:
    out = io.BytesIO()
    Image.open(io.BytesIO(render_png(PAYLOADS["fps-mobile-odoo"]))).save(out, format="TIFF")

    with pytest.raises(QrImageError) as caught:
        read_image(out.getvalue())

    assert caught.value.code == "qr_image.unreadable"


def test_read_image_refuses_more_bytes_than_its_limit() -> None:
    png = render_png(PAYLOADS["fps-mobile-odoo"])

    assert read_image(png, image_bytes_max=len(png)) == [PAYLOADS["fps-mobile-odoo"]]
    with pytest.raises(QrImageError) as caught:
        read_image(png, image_bytes_max=len(png) - 1)
    assert caught.value.code == "qr_image.image_too_large"


@pytest.mark.parametrize(
    ("data", "image_pixels_max"),
    [
        (_png(101, 100), 100 * 100),
        (_png(10_000, 10_000), qr_image.IMAGE_PIXELS_MAX),  # past Pillow's warning limit
        (_png(30_000, 30_000), qr_image.IMAGE_PIXELS_MAX),  # past Pillow's error limit
    ],
    ids=["past-ours", "past-pillow-warning", "past-pillow-error"],
)
def test_read_image_refuses_decompression_bombs_before_decoding(
    data: bytes, image_pixels_max: int
) -> None:
    with pytest.raises(QrImageError) as caught:
        read_image(data, image_pixels_max=image_pixels_max)

    assert caught.value.code == "qr_image.image_too_large"
