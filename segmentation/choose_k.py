"""Choosing k: quality scores per k, the elbow, and a recommendation in words."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from kneed import KneeLocator

from segmentation.errors import SettingsError
from segmentation.kmeans import Start, StartSearch, sweep_rows
from segmentation.metrics import separation_scores, silhouettes
from segmentation.model import check_k, count_distinct
from segmentation.prepare import PreparedFeatures, prepare_features
from segmentation.threads import WORKERS, one_thread

DEFAULT_K_VALUES = range(2, 11)


@dataclass(frozen=True)
class KScore:
    """Quality of one k.

    Attributes
    ----------
    k : int
    inertia : float
        Within-segment sum of squares in scaled units, for all clustered customers
        (estimated from the sweep sample when the data is large). Lower is tighter.
    silhouette : float or None
        -1..1, higher is better separated.
    calinski_harabasz : float
        Higher is better separated.
    davies_bouldin : float
        Lower is better separated.
    """

    k: int
    inertia: float
    silhouette: float | None
    calinski_harabasz: float
    davies_bouldin: float


@dataclass(frozen=True)
class KChoice:
    """Scores for each k tried, the elbow, and the recommended k.

    Attributes
    ----------
    scores : tuple of KScore
        One per k, ascending k.
    elbow : int or None
        The k where adding segments stops paying off (knee of the inertia curve), or None
        when the curve has no clear elbow.
    recommended : int
        The k with the best silhouette.
    reason : str
        Why, in words a marketer can read.
    n_customers : int
        Customers clustered.
    sweep_sample : int or None
        Rows the sweep was fitted on when the data was sampled; None when all rows were used.
    silhouette_sample : int or None
        Rows each silhouette was computed on when sampled; None when all rows were used.
    start_centres : dict of k -> numpy.ndarray
        The sweep's centres per k (scaled units): ``fit_prepared(..., start=...)`` starts
        from them instead of searching again, with the same result.
    """

    scores: tuple[KScore, ...]
    elbow: int | None
    recommended: int
    reason: str
    n_customers: int
    sweep_sample: int | None
    silhouette_sample: int | None
    start_centres: dict[int, np.ndarray] = field(default_factory=dict, repr=False, compare=False)

    @property
    def k_values(self) -> tuple[int, ...]:
        """The k tried, ascending."""
        return tuple(s.k for s in self.scores)

    def table(self) -> pd.DataFrame:
        """The scores as a table indexed by k."""
        return pd.DataFrame([vars(s) for s in self.scores]).set_index("k")


def find_elbow(k_values: Sequence[int], inertias: Sequence[float]) -> int | None:
    """The knee of a decreasing convex inertia curve (kneed), or None when there is none.

    Examples
    --------
    >>> find_elbow([1, 2, 3, 4, 5, 6], [100, 40, 12, 10, 9, 8])
    3
    >>> find_elbow([2, 3, 4, 5, 6], [50, 40, 30, 20, 10]) is None  # a straight line: no elbow
    True
    """
    if len(k_values) < 3:
        return None

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # kneed warns when it finds no knee; None says so
        knee = KneeLocator(
            list(k_values), list(inertias), curve="convex", direction="decreasing"
        ).elbow
    return None if knee is None else int(knee)


def _reason(best: KScore, elbow: int | None, n_tried: int) -> str:
    """Why `best` is recommended, in a marketer's words (the scores' names in brackets)."""
    if n_tried == 1:
        return f"k={best.k} is the only number of segments these customers allow."
    words = (
        f"k={best.k} separates the segments most clearly (separation {best.silhouette:.2f}, "
        "the silhouette): its customers are closest to their own segment and farthest from "
        "the others."
    )
    if elbow is None:
        return words + " The spread within segments shows no clear elbow."
    if elbow == best.k:
        return words + " It is also where adding segments stops paying off (the elbow)."
    kind = "fewer, broader" if elbow < best.k else "more, finer"
    return words + f" Adding segments stops paying off at k={elbow} (the elbow): {kind} segments."


def evaluate_k(
    df: pd.DataFrame,
    features: Sequence[str],
    k_values: Iterable[int] = DEFAULT_K_VALUES,
    *,
    scaler: str = "standard",
    missing: str = "drop",
    log_features: Sequence[str] = (),
    clip: tuple[float, float] | None = None,
    random_state: int = 42,
) -> KChoice:
    """Score each k in `k_values` and recommend one.

    Small data (up to `SMALL_DATA` customers) is fitted on every row with 10 starts, the
    same fits `fit_segments` makes. Larger data is swept on a fixed-seed sample of
    `FIT_SAMPLE` rows; inertia is scaled to the full count and silhouette uses a smaller
    fixed-seed sample, and the result says so.

    Parameters
    ----------
    df, features, scaler, missing, log_features, clip, random_state
        As in `fit_segments`.
    k_values : iterable of int, default 2..10
        Numbers of segments to try; those above (customers - 1) are left out.

    Returns
    -------
    KChoice

    Raises
    ------
    SettingsError
        No k in `k_values` is possible for these customers, or a setting is not allowed.

    Examples
    --------
    >>> from segmentation import make_sample_customers
    >>> customers = make_sample_customers(200)
    >>> choice = evaluate_k(customers, ["annual_income", "spending_score"], range(2, 5))
    >>> choice.k_values, choice.recommended in choice.k_values
    ((2, 3, 4), True)
    >>> choice.reason.startswith(f"k={choice.recommended} separates the segments most clearly")
    True
    """
    prepared = prepare_features(
        df, features, scaler=scaler, missing=missing, log_features=log_features, clip=clip
    )
    return evaluate_prepared(prepared, k_values, random_state=random_state)


def evaluate_prepared(
    prepared: PreparedFeatures,
    k_values: Iterable[int] = DEFAULT_K_VALUES,
    *,
    random_state: int = 42,
) -> KChoice:
    """Score each k on already prepared features (see `evaluate_k`).

    Examples
    --------
    >>> from segmentation import make_sample_customers, prepare_features
    >>> customers = make_sample_customers(200)
    >>> prepared = prepare_features(customers, ["annual_income", "spending_score"])
    >>> choice = evaluate_prepared(prepared, [3, 4])
    >>> choice.table().columns.tolist()
    ['inertia', 'silhouette', 'calinski_harabasz', 'davies_bouldin']
    >>> choice.start_centres[4].shape  # where fit_prepared(prepared, 4, start=...) begins
    (4, 2)
    """
    matrix = prepared.matrix
    n = len(matrix)
    asked = sorted({int(k) for k in k_values})
    if not asked:
        raise SettingsError("k_values is empty: give at least one number of segments to try.")
    check_k(asked[0], n)
    ks = [k for k in asked if k <= n - 1]
    distinct = count_distinct(matrix)
    ks = [k for k in ks if k <= distinct]
    if not ks:
        raise SettingsError(
            f"Only {distinct} distinct customers in these features: no k in {asked} fits. "
            "Add features that tell customers apart."
        )
    # Every k is fitted on the same rows (all, or one fixed-seed sample), drawn once here.
    search = StartSearch(sweep_rows(matrix, random_state), random_state)
    sweep = search.rows
    scale = n / len(sweep)

    def fit_k(k: int) -> tuple[Start, float, float]:
        # One thread per fit, set in the worker itself: OpenMP's limit is per thread.
        with one_thread():
            start = search.fit(k)
            return start, *separation_scores(sweep, start.labels)

    # The k are independent and scikit-learn's Lloyd loop releases the GIL, so they run
    # WORKERS at a time (benchmarks/README.md, decisions); each k's fit is the same either
    # way. Largest k first: it is the slowest, and last it would leave the other thread idle.
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        fits = list(pool.map(fit_k, ks[::-1]))[::-1]
    with one_thread():
        sils, sil_sample = silhouettes(sweep, [start.labels for start, _, _ in fits], random_state)
    scores = [
        KScore(
            k=k,
            inertia=start.inertia * scale,
            silhouette=sil,
            calinski_harabasz=ch,
            davies_bouldin=db,
        )
        for k, (start, ch, db), sil in zip(ks, fits, sils)
    ]
    elbow = find_elbow(ks, [s.inertia for s in scores])
    rated = [s for s in scores if s.silhouette is not None] or scores
    best = max(rated, key=lambda s: (s.silhouette or 0.0, -s.k))
    return KChoice(
        scores=tuple(scores),
        elbow=elbow,
        recommended=best.k,
        reason=_reason(best, elbow, len(scores)),
        n_customers=n,
        sweep_sample=len(sweep) if len(sweep) < n else None,
        silhouette_sample=sil_sample,
        start_centres={k: start.centres for k, (start, _, _) in zip(ks, fits)},
    )
