"""Shared helpers for the benchmarks: data, timing, peak memory per stage, plain-text
tables. Nothing here imports Streamlit; the browser benchmarks share devtools/ with
tests/browser (the app under `streamlit run`, Chromium).
"""

from __future__ import annotations

import resource
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

OUT_DIR = ROOT / "benchmarks" / "out"
DATASETS_DIR = ROOT.parent / "shared" / "datasets"

FEATURES = (
    "annual_income",
    "spending_score",
    "avg_order_value",
    "purchase_frequency",
    "recency_days",
    "tenure_months",
)

NA = "n/a"


#: What made the benchmark's customers (printed with the results).
GENERATOR = "segmentation.sample.make_sample_customers"


def make_customers(n: int, *, random_state: int = 42) -> pd.DataFrame:
    """`n` customers from the core's sample generator (an id and six behaviour columns)."""
    from segmentation.sample import make_sample_customers

    return make_sample_customers(n, random_state=random_state)


def to_csv_file(frame: pd.DataFrame, path: Path) -> int:
    """Write `frame` as a CSV file the way a spreadsheet export would; returns its size."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path.stat().st_size


# ------------------------------------------------------------------------ memory


def _status_mb(key: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


class Memory:
    """Peak RSS of this process, per stage where the OS allows it.

    On Linux, writing 5 to /proc/self/clear_refs resets the peak (VmHWM) to the current
    RSS, so each stage's own peak is measured exactly. Elsewhere the peak is the process
    high-water mark (ru_maxrss), which never goes down.
    """

    def __init__(self) -> None:
        self.per_stage = self._can_reset()
        self.overall = self.peak_mb()

    @staticmethod
    def _can_reset() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")
            return _status_mb("VmHWM") is not None
        except OSError:
            return False

    def current_mb(self) -> float:
        rss = _status_mb("VmRSS")
        return rss if rss is not None else self.peak_mb()

    def peak_mb(self) -> float:
        hwm = _status_mb("VmHWM")
        if hwm is not None:
            return hwm
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / 1024 if sys.platform != "darwin" else kb / 2**20

    def reset(self) -> None:
        """Start a new stage: remember the peak so far, then reset it when possible."""
        self.overall = max(self.overall, self.peak_mb())
        if self.per_stage:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")

    def stage_peak(self) -> float:
        peak = self.peak_mb()
        self.overall = max(self.overall, peak)
        return peak


# ------------------------------------------------------------------------ timing


@dataclass
class Stage:
    """One timed stage: seconds (None = not available), its peak RSS, and a note."""

    name: str
    seconds: float | None = None
    peak_mb: float | None = None
    start_mb: float | None = None
    note: str = ""
    status: str = "ok"  # ok | n/a | error

    def cell(self) -> str:
        if self.status == "ok" and self.seconds is not None:
            return f"{self.seconds:.3f}"
        return NA if self.status == "n/a" else "error"


@dataclass
class Recorder:
    """Runs stages, each timed with time.perf_counter (best of `repeat`)."""

    repeat: int = 1
    memory: Memory = field(default_factory=Memory)
    stages: dict[str, Stage] = field(default_factory=dict)

    def run(self, name: str, fn: Callable[[], Any], *, repeat: int | None = None) -> Any:
        """Time `fn()`; return its result, or None when the stage failed."""
        stage = Stage(name)
        self.stages[name] = stage
        best = None
        result = None
        for _ in range(max(1, repeat or self.repeat)):
            result = None  # drop the previous result before measuring again
            self.memory.reset()
            stage.start_mb = self.memory.current_mb()
            try:
                t0 = time.perf_counter()
                result = fn()
                dt = time.perf_counter() - t0
            except Exception as exc:  # a stage that breaks must not stop the others
                stage.status = "error"
                stage.note = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
                traceback.print_exc(file=sys.stderr)
                return None
            stage.peak_mb = max(stage.peak_mb or 0.0, self.memory.stage_peak())
            best = dt if best is None else min(best, dt)
        stage.seconds = best
        return result

    def skip(self, name: str, why: str) -> None:
        """A stage not measured because one it needs failed."""
        self.stages[name] = Stage(name, status="n/a", note=why)

    def as_dict(self) -> dict[str, dict[str, Any]]:
        return {name: vars(stage).copy() for name, stage in self.stages.items()}


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The shortest of `repeat` timings of `fn()`, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """(seconds, result) of one call."""
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


# ------------------------------------------------------------------------ tables


def fmt_seconds(value: float | None) -> str:
    return NA if value is None else f"{value:.3f}"


def fmt_mb(value: float | None) -> str:
    return NA if value is None else f"{value:.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, title: str = "") -> str:
    """An aligned plain-text table: first column left-aligned, the others right-aligned."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def line(row: Sequence[str]) -> str:
        parts = [
            row[i].ljust(widths[i]) if i == 0 else row[i].rjust(widths[i]) for i in range(len(row))
        ]
        return "  ".join(parts).rstrip()

    out = [title] if title else []
    out.append(line(cells[0]))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(r) for r in cells[1:])
    return "\n".join(out)


# -------------------------------------------------------------------- reference quality


def silhouettes_on_sample(
    matrix: np.ndarray, label_sets: Sequence[np.ndarray], idx: np.ndarray
) -> list[float]:
    """Mean silhouette of each labelling on the rows `idx`, one pass over the distances.

    Same value as ``sklearn.metrics.silhouette_score(matrix[idx], labels[idx])`` for each
    labelling (checked in the README's self-test), but the O(m^2) distances are computed
    once for all k instead of once per k.
    """
    from sklearn.metrics import euclidean_distances

    points = matrix[idx]
    m = len(points)
    codes = [np.unique(np.asarray(labels)[idx], return_inverse=True)[1] for labels in label_sets]
    sums = [np.zeros((m, c.max() + 1)) for c in codes]
    onehots = [np.eye(c.max() + 1)[c] for c in codes]
    block = 2048
    for start in range(0, m, block):
        dist = euclidean_distances(points[start : start + block], points)
        for total, onehot in zip(sums, onehots):
            total[start : start + block] = dist @ onehot
    scores = []
    rows = np.arange(m)
    for c, total in zip(codes, sums):
        counts = np.bincount(c)
        if len(counts) < 2:
            scores.append(float("nan"))
            continue
        own = counts[c]
        a = total[rows, c] / np.maximum(own - 1, 1)
        other = total / counts
        other[rows, c] = np.inf
        b = other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        scores.append(float(np.where(own > 1, np.nan_to_num(s), 0.0).mean()))
    return scores
