"""Bootstrap stability per segment, as ``clusterboot`` in R's fpc package measures it.

A segment is *stable* when it comes back if the customers are resampled and the segments
are fitted again: draw customers with replacement, refit with the settings of the original
fit, match each original segment to its most similar new segment by the Jaccard similarity
of their members (customers in both / customers in either), and average that best match
over the resamples. 1 means the segment came back whole every time; a segment that an
arbitrary cut made (a round group halved at a random angle) scores low.

Words follow fpc's documentation: at least 0.85 "highly stable", 0.75 to 0.85 "stable",
0.6 to 0.75 "doubtful", below 0.6 "unstable".

Large tables are resampled from a fixed sample of `STABILITY_SAMPLE` customers. The sample
is chosen by a hash of each customer's (scaled) values, not by row position, and put in
the order of that hash, so the same customers in any row order give the same numbers.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import SettingsError
from segmentation.kmeans import SAMPLE_STARTS, SAMPLE_TOL, SMALL_DATA, StartSearch, refine
from segmentation.model import Segmentation
from segmentation.prepare import PreparedFeatures
from segmentation.threads import WORKERS, one_thread

#: Resamples per stability estimate. fpc's default is 100; the mean Jaccard settles well
#: before (benchmarks/trust.py prints it against the count, benchmarks/README.md the choice).
STABILITY_RESAMPLES = 50
#: Customers resampled: all of a smaller table, else a fixed sample this large.
STABILITY_SAMPLE = 2_000
#: Lower bounds of fpc's words, highest first.
STABILITY_WORDS = ((0.85, "highly stable"), (0.75, "stable"), (0.6, "doubtful"))
#: Below every bound of STABILITY_WORDS.
UNSTABLE = "unstable"
#: A segment with fewer members than this in the resampled customers is not measured.
MIN_MEMBERS = 3
#: fpc's "dissolved": a resample whose best match has a Jaccard similarity at most this.
DISSOLVED = 0.5
#: Odd 64-bit constants of the row hash (splitmix64's).
_MIX = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


@dataclass(frozen=True)
class Stability:
    """How often each segment comes back when customers are resampled.

    Attributes
    ----------
    stability : tuple of float or None
        Per segment 0..k-1, the mean best Jaccard similarity over the resamples, in [0, 1];
        None when the segment has fewer than MIN_MEMBERS customers among those resampled.
    words : tuple of str
        Per segment, fpc's word for its stability ("highly stable", "stable", "doubtful",
        "unstable"), or "not measured".
    dissolved : tuple of int
        Per segment, resamples in which it broke up (best Jaccard at most 0.5).
    resamples : int
    sample_size : int
        Customers resampled (the whole table, or the fixed sample of a large one).
    starts : int
        k-means++ starts of each refit: those of the original fit.
    """

    stability: tuple[float | None, ...]
    words: tuple[str, ...]
    dissolved: tuple[int, ...]
    resamples: int
    sample_size: int
    starts: int

    def table(self) -> pd.DataFrame:
        """One row per segment (index 1..k): stability, word and resamples dissolved."""
        return pd.DataFrame(
            {
                "stability": [np.nan if s is None else s for s in self.stability],
                "stability_word": list(self.words),
                "dissolved": list(self.dissolved),
            },
            index=pd.RangeIndex(1, len(self.stability) + 1, name="segment"),
        )


def stability_word(value: float | None) -> str:
    """fpc's word for a stability value.

    Examples
    --------
    >>> [stability_word(v) for v in (0.9, 0.85, 0.8, 0.7, 0.3, None)]
    ['highly stable', 'highly stable', 'stable', 'doubtful', 'unstable', 'not measured']
    """
    if value is None or not np.isfinite(value):
        return "not measured"
    for bound, word in STABILITY_WORDS:
        if value >= bound:
            return word
    return UNSTABLE


def shown(value: float, decimals: int = 2) -> float:
    """`value` cut (not rounded) to `decimals`, so a shown number never disagrees with its
    word: 0.849 shows as 0.84 "stable", never as 0.85.

    Examples
    --------
    >>> shown(0.849), shown(0.85), shown(0.29), shown(0.8567, 3)
    (0.84, 0.85, 0.29, 0.856)
    """
    scale = 10**decimals
    return math.floor(value * scale + 1e-9) / scale


def row_hashes(matrix: np.ndarray, random_state: int = 42) -> np.ndarray:
    """A 64-bit hash per row of `matrix`, from its values alone (not its position).

    Values are rounded to float32 first: preparing the same customers in another row order
    can change a scaled value in its last float64 bits (sums in another order), never in
    float32's.

    Examples
    --------
    >>> m = np.array([[1.0, 2.0], [3.0, 4.0], [1.0, 2.0]])
    >>> h = row_hashes(m)
    >>> bool(h[0] == h[2]), bool(h[0] == h[1])
    (True, False)
    """
    bits = np.ascontiguousarray(matrix, dtype=np.float32).view(np.uint32).astype(np.uint64)
    start = (int(random_state) * int(_MIX[0]) + int(_MIX[1])) % 2**64
    h = np.full(len(matrix), start, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(bits.shape[1]):
            h ^= bits[:, j]
            h *= _MIX[0]
            h ^= h >> np.uint64(31)
        h *= _MIX[2]
        h ^= h >> np.uint64(29)
    return h


def stable_sample(matrix: np.ndarray, size: int, random_state: int = 42) -> np.ndarray:
    """Positions of up to `size` rows of `matrix`, chosen and ordered by `row_hashes`.

    The rows with the smallest hashes, in hash order: the same customers in any row order
    give the same rows in the same order. Identical rows share a hash, so which copies are
    taken does not matter.

    Examples
    --------
    >>> m = np.arange(20.0).reshape(10, 2)
    >>> picked = stable_sample(m, 4)
    >>> shuffled = m[::-1]
    >>> bool((m[picked] == shuffled[stable_sample(shuffled, 4)]).all())
    True
    """
    h = row_hashes(matrix, random_state)
    if len(h) > size:
        part = np.argpartition(h, size - 1)[:size]
    else:
        part = np.arange(len(h))
    # Ties are identical rows (or a 2**-64 collision): order them by position, harmless.
    return part[np.argsort(h[part], kind="stable")]


def _fit_settings(n_customers: int) -> tuple[int, float, bool]:
    """(starts, tolerance of the starts, whether the best start is refined) of the app's fit
    of `n_customers`: 10 starts to KMeans's tolerance on small data, else SAMPLE_STARTS
    starts to SAMPLE_TOL refined by Lloyd iterations to KMeans's tolerance."""
    if n_customers <= SMALL_DATA:
        return 10, 1e-4, False
    return SAMPLE_STARTS, SAMPLE_TOL, True


def _refit(rows: np.ndarray, k: int, seed: int, settings: tuple[int, float, bool]) -> np.ndarray:
    """Centres (k x features) of the app's fit of `rows`, seeded with `seed`: the same
    kernels as ``KMeans(k, n_init=starts, tol=tol, random_state=seed)`` (and, for a large
    table, Lloyd iterations to KMeans's tolerance from its best start)."""
    starts, tol, refined = settings
    best = StartSearch(rows, seed, n_init=starts, tol=tol).fit(k)
    return refine(rows, best.centres).centres if refined else best.centres


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """Index of the nearest centre of each point."""
    d2 = (points**2).sum(axis=1)[:, None] - 2.0 * points @ centres.T + (centres**2).sum(axis=1)
    return np.argmin(d2, axis=1)


def best_jaccard(original: np.ndarray, new: np.ndarray, k: int) -> np.ndarray:
    """Per original segment 0..k-1, the largest Jaccard similarity with any new segment
    (NaN for a segment with no member in `original`).

    Examples
    --------
    >>> best_jaccard(np.array([0, 0, 1, 1]), np.array([1, 1, 0, 0]), 2).tolist()
    [1.0, 1.0]
    >>> best_jaccard(np.array([0, 0, 0, 1]), np.array([0, 1, 1, 1]), 2).round(3).tolist()
    [0.5, 0.333]
    """
    counts = np.bincount(original * k + new, minlength=k * k).reshape(k, k).astype(float)
    own = counts.sum(axis=1)[:, None]
    other = counts.sum(axis=0)[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        jaccard = counts / (own + other - counts)
    best = jaccard.max(axis=1)
    best[own[:, 0] == 0] = np.nan
    return best


def _check(prepared: PreparedFeatures, segmentation: Segmentation, resamples, sample_size):
    if len(segmentation.labels) != prepared.n_input or segmentation.features != (
        prepared.settings.features
    ):
        raise SettingsError(
            "The segmentation was not fitted on these prepared features: fit it again "
            "before measuring its stability."
        )
    for name, value, low in (("resamples", resamples, 2), ("sample_size", sample_size, 10)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise SettingsError(f"{name}={value!r} must be a whole number of at least {low}.")


def segment_stability(
    prepared: PreparedFeatures,
    segmentation: Segmentation,
    *,
    resamples: int = STABILITY_RESAMPLES,
    sample_size: int = STABILITY_SAMPLE,
    random_state: int = 42,
) -> Stability:
    """Bootstrap stability of each segment of `segmentation` (fpc's ``clusterboot``).

    Each resample draws `sample_size` customers with replacement from the fixed sample
    (`stable_sample`; every customer when the table is no larger), refits k segments on
    the scaled values with the original fit's starts and tolerances, and gives each
    original segment its best Jaccard similarity with a new segment, over the customers
    drawn. The scaling is the original fit's: the question is whether the segments come
    back, not whether the scaler does.

    Parameters
    ----------
    prepared : PreparedFeatures
        What `segmentation` was fitted on.
    segmentation : Segmentation
    resamples : int, default STABILITY_RESAMPLES
    sample_size : int, default STABILITY_SAMPLE
    random_state : int, default 42
        Seeds the resamples and the refits: the same input gives the same numbers.

    Returns
    -------
    Stability

    Raises
    ------
    SettingsError
        `segmentation` was not fitted on `prepared`, or `resamples` / `sample_size` are
        too small.

    Examples
    --------
    >>> from segmentation import fit_prepared, make_sample_customers, prepare_features
    >>> prepared = prepare_features(make_sample_customers(300), ["annual_income", "spending_score"])
    >>> seg = fit_prepared(prepared, 3)
    >>> result = segment_stability(prepared, seg, resamples=5)
    >>> len(result.stability), result.resamples, result.sample_size, result.starts
    (3, 5, 300, 10)
    """
    _check(prepared, segmentation, resamples, sample_size)
    k, matrix = segmentation.k, prepared.matrix
    picked = stable_sample(matrix, sample_size, random_state)
    points = np.ascontiguousarray(matrix[picked])
    original = np.asarray(segmentation.labels)[prepared.rows][picked]
    m = len(points)
    settings = _fit_settings(len(matrix))
    draws = np.random.default_rng(random_state).integers(0, m, size=(resamples, m))
    seeds = np.random.SeedSequence(random_state).generate_state(resamples)

    def run(share: range) -> list[np.ndarray]:
        # One thread per share of the resamples, numeric libraries on one thread each.
        out = []
        with one_thread():
            for b in share:
                centres = _refit(points[draws[b]], k, int(seeds[b]), settings)
                drawn = np.flatnonzero(np.bincount(draws[b], minlength=m))
                out.append(best_jaccard(original[drawn], _nearest(points[drawn], centres), k))
        return out

    shares = [range(i, resamples, WORKERS) for i in range(min(WORKERS, resamples))]
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        done = list(pool.map(run, shares))
    best = np.empty((resamples, k))
    for share, rows in zip(shares, done):
        best[list(share)] = rows
    members = np.bincount(original, minlength=k)
    values = tuple(
        None if members[s] < MIN_MEMBERS else float(np.nanmean(best[:, s])) for s in range(k)
    )
    return Stability(
        stability=values,
        words=tuple(stability_word(v) for v in values),
        dissolved=tuple(int(np.sum(best[:, s] <= DISSOLVED)) for s in range(k)),
        resamples=int(resamples),
        sample_size=m,
        starts=settings[0],
    )


def with_stability(table: pd.DataFrame, stability: Stability) -> pd.DataFrame:
    """`table` (one row per segment, a ``segment`` column 1..k, as `profile_table`) with
    ``stability`` (cut to 3 decimals by `shown`, blank when not measured) and
    ``stability_word`` after its ``share`` column (or last).

    Examples
    --------
    >>> table = pd.DataFrame({"segment": [1, 2], "name": ["A", "B"], "share": [0.6, 0.4]})
    >>> result = Stability((0.912, 0.55), ("highly stable", "unstable"), (0, 9), 50, 200, 10)
    >>> with_stability(table, result).columns.tolist()
    ['segment', 'name', 'share', 'stability', 'stability_word']
    """
    k = len(stability.stability)
    if len(table) != k:
        raise SettingsError(
            f"The table has {len(table)} segments and the stability {k}: measure the "
            "stability of this segmentation."
        )
    by_segment = stability.table()
    cut = by_segment["stability"].map(lambda v: v if np.isnan(v) else shown(v, 3))
    numbers = cut.reindex(table["segment"]).to_numpy()
    words = by_segment["stability_word"].reindex(table["segment"]).to_numpy()
    out = table.copy()
    at = out.columns.get_loc("share") + 1 if "share" in out.columns else len(out.columns)
    out.insert(at, "stability", numbers)
    out.insert(at + 1, "stability_word", words)
    return out
