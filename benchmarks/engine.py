"""The k-means engine's choices against scikit-learn's own way, one table.

    python benchmarks/engine.py              # best of 5, numeric libraries on one thread
    python benchmarks/engine.py --repeat 9

Rows: k-means++ seeding of a sweep (private kernel, public ``kmeans_plusplus``, public
without re-validating the rows); the final fit at 1M from the sweep's centres (``KMeans``
against ``segmentation.kmeans.lloyd``); Calinski-Harabasz + Davies-Bouldin for k = 2..10
(scikit-learn's scores against ``segmentation.metrics.separation_scores``). The results of
each pair are equal (tests/test_kmeans.py, tests/test_metrics.py); only time differs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import sklearn
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.cluster._kmeans import _kmeans_plusplus
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import best_of  # noqa: E402

from segmentation.kmeans import FIT_SAMPLE, SAMPLE_STARTS, StartSearch, lloyd  # noqa: E402
from segmentation.metrics import separation_scores  # noqa: E402

K_VALUES = range(2, 11)


def seeding(rows: np.ndarray, starts: int, how: str) -> Callable[[], None]:
    """Every k-means++ start of a sweep over K_VALUES on `rows` (centred, as KMeans does)."""
    centred = rows - rows.mean(axis=0)
    norms = np.einsum("ij,ij->i", centred, centred)
    weights = np.ones(len(centred))

    def run() -> None:
        for k in K_VALUES:
            random_state = np.random.RandomState(42)
            for _ in range(starts):
                if how == "private":
                    _kmeans_plusplus(centred, k, norms, weights, random_state)
                elif how == "public":
                    kmeans_plusplus(
                        centred, k, x_squared_norms=norms, sample_weight=weights,
                        random_state=random_state,
                    )
                else:
                    with sklearn.config_context(skip_parameter_validation=True, assume_finite=True):
                        kmeans_plusplus(
                            centred, k, x_squared_norms=norms, sample_weight=weights,
                            random_state=random_state,
                        )

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    sample = rng.normal(size=(FIT_SAMPLE, 6)) + rng.integers(0, 4, FIT_SAMPLE)[:, None] * 2.0
    small = rng.normal(size=(300, 2)) + rng.integers(0, 5, 300)[:, None] * 3.0
    full = rng.normal(size=(1_000_000, 6)) + rng.integers(0, 4, 1_000_000)[:, None] * 2.0
    start = StartSearch(full[:FIT_SAMPLE], 42).fit(5).centres
    labels = {k: StartSearch(sample, 42).fit(k).labels for k in K_VALUES}
    rows = [
        ("seeding, 1M sweep (10,000 rows, 2 starts x k 2..10)", [
            ("private _kmeans_plusplus", seeding(sample, SAMPLE_STARTS, "private")),
            ("public kmeans_plusplus", seeding(sample, SAMPLE_STARTS, "public")),
            ("public, rows checked once", seeding(sample, SAMPLE_STARTS, "skip")),
        ]),
        ("seeding, small data (300 rows, 10 starts x k 2..10)", [
            ("private _kmeans_plusplus", seeding(small, 10, "private")),
            ("public kmeans_plusplus", seeding(small, 10, "public")),
            ("public, rows checked once", seeding(small, 10, "skip")),
        ]),
        ("final fit, 1M x 6 from the sweep's centres (k=5)", [
            ("KMeans(init=start, n_init=1)", lambda: KMeans(5, init=start, n_init=1).fit(full)),
            ("kmeans.lloyd", lambda: lloyd(full, start)),
        ]),
        ("CH + DB scores, 10,000 rows, k 2..10", [
            ("sklearn calinski_harabasz + davies_bouldin", lambda: [
                (calinski_harabasz_score(sample, lab), davies_bouldin_score(sample, lab))
                for lab in labels.values()
            ]),
            ("metrics.separation_scores", lambda: [
                separation_scores(sample, lab) for lab in labels.values()
            ]),
        ]),
    ]
    print(f"load average {os.getloadavg()[0]:.2f}; best of {args.repeat}; one thread")
    print(f"{'what':<52} {'how':<44} {'seconds':>8} {'ratio':>6}")
    with threadpool_limits(1):
        for what, ways in rows:
            first = None
            for how, fn in ways:
                seconds = best_of(fn, args.repeat)
                first = first or seconds
                print(f"{what:<52} {how:<44} {seconds:8.4f} {seconds / first:6.2f}")


if __name__ == "__main__":
    main()
