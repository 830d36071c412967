"""The public fit API: `fit_segments` -> `Segmentation`, stable numbering, centres in
original units.

The k-means engine is `segmentation.kmeans`; the scores are `segmentation.metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from segmentation.errors import SettingsError
from segmentation.kmeans import fit_kmeans
from segmentation.metrics import silhouettes
from segmentation.prepare import Preparation, PreparedFeatures, prepare_features
from segmentation.threads import one_thread


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


def check_k(k: int, n_customers: int) -> int:
    """Validate `k` for `n_customers` clustered customers and return it as int.

    Examples
    --------
    >>> check_k(3, 10)
    3
    >>> check_k(12, 10)
    Traceback (most recent call last):
    ...
    segmentation.errors.SettingsError: k=12 must be between 2 and 9 for 10 customers: ...
    """
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
    COUNT_DISTINCT_MAX.

    Examples
    --------
    >>> import numpy as np
    >>> count_distinct(np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 4.0]]))
    2
    """
    if len(matrix) > COUNT_DISTINCT_MAX:
        return len(matrix)
    return len(np.unique(matrix, axis=0))


def check_distinct(matrix: np.ndarray, k: int) -> None:
    """Refuse a k larger than the number of distinct customers (identical rows).

    Examples
    --------
    >>> import numpy as np
    >>> check_distinct(np.array([[1.0], [1.0], [2.0]]), 2)
    >>> check_distinct(np.array([[1.0], [1.0], [2.0]]), 3)
    Traceback (most recent call last):
    ...
    segmentation.errors.SettingsError: k=3 is more than the 2 distinct customers ...
    """
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

    Examples
    --------
    >>> from segmentation import make_sample_customers, prepare_features
    >>> customers = make_sample_customers(300)
    >>> prepared = prepare_features(customers, ["annual_income", "spending_score"])
    >>> seg = fit_prepared(prepared, 4)
    >>> seg.k, seg.n_assigned, list(seg.sizes) == sorted(seg.sizes, reverse=True)
    (4, 300, True)
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
