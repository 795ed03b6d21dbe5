"""QR codec and image throughput on one core, beside single-scheme libraries doing the same work.

Decoding and validating merchant-presented codes, generating PromptPay and PIX codes (beside
the ``promptpay`` and ``pypix`` libraries, given the same inputs and checked to give the same
data objects first), rendering PNG and SVG (cache off and cached) and reading PNGs back.
Neither baseline library can parse a code, so decoding has no baseline.

    python benchmarks/qr_codec.py [--repeats 7] [--json results.json] [--profile 15]

Goals (issue): 50,000 MPM decodes and validations per second per core; generation at least
twice as fast as the baseline. The table says whether the run met them; nothing fails.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import platform
import pstats
import random
import statistics
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Final

ROOT: Final = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: make ``benchmarks`` and ``tests`` importable
    sys.path.insert(0, str(ROOT))

from promptpay import qrcode as promptpay_qrcode  # noqa: E402
from pypix.pix import Pix  # noqa: E402
from tests.data import qr_vectors  # noqa: E402

from benchmarks.timing import Rate, measure, one_core  # noqa: E402
from qrpay.adapters.qr_image import QrImageRenderer, read_image  # noqa: E402
from qrpay.domain.errors import QrError  # noqa: E402
from qrpay.domain.qr import mpm, reader  # noqa: E402
from qrpay.domain.qr.mpm import MerchantPresentedCode, Template  # noqa: E402
from qrpay.domain.qr.profiles.promptpay import CREDIT_TRANSFER  # noqa: E402

SEED: Final = 20260101
GENERATED_PER_SCHEME: Final = 100
DECODES_PER_S_GOAL: Final = 50_000
BASELINE_RATIO_GOAL: Final = 2.0
PIX_GUI: Final = "BR.GOV.BCB.PIX"
# pypix writes every txid as "Identificador" + txid (a Bradesco convention), so the same
# content from qrpay carries the same reference.
PYPIX_TXID_PREFIX: Final = "Identificador"
_PIX_NAMES: Final = ("PADARIA SAO JOSE", "Fulano de Tal", "MERCADO CENTRAL", "Loja 42")
_PIX_CITIES: Final = ("SAO PAULO", "BRASILIA", "RIO DE JANEIRO", "BELO HORIZONTE")


@dataclass(frozen=True, slots=True)
class PromptPayOrder:
    target: str
    """A 10-digit mobile number, a 13-digit national id or a 15-digit e-wallet id."""
    amount_minor: int
    """Satang; 0 for a static code."""


@dataclass(frozen=True, slots=True)
class PixOrder:
    key: str
    merchant_name: str
    merchant_city: str
    amount_minor: int
    """Centavos; 0 for a code without an amount."""
    txid: str


@dataclass(frozen=True, slots=True)
class Corpus:
    vectors: list[str]
    """Valid merchant-presented payloads from the test vectors."""
    promptpay_orders: list[PromptPayOrder]
    pix_orders: list[PixOrder]
    pix_orders_skipped: int
    """Orders for which pypix wrote an invalid code (a CRC below 0x1000 loses its zeros)."""
    images: list[str]
    """Every valid vector, whatever its mode: what the image rows render and read."""
    mpm_payloads: list[str]
    """The vectors, then qrpay's PromptPay and PIX codes: what the decode rows read."""


@dataclass(frozen=True, slots=True)
class Row:
    operation: str
    corpus: str
    qrpay: Rate
    baseline_name: str | None = None
    baseline: Rate | None = None

    def as_dict(self) -> dict[str, Any]:
        ours, base = self.qrpay, self.baseline
        return {
            "operation": self.operation,
            "corpus": self.corpus,
            "qrpay": ours.as_dict(),
            "baseline_name": self.baseline_name,
            "baseline": None if base is None else base.as_dict(),
            "ratio_best": None
            if base is None
            else _ratio(ours.best_ops_per_s, base.best_ops_per_s),
            "ratio_median": (
                None if base is None else _ratio(ours.median_ops_per_s, base.median_ops_per_s)
            ),
        }


def qrpay_promptpay(order: PromptPayOrder) -> str:
    """A PromptPay credit-transfer code written by qrpay from the order's inputs."""
    target = order.target
    if len(target) >= 15:
        proxy = ("03", target)
    elif len(target) >= 13:
        proxy = ("02", target)
    else:
        proxy = ("01", "0066" + target[1:])
    objects: dict[str, mpm.Value] = {
        "00": "01",
        "01": "12" if order.amount_minor else "11",
        "29": Template({"00": CREDIT_TRANSFER, proxy[0]: proxy[1]}),
        "53": "764",
        "58": "TH",
    }
    if order.amount_minor:
        objects["54"] = _amount_text(order.amount_minor)
    return mpm.encode(MerchantPresentedCode(objects))


def qrpay_pix(order: PixOrder) -> str:
    """A PIX code written by qrpay from the order's inputs, with pypix's choice of fields."""
    objects: dict[str, mpm.Value] = {
        "00": "01",
        "26": Template({"00": PIX_GUI, "01": order.key}),
        "52": "0000",
        "53": "986",
        "58": "BR",
        "59": order.merchant_name,
        "60": order.merchant_city,
        "62": Template({"05": PYPIX_TXID_PREFIX + order.txid}),
    }
    if order.amount_minor:
        objects["54"] = _amount_text(order.amount_minor)
    return mpm.encode(MerchantPresentedCode(objects))


def baseline_promptpay(order: PromptPayOrder) -> str:
    return str(promptpay_qrcode.generate_payload(order.target, order.amount_minor / 100))


def baseline_pix(order: PixOrder) -> str:
    pix = Pix()
    pix.set_pixkey(order.key)
    pix.set_merchant_name(order.merchant_name)
    pix.set_merchant_city(order.merchant_city)
    if order.amount_minor:
        pix.set_amount(order.amount_minor / 100)
    pix.set_txid(order.txid)
    return str(pix)


BASELINES: Final[dict[str, tuple[str, Callable[[Any], str]]]] = {
    "promptpay": ("promptpay", baseline_promptpay),
    "pix": ("pypix", baseline_pix),
}
"""Per generated scheme: the baseline's package and its generation call."""


def _amount_text(amount_minor: int) -> str:
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def build_corpus(generated_per_scheme: int = GENERATED_PER_SCHEME) -> Corpus:
    rng = random.Random(SEED)
    valid = [v for v in qr_vectors() if v["valid"]]
    promptpay_orders = [_promptpay_order(rng) for _ in range(generated_per_scheme)]
    pix_orders: list[PixOrder] = []
    skipped = 0
    while len(pix_orders) < generated_per_scheme:
        order = _pix_order(rng)
        if _decodes(baseline_pix(order)):
            pix_orders.append(order)
        else:
            skipped += 1
    vectors = [v["payload"] for v in valid if v["mode"] == "mpm"]
    generated = [qrpay_promptpay(o) for o in promptpay_orders]
    generated += [qrpay_pix(o) for o in pix_orders]
    return Corpus(
        vectors=vectors,
        promptpay_orders=promptpay_orders,
        pix_orders=pix_orders,
        pix_orders_skipped=skipped,
        images=[v["payload"] for v in valid],
        mpm_payloads=vectors + generated,
    )


def _promptpay_order(rng: random.Random) -> PromptPayOrder:
    digits = rng.choice((10, 10, 13, 15))  # mobile number (twice as likely), national id, e-wallet
    prefix = "08" if digits == 10 else "1"
    target = prefix + "".join(rng.choices("0123456789", k=digits - len(prefix)))
    amount_minor = rng.choice((0, rng.randrange(100, 500_000)))
    return PromptPayOrder(target, amount_minor)


def _pix_order(rng: random.Random) -> PixOrder:
    kind = rng.randrange(4)
    if kind == 0:
        key = "+55" + "".join(rng.choices("0123456789", k=11))
    elif kind == 1:
        key = f"loja{rng.randrange(10_000)}@example.com.br"
    elif kind == 2:
        key = "".join(rng.choices("0123456789", k=11))
    else:
        key = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    txid = "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", k=rng.randrange(4, 12)))
    return PixOrder(
        key=key,
        merchant_name=rng.choice(_PIX_NAMES),
        merchant_city=rng.choice(_PIX_CITIES),
        amount_minor=rng.choice((0, rng.randrange(100, 1_000_000))),
        txid=txid,
    )


def _decodes(payload: str) -> bool:
    try:
        mpm.decode(payload)
    except QrError:
        return False
    return True


def check_same_content(corpus: Corpus) -> None:
    """Before timing: qrpay and each baseline write the same data objects from each order.

    PIX strings are equal to the letter. The promptpay library writes 58 before 53 (EMVCo
    allows any order), while qrpay writes ids ascending, so PromptPay codes are compared
    object by object after decoding.
    """
    for pix_order in corpus.pix_orders:
        ours, theirs = qrpay_pix(pix_order), baseline_pix(pix_order)
        assert ours == theirs, (ours, theirs)
    for order in corpus.promptpay_orders:
        ours, theirs = qrpay_promptpay(order), baseline_promptpay(order)
        assert len(ours) == len(theirs), (ours, theirs)
        assert mpm.decode(ours).objects == mpm.decode(theirs).objects, (ours, theirs)


def _each(operation: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], None]:
    def run() -> None:
        for item in items:
            operation(item)

    return run


@dataclass(frozen=True, slots=True)
class Settings:
    repeats: int
    seconds_per_repeat: float
    iterations: int | None


def _rate(operation: Callable[[Any], object], items: Sequence[Any], settings: Settings) -> Rate:
    return measure(
        _each(operation, items),
        ops_per_run=len(items),
        repeats=settings.repeats,
        seconds_per_repeat=settings.seconds_per_repeat,
        iterations=settings.iterations,
    )


def codec_rows(corpus: Corpus, settings: Settings) -> list[Row]:
    payloads = corpus.mpm_payloads
    compared = (
        ("generate PromptPay", "promptpay", corpus.promptpay_orders, qrpay_promptpay),
        ("generate PIX", "pix", corpus.pix_orders, qrpay_pix),
    )
    rows = [
        Row("mpm.decode (decode + validate)", "mpm", _rate(mpm.decode, payloads, settings)),
        Row("reader.read (+ scheme profile)", "mpm", _rate(reader.read, payloads, settings)),
    ]
    for operation, name, orders, ours in compared:
        package, theirs = BASELINES[name]
        rows.append(
            Row(
                operation,
                name,
                _rate(ours, orders, settings),
                f"{package} {version(package)}",
                _rate(theirs, orders, settings),
            )
        )
    return rows


def image_rows(corpus: Corpus, settings: Settings) -> list[Row]:
    payloads = corpus.images
    cold = QrImageRenderer(image_cache_entries_max=0)
    warm = QrImageRenderer(image_cache_entries_max=len(payloads))
    pngs = [cold.png(p) for p in payloads]
    return [
        Row("render PNG, cache off", "images", _rate(cold.png, payloads, settings)),
        Row("render PNG, cached", "images", _rate(warm.png, payloads, settings)),
        Row("render SVG, cache off", "images", _rate(cold.svg, payloads, settings)),
        Row("render SVG, cached", "images", _rate(warm.svg, payloads, settings)),
        Row("read_image (PNG, zxing-cpp)", "images", _rate(read_image, pngs, settings)),
    ]


def _sizes(payloads: Sequence[str]) -> dict[str, Any]:
    chars = [len(p) for p in payloads]
    utf8 = [len(p.encode("utf-8")) for p in payloads]
    return {
        "payloads": len(payloads),
        "chars_min": min(chars),
        "chars_median": statistics.median(chars),
        "chars_max": max(chars),
        "utf8_bytes_max": max(utf8),
        "non_ascii_payloads": sum(1 for p in payloads if not p.isascii()),
    }


def _ratio(ours: float, theirs: float) -> float:
    return round(ours / theirs, 2)


def report(corpus: Corpus, rows: list[Row], settings: Settings, cpu: int | None) -> dict[str, Any]:
    decode = next(r for r in rows if r.operation.startswith("mpm.decode"))
    ratios = [r.qrpay.best_ops_per_s / r.baseline.best_ops_per_s for r in rows if r.baseline]
    medians = [r.qrpay.median_ops_per_s / r.baseline.median_ops_per_s for r in rows if r.baseline]
    return {
        "benchmark": "qr_codec",
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "processor": _processor(),
            "pinned_cpu": cpu,
        },
        "settings": {
            "repeats": settings.repeats,
            "seconds_per_repeat": settings.seconds_per_repeat,
            "iterations": settings.iterations,
        },
        "corpus": {
            "mpm": _sizes(corpus.mpm_payloads)
            | {
                "vectors": len(corpus.vectors),
                "promptpay_generated": len(corpus.promptpay_orders),
                "pix_generated": len(corpus.pix_orders),
            },
            "promptpay": _sizes([qrpay_promptpay(o) for o in corpus.promptpay_orders]),
            "pix": _sizes([qrpay_pix(o) for o in corpus.pix_orders]),
            "images": _sizes(corpus.images),
        },
        "baseline_defects": {"pypix_invalid_codes_skipped": corpus.pix_orders_skipped},
        "results": [row.as_dict() for row in rows],
        "goals": {
            "mpm_decodes_per_s_goal": DECODES_PER_S_GOAL,
            "mpm_decodes_per_s_met_best": decode.qrpay.best_ops_per_s >= DECODES_PER_S_GOAL,
            "mpm_decodes_per_s_met_median": decode.qrpay.median_ops_per_s >= DECODES_PER_S_GOAL,
            "baseline_ratio_goal": BASELINE_RATIO_GOAL,
            "baseline_ratio_met_best": all(r >= BASELINE_RATIO_GOAL for r in ratios),
            "baseline_ratio_met_median": all(r >= BASELINE_RATIO_GOAL for r in medians),
        },
    }


def _processor() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor()


def print_table(result: dict[str, Any]) -> None:
    print(
        f"{'operation':34} {'corpus':9} {'qrpay best/median ops/s':>25}  "
        f"{'baseline best/median ops/s':>27}  {'ratio best/median':>17}  baseline"
    )
    for row in result["results"]:
        ours, base = row["qrpay"], row["baseline"]
        theirs = (
            f"{base['best_ops_per_s']:>12,.0f} /{base['median_ops_per_s']:>12,.0f}"
            if base
            else "n/a"
        )
        ratio = f"{row['ratio_best']:.2f}x / {row['ratio_median']:.2f}x" if base else ""
        print(
            f"{row['operation']:34} {row['corpus']:9} "
            f"{ours['best_ops_per_s']:>12,.0f} /{ours['median_ops_per_s']:>10,.0f}  "
            f"{theirs:>27}  {ratio:>17}  {row['baseline_name'] or ''}"
        )
    for name, sizes in result["corpus"].items():
        print(
            f"corpus {name}: {sizes['payloads']} payloads, {sizes['chars_min']}-"
            f"{sizes['chars_max']} chars (median {sizes['chars_median']}), at most "
            f"{sizes['utf8_bytes_max']} UTF-8 bytes, {sizes['non_ascii_payloads']} non-ASCII"
        )
    goals = result["goals"]
    print(
        f"goal >= {goals['mpm_decodes_per_s_goal']:,} decodes/s: "
        f"{_verdict(goals['mpm_decodes_per_s_met_best'], goals['mpm_decodes_per_s_met_median'])}"
    )
    print(
        f"goal >= {goals['baseline_ratio_goal']}x every baseline: "
        f"{_verdict(goals['baseline_ratio_met_best'], goals['baseline_ratio_met_median'])}"
    )
    skipped = result["baseline_defects"]["pypix_invalid_codes_skipped"]
    print(f"pypix wrote {skipped} invalid codes (CRC without its leading zeros); left out")


def _verdict(met_best: bool, met_median: bool) -> str:
    best = "met" if met_best else "NOT met"
    median = "met" if met_median else "NOT met"
    return f"{best} at best, {median} at median"


def print_profile(payloads: Sequence[str], lines: int) -> None:
    """cProfile of ``mpm.decode`` over the corpus, heaviest own time first."""
    profiler = cProfile.Profile()
    run = _each(mpm.decode, payloads)
    profiler.enable()
    for _ in range(200):
        run()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(lines)
    print(out.getvalue())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="QR codec and image throughput on one core, beside promptpay and pypix."
    )
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (default 7)")
    parser.add_argument(
        "--seconds", type=float, default=0.2, help="least duration of one repeat (default 0.2)"
    )
    parser.add_argument(
        "--iterations", type=int, help="passes over the corpus per repeat (default: calibrated)"
    )
    parser.add_argument(
        "--generated", type=int, default=GENERATED_PER_SCHEME, help="codes per generated scheme"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--no-images", action="store_true", help="skip the image rows")
    parser.add_argument(
        "--profile", type=int, metavar="N", help="print the top N of a decode profile"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    settings = Settings(args.repeats, args.seconds, args.iterations)
    corpus = build_corpus(args.generated)
    check_same_content(corpus)
    with one_core() as cpu:
        rows = codec_rows(corpus, settings)
        if not args.no_images:
            rows += image_rows(corpus, settings)
    result = report(corpus, rows, settings, cpu)
    print_table(result)
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if args.profile:
        print_profile(corpus.mpm_payloads, args.profile)
    return result


if __name__ == "__main__":
    main()
