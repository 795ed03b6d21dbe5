"""Best-of-N and median throughput with ``time.perf_counter``, pinned to one core.

The machines these run on are noisy VMs: the best repeat says what the code can do, the
median what it usually does. Both are reported. As ``timeit`` does, the garbage collector
is off while a repeat runs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

CALIBRATION_ITERATIONS_MAX = 1 << 20
"""Calibration doubles the iterations until a repeat lasts long enough; it stops here."""


@dataclass(frozen=True, slots=True)
class Rate:
    """Operations per second of one measured operation."""

    best_ops_per_s: float
    median_ops_per_s: float
    ops_per_repeat: int
    repeats: int

    def as_dict(self) -> dict[str, float | int]:
        return {
            "best_ops_per_s": round(self.best_ops_per_s, 1),
            "median_ops_per_s": round(self.median_ops_per_s, 1),
            "ops_per_repeat": self.ops_per_repeat,
            "repeats": self.repeats,
        }


@contextlib.contextmanager
def one_core() -> Iterator[int | None]:
    """Run on one CPU (the first allowed), then give the process its CPUs back.

    Yields the CPU, or None where the platform cannot pin.
    """
    if not hasattr(os, "sched_setaffinity"):
        yield None
        return
    allowed = os.sched_getaffinity(0)
    cpu = min(allowed)
    os.sched_setaffinity(0, {cpu})
    try:
        yield cpu
    finally:
        os.sched_setaffinity(0, allowed)


def measure(
    run: Callable[[], object],
    *,
    ops_per_run: int,
    repeats: int,
    seconds_per_repeat: float,
    iterations: int | None = None,
) -> Rate:
    """Time ``run`` (which does ``ops_per_run`` operations): ``repeats`` repeats, each of
    ``iterations`` calls or, if None, as many calls as fill ``seconds_per_repeat``."""
    assert ops_per_run > 0
    assert repeats > 0
    run()  # warm caches and lazy imports outside the timed repeats
    calls = iterations if iterations is not None else _calibrate(run, seconds_per_repeat)
    rates = [calls * ops_per_run / _timed(run, calls) for _ in range(repeats)]
    return Rate(max(rates), statistics.median(rates), calls * ops_per_run, repeats)


def _calibrate(run: Callable[[], object], seconds_per_repeat: float) -> int:
    calls = 1
    while calls < CALIBRATION_ITERATIONS_MAX and _timed(run, calls) < seconds_per_repeat:
        calls *= 2
    return calls


def _timed(run: Callable[[], object], calls: int) -> float:
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            run()
        return time.perf_counter() - start
    finally:
        if gc_was_enabled:
            gc.enable()
