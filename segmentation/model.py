"""Fitting KMeans segments with stable numbering and centres in original units."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline
from threadpoolctl import ThreadpoolController

try:  # scikit-learn's KMeans kernels, private: requirements.txt pins the version they are in
    from sklearn.cluster._kmeans import (
        _is_same_clustering,
        _kmeans_plusplus,
        _kmeans_single_lloyd,
    )
    from sklearn.cluster._kmeans import _tolerance as _sklearn_tolerance
    from sklearn.utils.extmath import row_norms
except ImportError:  # pragma: no cover - `StartSearch` and `lloyd` use the public KMeans
    _kmeans_single_lloyd = None

from segmentation.errors import SettingsError
from segmentation.prepare import Preparation, PreparedFeatures, prepare_features

#: Up to this many customers every fit uses all rows and 10 k-means++ starts: small data
#: is where a single start depends on row order.
SMALL_DATA = 5_000
#: Above SMALL_DATA, k-means++ starts are compared on a fixed-seed sample this large, and
#: the best is refined by Lloyd iterations on all rows.
FIT_SAMPLE = 10_000
#: Starts per k on that sample. Two gave the same full-data inertia as three (and as ten on
#: all rows, see benchmarks/) for a third less sweep time; one start did not (+1.5% at k=5).
SAMPLE_STARTS = 2
#: Convergence tolerance of those sample fits (KMeans's default is 1e-4). They only score
#: each k and give the starting centres; the fit of the chosen k then runs on every row to
#: the default tolerance. At 3e-3 the sweep took 0.20 s instead of 0.33 s at 100k, with the
#: same recommended k and full-data inertia within 1e-5 (benchmarks/ checks both).
SAMPLE_TOL = 3e-3
#: Silhouette is O(n^2): above this many customers it is computed on a fixed-seed sample.
#: 2,000 halved the cost but recommended k=3 where a full-data sweep says k=4 (the
#: benchmark data, silhouettes 0.379 and 0.381 at 3,000 rows): 3,000 it stays.
SILHOUETTE_SAMPLE = 3_000
#: Rows of silhouette distances computed at a time (3,000 x 512 float32: 6 MB per thread).
SILHOUETTE_BLOCK = 512
#: Threads for work that splits into independent parts (the fits of a k sweep, blocks of
#: silhouette distances), each running its numeric libraries on one thread: the machine
#: has 2 cores.
WORKERS = 2


@dataclass(frozen=True)
class Segmentation:
    """A fitted segmentation. Segments are numbered 0..k-1 inside, 1..k for people.

    Numbering is stable: segment 0 is the largest, ties broken by the centre, so the same
    data and settings always give the same numbers.

    Attributes
    ----------
    k : int
    settings : Preparation
        Features, scaler, missing policy and transforms the fit used.
    labels : numpy.ndarray
        One int per input row: the segment 0..k-1, or -1 when the customer was not clustered.
    reasons : numpy.ndarray
        One string per input row: "" when clustered, else why not.
    centres : pandas.DataFrame
        k rows (index 0..k-1), one column per feature, in original units.
    sizes : tuple of int
        Customers per segment, descending.
    inertia : float
        Sum of squared distances to the centres, in scaled units, over all clustered rows.
    silhouette : float or None
        Mean silhouette (-1..1; higher is better separated); None when undefined.
    silhouette_sample : int or None
        Rows the silhouette was computed on when sampled; None when on all rows.
    pipeline : sklearn.pipeline.Pipeline
        Preparation + KMeans; ``predict`` on new rows of the same features gives segments.
    random_state : int
    """

    k: int
    settings: Preparation
    labels: np.ndarray
    reasons: np.ndarray
    centres: pd.DataFrame
    sizes: tuple[int, ...]
    inertia: float
    silhouette: float | None
    silhouette_sample: int | None
    pipeline: Pipeline
    random_state: int

    @property
    def features(self) -> tuple[str, ...]:
        """The columns clustered on."""
        return self.settings.features

    @property
    def n_assigned(self) -> int:
        """Customers that received a segment."""
        return int(sum(self.sizes))


@functools.cache
def _threadpools() -> ThreadpoolController:
    # Found once: each threadpool_limits() call searches the loaded libraries again
    # (~7 ms, and ~50 ms of file-system lookups the first time).
    return ThreadpoolController()


def one_thread():
    """Run numeric work on one thread (a context manager).

    The app serves several sessions on a 2-core machine: with OpenMP/BLAS threads per fit,
    concurrent fits oversubscribe the cores and small fits were measured running up to 10x
    slower than on one thread (see benchmarks/).
    """
    return _threadpools().limit(limits=1)


def check_k(k: int, n_customers: int) -> int:
    """Validate `k` for `n_customers` clustered customers and return it as int."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise SettingsError(f"k={k!r} must be a whole number of segments.")
    if n_customers < 3:
        raise SettingsError(
            f"{n_customers} customers can be clustered with these settings; segmenting needs "
            "at least 3. Choose features with fewer missing values or upload more customers."
        )
    if not 2 <= k <= n_customers - 1:
        raise SettingsError(
            f"k={k} must be between 2 and {n_customers - 1} for {n_customers} customers: "
            "choose a k in that range."
        )
    return int(k)


#: Above this many customers distinct rows are not counted (sorting them is slow, and they
#: outnumber any sensible k); an empty segment is still caught after the fit.
COUNT_DISTINCT_MAX = 50_000


def count_distinct(matrix: np.ndarray) -> int:
    """Distinct customers (rows) of `matrix`; all rows are taken as distinct above
    COUNT_DISTINCT_MAX."""
    if len(matrix) > COUNT_DISTINCT_MAX:
        return len(matrix)
    return len(np.unique(matrix, axis=0))


def check_distinct(matrix: np.ndarray, k: int) -> None:
    """Refuse a k larger than the number of distinct customers (identical rows)."""
    distinct = count_distinct(matrix)
    if distinct < 2:
        raise SettingsError(
            "Every customer is identical in these features, so no k can split them: "
            "add features that tell customers apart."
        )
    if distinct < k:
        raise SettingsError(
            f"k={k} is more than the {distinct} distinct customers in these features: "
            f"choose k between 2 and {distinct} or add features that tell customers apart."
        )


def sample_rows(n: int, size: int, random_state: int) -> np.ndarray:
    """Sorted positions of a fixed-seed sample of `size` of `n` rows (all rows if n <= size)."""
    if n <= size:
        return np.arange(n)
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(n, size=size, replace=False))


def sweep_rows(matrix: np.ndarray, random_state: int) -> np.ndarray:
    """The rows whose fits decide the starting centres of every k: all rows of small data,
    else a fixed-seed sample of FIT_SAMPLE rows (the same rows for every k)."""
    n = len(matrix)
    if n <= SMALL_DATA:
        return matrix
    return matrix[sample_rows(n, FIT_SAMPLE, random_state)]


@dataclass(frozen=True)
class Start:
    """The best of a few k-means++ starts, each refined by Lloyd iterations, on the sweep rows.

    Attributes
    ----------
    centres : numpy.ndarray
        k x features, scaled units: where the fit on every row starts.
    labels : numpy.ndarray
        One segment (0..k-1) per sweep row.
    inertia : float
        Sum of squared distances to the centres over the sweep rows.
    n_iter : int
        Lloyd iterations of the best start.
    """

    centres: np.ndarray
    labels: np.ndarray
    inertia: float
    n_iter: int


class StartSearch:
    """``KMeans(k, n_init, tol, random_state).fit(rows)`` for every k of a sweep, sharing
    what each fit would prepare again: the centred copy of the rows, their norms and the
    convergence tolerance.

    `rows` are the `sweep_rows` of the data: 10 starts to KMeans's tolerance when they are
    all rows of small data, else SAMPLE_STARTS starts to SAMPLE_TOL. The starts and Lloyd
    iterations are scikit-learn's own kernels, so each k gives the same labels, centres and
    inertia as that KMeans (a test checks it); its per-fit checks and copies were a quarter
    of the sweep's fitting time. `fit` may run on several threads at once.
    """

    def __init__(self, rows: np.ndarray, random_state: int):
        self.rows = rows
        self.random_state = random_state
        small = len(rows) <= SMALL_DATA
        self.n_init = 10 if small else SAMPLE_STARTS
        self.tol = 1e-4 if small else SAMPLE_TOL
        if _kmeans_single_lloyd is not None:
            centred = np.array(rows, dtype=float, order="C")
            self._mean = centred.mean(axis=0)  # KMeans centres the rows for precision
            centred -= self._mean
            self._centred = centred
            self._norms = row_norms(centred, squared=True)
            self._weights = np.ones(len(centred))
            self._tolerance = _sklearn_tolerance(centred, self.tol)

    def fit(self, k: int) -> Start:
        """The best start for `k` segments."""
        if _kmeans_single_lloyd is None:  # a scikit-learn without the kernels: the public way
            km = KMeans(k, n_init=self.n_init, tol=self.tol, random_state=self.random_state)
            km.fit(self.rows)
            return Start(km.cluster_centers_, km.labels_, float(km.inertia_), km.n_iter_)
        random_state = np.random.RandomState(self.random_state)  # one stream for all starts
        best = None
        for _ in range(self.n_init):
            centres, _ = _kmeans_plusplus(
                self._centred,
                k,
                x_squared_norms=self._norms,
                sample_weight=self._weights,
                random_state=random_state,
            )
            labels, inertia, centres, n_iter = _kmeans_single_lloyd(
                self._centred, self._weights, centres, tol=self._tolerance, n_threads=1
            )
            # As KMeans: a better inertia counts only when the clustering differs.
            if best is None or (
                inertia < best.inertia and not _is_same_clustering(labels, best.labels, k)
            ):
                best = Start(centres, labels, float(inertia), n_iter)
        return replace(best, centres=best.centres + self._mean)


def fit_kmeans(
    matrix: np.ndarray, k: int, random_state: int, start: np.ndarray | None = None
) -> KMeans:
    """KMeans on every row of `matrix`; large data starts from the sample's best centres.

    `start` (k x features, scaled) gives those centres when they are already known - the
    sweep of `evaluate_prepared` found exactly the ones `StartSearch` would - so moving
    the k slider does not search for them again. The labels are the same either way.
    """
    if start is None:
        found = StartSearch(sweep_rows(matrix, random_state), random_state).fit(k)
        if len(matrix) <= SMALL_DATA:  # the search ran on every row: it is the fit
            return _fitted_kmeans(found, random_state)
        start = found.centres
    return lloyd(matrix, start, random_state=random_state)


def lloyd(matrix: np.ndarray, start: np.ndarray, *, random_state: int = 42) -> KMeans:
    """Lloyd iterations on every row of `matrix` from the centres `start`: the result of
    ``KMeans(k, init=start, n_init=1).fit(matrix)``, without its per-fit preparation.

    At a million customers that preparation (a copy of the matrix, centring it, the
    variance for the tolerance) took longer than the two to four iterations a fit from the
    sweep's centres needs. The iterations are scikit-learn's own; the returned KMeans is
    fitted (``predict`` works) and carries the labels, inertia and iterations of this run.
    """
    start = np.array(start, dtype=float, order="C")
    k = len(start)
    if _kmeans_single_lloyd is None:  # a scikit-learn without the kernel: the public way
        return KMeans(k, init=start, n_init=1, random_state=random_state).fit(matrix)
    matrix = np.ascontiguousarray(matrix, dtype=float)
    labels, inertia, centres, n_iter = _kmeans_single_lloyd(
        matrix, np.ones(len(matrix)), start, tol=_tolerance(matrix), n_threads=1
    )
    return _fitted_kmeans(Start(centres, labels, float(inertia), n_iter), random_state)


def _fitted_kmeans(result: Start, random_state: int) -> KMeans:
    """A fitted KMeans (``predict`` works) carrying `result`'s centres, labels, inertia and
    iterations: a KMeans fitted on the k centres themselves is a complete estimator whose
    centres are exactly these; it then takes the labels and inertia of the real run."""
    centres = result.centres
    km = KMeans(len(centres), init=centres, n_init=1, max_iter=1, random_state=random_state)
    km.fit(centres)
    km.cluster_centers_ = centres
    km.labels_ = result.labels
    km.inertia_ = result.inertia
    km.n_iter_ = result.n_iter
    return km


def _tolerance(matrix: np.ndarray, tol: float = 1e-4) -> float:
    """KMeans's default convergence tolerance: `tol` times the mean feature variance
    (sums through BLAS: numpy's column reductions are slow on a tall C-ordered matrix)."""
    n = len(matrix)
    mean = (np.ones(n) @ matrix) / n
    variance = np.einsum("ij,ij->j", matrix, matrix) / n - mean**2
    return float(np.mean(np.maximum(variance, 0.0)) * tol)


def silhouettes(
    matrix: np.ndarray, label_sets: Sequence[np.ndarray], random_state: int
) -> tuple[list[float | None], int | None]:
    """Mean silhouette of each labelling of `matrix`, sharing one pass over the distances.

    Silhouette is O(n^2): above SILHOUETTE_SAMPLE rows it is computed on a fixed-seed
    sample (the same rows for every labelling, so scores of different k compare fairly).
    Distances are computed in row blocks and each block serves every labelling, so a sweep
    over k costs little more than one score. Equals sklearn's ``silhouette_score``.

    Returns the scores (None where a labelling has fewer than 2 segments or every row its
    own segment) and the sample size (None when all rows were used).
    """
    n = len(matrix)
    idx = sample_rows(n, SILHOUETTE_SAMPLE, random_state)
    # float32: the distance passes are memory-bound, and half the bytes made them 2.5x
    # faster; the scores move by about 1e-6, far below the sampling error (~0.004).
    points = np.ascontiguousarray(matrix[idx], dtype=np.float32)
    m = len(points)
    codes = [np.unique(np.asarray(labels)[idx], return_inverse=True)[1] for labels in label_sets]
    widths = [int(c.max()) + 1 for c in codes]
    offsets = np.concatenate([[0], np.cumsum(widths)]).astype(int)
    # Every labelling's one-hot matrix side by side: each block of distances is multiplied
    # once for all of them (one large matrix product instead of one per k).
    onehot = np.zeros((m, offsets[-1]), dtype=np.float32)
    for c, offset in zip(codes, offsets):
        onehot[np.arange(m), offset + c] = 1.0
    sums = np.empty((m, offsets[-1]))
    # |x - y|^2 = |x|^2 + |y|^2 - 2 x.y as ONE matrix product of augmented rows
    # [x, |x|^2, 1] . [-2y, 1, |y|^2]: the separate additions cost more than the product.
    norms = np.einsum("ij,ij->i", points, points)[:, None]
    ones = np.ones_like(norms)
    left = np.hstack([points, norms, ones])
    right = np.ascontiguousarray(np.hstack([-2.0 * points, ones, norms]).T)
    starts = range(0, m, SILHOUETTE_BLOCK)
    shares = [starts[i::WORKERS] for i in range(min(WORKERS, len(starts)))]
    # One buffer per thread, reused block after block (fresh memory is slow here), and
    # allocated by this thread: memory a worker thread allocates stays in its own arena.
    buffers = [np.empty((min(m, SILHOUETTE_BLOCK), m), dtype=np.float32) for _ in shares]

    def distance_sums(mine: range, buffer: np.ndarray) -> None:
        # One thread per share of the row blocks, BLAS on one thread each: these numpy
        # passes release the GIL, and two threads halved the time on 2 cores.
        with one_thread():
            for start in mine:
                stop = min(start + SILHOUETTE_BLOCK, m)
                block = buffer[: stop - start]
                np.matmul(left[start:stop], right, out=block)
                np.maximum(block, 0.0, out=block)
                np.sqrt(block, out=block)
                block[np.arange(stop - start), np.arange(start, stop)] = 0.0  # self-distance
                sums[start:stop] = block @ onehot

    if len(shares) == 1:
        distance_sums(shares[0], buffers[0])
    else:
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            list(pool.map(distance_sums, shares, buffers))
    totals = [sums[:, offset : offset + w] for offset, w in zip(offsets, widths)]
    scores: list[float | None] = []
    for c, total in zip(codes, totals):
        counts = np.bincount(c)
        if len(counts) < 2 or len(counts) >= m:
            scores.append(None)
            continue
        own = counts[c]
        a = total[np.arange(m), c] / np.maximum(own - 1, 1)
        mean_other = total / counts
        mean_other[np.arange(m), c] = np.inf
        b = mean_other.min(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            s = (b - a) / np.maximum(a, b)
        # A customer alone in its segment scores 0, as in Rousseeuw's definition.
        s = np.where(own > 1, np.nan_to_num(s), 0.0)
        scores.append(float(s.mean()))
    return scores, (m if m < n else None)


def _stable_order(centres: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Old segment numbers in their new order: largest first, ties by centre coordinates."""
    sizes = np.bincount(labels, minlength=k)
    keys = [tuple(centres[:, j]) for j in range(centres.shape[1] - 1, -1, -1)]
    # np.lexsort sorts by the last key first: size (descending) decides, centres break ties.
    return np.lexsort([*keys, -sizes]) if keys else np.argsort(-sizes, kind="stable")


def fit_prepared(
    prepared: PreparedFeatures,
    k: int,
    *,
    random_state: int = 42,
    start: np.ndarray | None = None,
) -> Segmentation:
    """Fit `k` segments on already prepared features (see `fit_segments`).

    Parameters
    ----------
    prepared : PreparedFeatures
    k : int
    random_state : int, default 42
    start : numpy.ndarray, optional
        Starting centres (k x features, scaled) from a sweep of the same prepared features
        and random_state: ``KChoice.start_centres[k]``. Saves the search for them.
    """
    matrix = prepared.matrix
    k = check_k(k, len(matrix))
    check_distinct(matrix, k)
    if start is not None and np.shape(start) != (k, matrix.shape[1]):
        raise SettingsError(
            f"start has shape {np.shape(start)}: it must be ({k}, {matrix.shape[1]}), "
            "one row per segment and one column per feature."
        )
    with one_thread():
        km = fit_kmeans(matrix, k, random_state, start)
    order = _stable_order(km.cluster_centers_, km.labels_, k)
    remap = np.empty(k, dtype=np.int64)
    remap[order] = np.arange(k)
    # Renumber the fitted model itself so that pipeline.predict speaks our numbering.
    km.cluster_centers_ = km.cluster_centers_[order]
    km.labels_ = remap[km.labels_]
    sizes = np.bincount(km.labels_, minlength=k)
    if (sizes == 0).any():
        raise SettingsError(
            f"k={k} left a segment empty: there are fewer distinct customers than segments. "
            "Choose a smaller k or add features that tell customers apart."
        )
    labels = np.full(prepared.n_input, -1, dtype=np.int64)
    labels[prepared.rows] = km.labels_
    settings = prepared.settings
    centres = pd.DataFrame(
        prepared.transformer.inverse_transform(km.cluster_centers_),
        columns=list(settings.features),
    )
    with one_thread():
        (score,), sample = silhouettes(matrix, [km.labels_], random_state)
    return Segmentation(
        k=k,
        settings=settings,
        labels=labels,
        reasons=prepared.reasons,
        centres=centres,
        sizes=tuple(int(s) for s in sizes),
        inertia=float(km.inertia_),
        silhouette=score,
        silhouette_sample=sample,
        pipeline=Pipeline([("prepare", prepared.transformer), ("kmeans", km)]),
        random_state=random_state,
    )


def fit_segments(
    df: pd.DataFrame,
    features: Sequence[str],
    k: int,
    *,
    scaler: str = "standard",
    missing: str = "drop",
    log_features: Sequence[str] = (),
    clip: tuple[float, float] | None = None,
    random_state: int = 42,
) -> Segmentation:
    """Segment the customers of `df` into `k` groups with KMeans on scaled `features`.

    Parameters
    ----------
    df : pandas.DataFrame
        The customer table (`CustomerData.frame`), one row per customer.
    features : sequence of str
        Numeric columns to cluster on.
    k : int
        Number of segments, between 2 and (clustered customers - 1).
    scaler : {"standard", "minmax", "robust", "none"}, default "standard"
    missing : {"drop", "median"}, default "drop"
        With "drop", customers missing a feature get no segment (label -1) and a reason.
    log_features : sequence of str
        Features to transform with log1p before scaling.
    clip : (lower, upper) percentiles, optional
        Clip outliers of every feature at these percentiles before scaling.
    random_state : int, default 42
        Same data and settings give the same labels.

    Returns
    -------
    Segmentation

    Raises
    ------
    SettingsError
        k, features, scaler or transforms not allowed for this data.
    DataError
        No customer left to cluster.

    Examples
    --------
    >>> from segmentation import make_sample_customers
    >>> customers = make_sample_customers(1000)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 4)
    >>> seg.k, sum(seg.sizes)
    (4, 1000)
    """
    prepared = prepare_features(
        df, features, scaler=scaler, missing=missing, log_features=log_features, clip=clip
    )
    return fit_prepared(prepared, k, random_state=random_state)
