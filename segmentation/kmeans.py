"""The k-means engine: k-means++ starts and Lloyd iterations through scikit-learn's kernels.

The ONLY module of the project that touches scikit-learn's private names. They are imported
plainly: a scikit-learn without them fails here, loudly, at import (tests/test_kmeans.py
names the missing kernel), never by falling back to a slower path that hides the change.
pyproject.toml declares the scikit-learn range these kernels were tested with.

Everything here returns what ``sklearn.cluster.KMeans`` would (tests/test_kmeans.py compares
labels, centres and inertia with the real KMeans); what it saves is KMeans's per-fit checks
and copies, paid once per sweep instead of once per k and start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from sklearn import config_context
from sklearn.cluster import KMeans, kmeans_plusplus
from sklearn.cluster._kmeans import _is_same_clustering, _kmeans_single_lloyd
from sklearn.cluster._kmeans import _tolerance as _sklearn_tolerance
from sklearn.utils.extmath import row_norms

from segmentation.sample import sample_rows

#: Up to this many customers every fit uses all rows and 10 k-means++ starts: small data
#: is where a single start depends on row order.
SMALL_DATA = 5_000
#: Above SMALL_DATA, k-means++ starts are compared on a fixed-seed sample this large, and
#: the best is refined by Lloyd iterations on all rows.
FIT_SAMPLE = 10_000
#: Starts per k on that sample: the fewest that reach the full-data inertia of ten starts
#: on all rows (benchmarks/README.md, decisions).
SAMPLE_STARTS = 2
#: Convergence tolerance of the sample fits (KMeans's default is 1e-4): they only score
#: each k and give starting centres, and the fit of the chosen k then runs on every row to
#: the default tolerance (benchmarks/README.md, decisions).
SAMPLE_TOL = 3e-3


def sweep_rows(matrix: np.ndarray, random_state: int) -> np.ndarray:
    """The rows whose fits decide the starting centres of every k: all rows of small data,
    else a fixed-seed sample of FIT_SAMPLE rows (the same rows for every k).

    Examples
    --------
    >>> import numpy as np
    >>> sweep_rows(np.zeros((100, 2)), 42).shape
    (100, 2)
    >>> sweep_rows(np.zeros((FIT_SAMPLE * 2, 2)), 42).shape == (FIT_SAMPLE, 2)
    True
    """
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
    all rows of small data, else SAMPLE_STARTS starts to SAMPLE_TOL. Each k gives the same
    labels, centres and inertia as that KMeans. `fit` may run on several threads at once.

    Examples
    --------
    >>> import numpy as np
    >>> rows = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> best = StartSearch(rows, 42).fit(2)
    >>> sorted(np.bincount(best.labels).tolist()), round(best.inertia, 3)
    ([2, 2], 0.01)
    """

    def __init__(
        self,
        rows: np.ndarray,
        random_state: int,
        *,
        n_init: int | None = None,
        tol: float | None = None,
    ):
        self.rows = rows
        self.random_state = random_state
        small = len(rows) <= SMALL_DATA
        # Given, they repeat a fit of other data on these rows (a bootstrap resample
        # refitted as the app fitted the whole table: segmentation.stability).
        self.n_init = n_init if n_init is not None else 10 if small else SAMPLE_STARTS
        self.tol = tol if tol is not None else 1e-4 if small else SAMPLE_TOL
        centred = np.array(rows, dtype=float, order="C")
        self._mean = centred.mean(axis=0)  # KMeans centres the rows for precision
        centred -= self._mean
        self._centred = centred
        self._norms = row_norms(centred, squared=True)
        self._weights = np.ones(len(centred))
        self._tolerance = _sklearn_tolerance(centred, self.tol)

    def fit(self, k: int) -> Start:
        """The best start for `k` segments (see the class's example)."""
        random_state = np.random.RandomState(self.random_state)  # one stream for all starts
        best = None
        for _ in range(self.n_init):
            centres = self._seed(k, random_state)
            labels, inertia, centres, n_iter = _kmeans_single_lloyd(
                self._centred, self._weights, centres, tol=self._tolerance, n_threads=1
            )
            # As KMeans: a better inertia counts only when the clustering differs.
            if best is None or (
                inertia < best.inertia and not _is_same_clustering(labels, best.labels, k)
            ):
                best = Start(centres, labels, float(inertia), n_iter)
        return replace(best, centres=best.centres + self._mean)

    def _seed(self, k: int, random_state: np.random.RandomState) -> np.ndarray:
        """k-means++ centres (scikit-learn's public `kmeans_plusplus`) on the centred rows."""
        # The rows are prepared features, already finite: checking them again in each of
        # the sweep's starts would cost about as much as the seeding itself on small data.
        with config_context(skip_parameter_validation=True, assume_finite=True):
            centres, _ = kmeans_plusplus(
                self._centred,
                k,
                x_squared_norms=self._norms,
                sample_weight=self._weights,
                random_state=random_state,
            )
        return centres


def fit_kmeans(
    matrix: np.ndarray, k: int, random_state: int, start: np.ndarray | None = None
) -> KMeans:
    """KMeans on every row of `matrix`; large data starts from the sample's best centres.

    `start` (k x features, scaled) gives those centres when they are already known - the
    sweep of `evaluate_prepared` found exactly the ones `StartSearch` would - so moving
    the k slider does not search for them again. The labels are the same either way.

    Examples
    --------
    >>> import numpy as np
    >>> matrix = np.array([[0.0], [0.2], [10.0], [10.2], [10.4]])
    >>> km = fit_kmeans(matrix, 2, 42)
    >>> sorted(np.bincount(km.labels_).tolist()), km.predict([[9.0]]).tolist() == [km.labels_[2]]
    ([2, 3], True)
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

    That preparation (a copy of the matrix, centring it, the variance for the tolerance)
    costs more at a million customers than the few iterations a fit from the sweep's
    centres needs. The returned KMeans is fitted (``predict`` works) and carries the labels,
    inertia and iterations of this run.

    Examples
    --------
    >>> import numpy as np
    >>> km = lloyd(np.array([[0.0], [1.0], [9.0], [11.0]]), np.array([[0.0], [8.0]]))
    >>> km.cluster_centers_.ravel().tolist(), km.labels_.tolist(), float(km.inertia_)
    ([0.5, 10.0], [0, 0, 1, 1], 2.5)
    """
    return _fitted_kmeans(refine(matrix, start), random_state)


def refine(matrix: np.ndarray, start: np.ndarray) -> Start:
    """The Lloyd iterations of `lloyd` as a `Start` (centres, labels, inertia,
    iterations), without building an estimator: on a few thousand rows a fitted KMeans
    costs more than the iterations themselves.

    Examples
    --------
    >>> import numpy as np
    >>> found = refine(np.array([[0.0], [1.0], [9.0], [11.0]]), np.array([[0.0], [8.0]]))
    >>> found.centres.ravel().tolist(), found.labels.tolist(), found.inertia
    ([0.5, 10.0], [0, 0, 1, 1], 2.5)
    """
    start = np.array(start, dtype=float, order="C")
    matrix = np.ascontiguousarray(matrix, dtype=float)
    labels, inertia, centres, n_iter = _kmeans_single_lloyd(
        matrix, np.ones(len(matrix)), start, tol=_tolerance(matrix), n_threads=1
    )
    return Start(centres, labels, float(inertia), n_iter)


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
