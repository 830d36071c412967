"""Can the segments be trusted: what stability, margins and the k -> k+1 Sankey cost, and
whether the stability numbers have settled at the resample count and sample size chosen.

    python benchmarks/trust.py                       # 100k and 1M customers
    python benchmarks/trust.py --sizes 100000        # quick look
    python benchmarks/trust.py --no-settle           # timings only

Tables go to stdout. Three of them:

1. Extra server time per size, as the app calls the core (`ui/cached.py`): margins of every
   customer, stability (STABILITY_RESAMPLES refits on a fixed sample of STABILITY_SAMPLE
   customers, two threads), and the Sankey's extra work (fits at k - 1 and k + 1 from the
   sweep's centres, their profiles, the counts and the figure). Beside them, the classic way
   a notebook would do it: distances from ``KMeans.transform`` for the margins, and
   bootstrap refits ``KMeans(k, n_init=10)`` on every row (one refit timed, times the
   resample count).
2. Stability against the resample count: for 5 seeds, how far each segment's value at a
   count still is from its value at 400 resamples (the same first draws), and the values.
3. Stability against the sample size, at the chosen resample count: the spread over 5
   seeds (each its own sample and resamples), the mean stability and the time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
from common import FEATURES, make_customers, table
from sklearn.cluster import KMeans

from segmentation import charts, evaluate_prepared, fit_prepared, prepare_features
from segmentation.margins import segment_margins
from segmentation.profile import profile_segments
from segmentation.stability import STABILITY_RESAMPLES, STABILITY_SAMPLE, segment_stability
from segmentation.threads import one_thread
from segmentation.transitions import segment_transitions

SEEDS = (42, 1, 2, 3, 4)


def best_of(fn, repeat: int = 3):
    """(best wall seconds, result) of `repeat` calls."""
    best, _, result = best_of_cpu(fn, repeat)
    return best, result


def best_of_cpu(fn, repeat: int = 3):
    """(best wall seconds, CPU seconds of that call over all threads, result): on a shared
    machine the wall time grows with the load, the CPU time much less."""
    best, cpu, result = None, None, None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        elapsed, used = time.perf_counter() - t0, time.process_time() - c0
        if best is None or elapsed < best:
            best, cpu = elapsed, used
    return best, cpu, result


def prepared_and_fit(n: int):
    frame = make_customers(n)
    prepared = prepare_features(frame, list(FEATURES))
    choice = evaluate_prepared(prepared)
    k = choice.recommended
    seg = fit_prepared(prepared, k, start=choice.start_centres[k])
    return frame, prepared, choice, k, seg


def sankey_extra(frame, prepared, choice, k, seg):
    """The Sankey's work beyond the fit the page already has: k - 1 and k + 1."""
    segs = []
    for other in (k - 1, k, k + 1):
        if other == k:
            segs.append(seg)
        elif other in choice.k_values:
            fit = fit_prepared(prepared, other, start=choice.start_centres[other])
            profile_segments(frame, fit)
            segs.append(fit)
    chain = [segment_transitions(a, b) for a, b in zip(segs, segs[1:])]
    names = [[f"S{s + 1}" for s in range(s_.k)] for s_ in segs]
    return charts.sankey_figure(chain, names, chosen_k=k).to_json()


def classic_margins(prepared, seg):
    km = seg.pipeline[-1]
    d = km.transform(prepared.matrix)
    d.sort(axis=1)
    return 1 - d[:, 0] / d[:, 1]


def classic_refit(prepared, k):
    rng = np.random.default_rng(0)
    rows = prepared.matrix[rng.integers(0, len(prepared.matrix), len(prepared.matrix))]
    return KMeans(k, n_init=10, random_state=0).fit(rows)


def time_size(n: int) -> list:
    """One row of the timings table."""
    print(f"timing {n:,} customers ...", file=sys.stderr)
    frame, prepared, choice, k, seg = prepared_and_fit(n)
    t_margins, c_margins, _ = best_of_cpu(lambda: segment_margins(prepared, seg))
    t_stability, c_stability, _ = best_of_cpu(lambda: segment_stability(prepared, seg))
    t_sankey, _ = best_of(lambda: sankey_extra(frame, prepared, choice, k, seg), 1)
    t_fit, _ = best_of(lambda: fit_prepared(prepared, k, start=choice.start_centres[k]), 1)
    t_classic_m, _ = best_of(lambda: classic_margins(prepared, seg), 1)
    with one_thread():
        t_refit, _ = best_of(lambda: classic_refit(prepared, k), 1)
    extra = t_margins + t_stability
    return [
        f"{n:,}",
        k,
        f"{t_margins:.3f}",
        f"{t_stability:.3f}",
        f"{extra:.3f}",
        f"{c_margins + c_stability:.3f}",
        f"{t_sankey:.3f}",
        f"{t_fit:.3f}",
        f"{t_classic_m:.3f}",
        f"{t_refit * STABILITY_RESAMPLES:.1f}",
        f"{t_refit * STABILITY_RESAMPLES / t_stability:.0f}x",
    ]


def timings(sizes) -> str:
    rows = [time_size(n) for n in sizes]
    return table(
        [
            "customers",
            "k",
            "margins s",
            "stability s",
            "margins+stability s",
            "their CPU s (2 threads)",
            "sankey k±1 s",
            "(the page's fit s)",
            "classic margins s",
            f"classic bootstrap s ({STABILITY_RESAMPLES} refits)",
            "classic / ours",
        ],
        rows,
        title=(
            f"Extra server time (best of 3; sankey, fit and classic once; load "
            f"{os.getloadavg()[0]:.1f}); stability = {STABILITY_RESAMPLES} resamples of "
            f"{STABILITY_SAMPLE:,} customers"
        ),
    )


def runs(prepared, seg, **kwargs) -> tuple[np.ndarray, float]:
    """(stability per seed of SEEDS x segment, median seconds of one run)."""
    values, seconds = [], []
    for seed in SEEDS:
        t0 = time.perf_counter()
        result = segment_stability(prepared, seg, random_state=seed, **kwargs)
        seconds.append(time.perf_counter() - t0)
        values.append([np.nan if v is None else v for v in result.stability])
    return np.array(values), float(np.median(seconds))


def settle(n: int) -> str:
    print(f"settling on {n:,} customers ...", file=sys.stderr)
    _, prepared, _, k, seg = prepared_and_fit(n)
    counts = (10, 20, 50, 100, 200, 400)
    by_count = {b: runs(prepared, seg, resamples=b) for b in counts}
    reference = by_count[counts[-1]][0]
    rows = []
    for b in counts:
        values, seconds = by_count[b]
        # A seed's first b resamples are the same draws at every count: this is how far
        # its running mean still is from where 400 resamples take it.
        off = np.nanmax(np.abs(values - reference), axis=1)
        rows.append(
            [
                b,
                f"{off.mean():.3f}",
                f"{off.max():.3f}",
                " ".join(f"{v:.3f}" for v in values[0]),
                f"{seconds:.2f}",
            ]
        )
    out = [
        table(
            ["resamples", "mean |s - s400|", "worst |s - s400|", "per segment (seed 42)", "s"],
            rows,
            title=(
                f"Stability against resamples ({n:,} customers, k={k}, sample "
                f"{STABILITY_SAMPLE:,}; |s - s400|: largest gap of a segment to 400 "
                f"resamples, over seeds {SEEDS})"
            ),
        )
    ]
    rows = []
    for size in (500, 1000, 2000, 5000):
        values, seconds = runs(prepared, seg, sample_size=size)
        rows.append(
            [
                f"{size:,}",
                f"{np.nanmax(values.std(axis=0)):.3f}",
                " ".join(f"{v:.3f}" for v in values.mean(axis=0)),
                f"{seconds:.2f}",
            ]
        )
    out.append(
        table(
            ["sample", "largest sd over seeds", "mean per segment", "s"],
            rows,
            title=(
                f"Stability against sample size ({n:,} customers, k={k}, "
                f"{STABILITY_RESAMPLES} resamples; each seed draws another sample)"
            ),
        )
    )
    return "\n\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-settle", action="store_true", help="timings only")
    args = parser.parse_args(argv)
    print(timings(args.sizes))
    if not args.no_settle:
        print()
        print(settle(min(args.sizes)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
