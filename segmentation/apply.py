"""Assigning customers to a saved segmentation's segments, without refitting.

The arithmetic is the fit's, step by step, in the order `segmentation.sql` writes it:
fill (``median`` policy) -> clip to the saved bounds -> log(1 + x) -> (x - centre) / scale
-> for each segment the sum over features of squared differences to its centre -> the
nearest segment, ties to the lowest number. A customer missing a feature under the ``drop``
policy, or with a negative value where a log is taken, gets no segment and a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.pipeline import Pipeline

from segmentation.errors import DataError
from segmentation.model import Segmentation
from segmentation.prepare import FeatureScaler, Preparation, float_values
from segmentation.saved import SavedSegmentation


@dataclass(frozen=True)
class Assignment:
    """Segments of a batch of customers.

    Attributes
    ----------
    labels : numpy.ndarray
        int64 per customer: segment 0..k-1, or -1 when not assigned.
    reasons : numpy.ndarray
        object per customer: "" when assigned, else why not.
    distances : numpy.ndarray
        float64 per customer: squared distance to its segment's centre (scaled units),
        NaN when not assigned.
    """

    labels: np.ndarray
    reasons: np.ndarray
    distances: np.ndarray


def check_columns(saved: SavedSegmentation, frame: pd.DataFrame) -> None:
    """Refuse a table that lacks a feature of `saved`, or holds text in one.

    Raises DataError naming the column.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"], id_column="customer_id")
    >>> check_columns(saved, customers.drop(columns="spending_score"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segmentation.errors.DataError: This file has no column 'spending_score', a ...
    """
    columns = set(map(str, frame.columns))
    for f in saved.features:
        if f not in columns:
            raise DataError(
                f"This file has no column {f!r}, a feature of the saved segmentation "
                f"(features: {', '.join(map(repr, saved.features))}): upload customers with "
                "that column, or segment this file afresh."
            )
        dtype = frame[f].dtype
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            if not _all_missing(frame[f]):
                raise DataError(
                    f"Column {f!r} holds text, but the saved segmentation uses it as a number: "
                    "upload customers whose values in it are numbers."
                )


def _all_missing(series: pd.Series) -> bool:
    """A text column with no value at all (a batch of a streamed file where it is empty)."""
    text = series.astype("str").str.strip().str.casefold()
    return bool(series.isna().all() or text.isin(["", "nan", "na", "n/a", "null", "none"]).all())


def feature_columns(saved: SavedSegmentation, frame: pd.DataFrame) -> list[np.ndarray]:
    """The feature columns of `frame` as float64 (NaN where missing), after `check_columns`.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"], id_column="customer_id")
    >>> [c.dtype.name for c in feature_columns(saved, customers)]
    ['float64', 'float64']
    """
    check_columns(saved, frame)
    columns = []
    for f in saved.features:
        series = frame[f]
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(
            series.dtype
        ):
            columns.append(float_values(series))
        else:
            columns.append(np.full(len(series), np.nan))
    return columns


def assign(saved: SavedSegmentation, columns: Sequence[np.ndarray]) -> Assignment:
    """Assign customers given as one float64 array per feature (NaN = missing).

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> columns = [customers[f].to_numpy(float) for f in saved.features]
    >>> bool((assign(saved, columns).labels == seg.labels).all())
    True
    """
    scaled, usable, why = _scaled(saved, columns)
    distances = _distances(saved, scaled)
    n = len(usable)
    labels = np.argmin(np.where(np.isnan(distances), np.inf, distances), axis=0).astype(np.int64)
    labels[~usable] = -1
    best = distances[labels.clip(0), np.arange(n)] if n else np.zeros(0)
    best = np.where(usable, best, np.nan)
    return Assignment(labels, _reasons(saved, why, usable), best)


def squared_distances(saved: SavedSegmentation, columns: Sequence[np.ndarray]) -> np.ndarray:
    """Squared distance (scaled units) of each customer to each centre: k x customers,
    NaN where the customer cannot be assigned. `assign` takes the smallest of each column.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> squared_distances(saved, [np.array([50.0]), np.array([50.0])]).shape
    (3, 1)
    """
    scaled, usable, _ = _scaled(saved, columns)
    distances = _distances(saved, scaled)
    distances[:, ~usable] = np.nan
    return distances


def saved_margins(saved: SavedSegmentation, frame: pd.DataFrame, labels: np.ndarray):
    """Runner-up segment and margin of every customer of `frame` assigned to `saved` with
    `labels` (`apply_saved`): `segmentation.margins`'s definition, 1 - d(own) / d(runner-up)
    in the saved scaled space, so a labelled download carries them as a fit's does.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> m = saved_margins(saved, customers, apply_saved(saved, customers).labels)
    >>> bool(((m.margin >= 0) & (m.margin <= 1)).all()), bool((m.runner_up != seg.labels).all())
    (True, True)
    """
    from segmentation.margins import Margins

    labels = np.asarray(labels)
    d2 = squared_distances(saved, feature_columns(saved, frame))
    n = len(labels)
    runner = np.full(n, -1, dtype=np.int64)
    margin = np.full(n, np.nan)
    rows = np.flatnonzero(labels >= 0)
    if len(rows):
        d = d2[:, rows].copy()
        own = labels[rows]
        d_own = d[own, np.arange(len(rows))].copy()
        d[own, np.arange(len(rows))] = np.inf
        runner[rows] = np.argmin(d, axis=0)
        d_run = d[runner[rows], np.arange(len(rows))]
        with np.errstate(invalid="ignore", divide="ignore"):
            m = 1.0 - np.sqrt(d_own / d_run)
        margin[rows] = np.clip(np.nan_to_num(m, nan=0.0), 0.0, 1.0)
    return Margins(runner_up=runner, margin=margin)


def _scaled(saved: SavedSegmentation, columns: Sequence[np.ndarray]):
    """Each feature filled, clipped, logged and scaled; which customers can be assigned;
    per feature, who misses it and who is negative where a log is taken."""
    n = len(columns[0]) if len(columns) else 0
    scaled, usable, why = [], np.ones(n, dtype=bool), []
    for j, f in enumerate(saved.features):
        x = np.array(columns[j], dtype=float)
        missing = ~np.isfinite(x)
        if saved.missing == "median":
            x[missing] = saved.fill_values[j]
            missing[:] = False
        if saved.clip_lower is not None:
            np.clip(x, saved.clip_lower[j], saved.clip_upper[j], out=x)
        negative = np.zeros(n, dtype=bool)
        if f in saved.log_features:
            negative = x < 0
            x[negative] = np.nan
            np.add(x, 1.0, out=x)  # log(1 + x) as the fit takes it (prepare._log1p)
            np.log(x, out=x)
        x -= saved.centre[j]
        x /= saved.scale[j]
        scaled.append(x)
        usable &= ~missing & ~negative
        why.append((missing, negative))
    return scaled, usable, why


def _distances(saved: SavedSegmentation, scaled: list[np.ndarray]) -> np.ndarray:
    n = len(scaled[0]) if scaled else 0
    distances = np.empty((saved.k, n))
    for i, centre in enumerate(saved.centres_scaled):
        d = distances[i]
        for j, x in enumerate(scaled):  # summed feature by feature, as the SQL does
            diff = x - centre[j]
            if j == 0:
                np.multiply(diff, diff, out=d)
            else:
                d += diff * diff
    return distances


def _reasons(saved: SavedSegmentation, why, usable: np.ndarray) -> np.ndarray:
    """One text per customer: "" when assigned, else "missing a, b" (the fit's wording) or
    "negative x (log transform)"."""
    reasons = np.full(len(usable), "", dtype=object)
    bad = np.flatnonzero(~usable)
    if len(bad) == 0:
        return reasons
    p = len(saved.features)
    bits = np.zeros(len(bad), dtype=np.int64)
    for j, (missing, negative) in enumerate(why):
        bits |= missing[bad].astype(np.int64) << j
        bits |= negative[bad].astype(np.int64) << (p + j)
    patterns, which = np.unique(bits, return_inverse=True)
    words = []
    for b in patterns:
        gaps = [f for j, f in enumerate(saved.features) if b >> j & 1]
        negatives = [f for j, f in enumerate(saved.features) if b >> (p + j) & 1]
        parts = []
        if gaps:
            parts.append("missing " + ", ".join(gaps))
        if negatives:
            parts.append("negative " + ", ".join(negatives) + " (log transform)")
        words.append("; ".join(parts))
    reasons[bad] = np.asarray(words, dtype=object)[which]
    return reasons


def pipeline_of(saved: SavedSegmentation) -> Pipeline:
    """A fitted preparation + KMeans pipeline holding `saved`'s parameters (for charts and
    ``predict``); `assign` is what assigns customers.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"], id_column="customer_id")
    >>> list(pipeline_of(saved).named_steps)
    ['prepare', 'kmeans']
    """
    scaler = FeatureScaler(scaler=saved.scaler, log_mask=saved.log_mask, clip=saved.clip)
    scaler.centre_ = np.asarray(saved.centre, dtype=float)
    scaler.scale_ = np.asarray(saved.scale, dtype=float)
    scaler.bounds_ = (
        None
        if saved.clip_lower is None
        else np.asarray([saved.clip_lower, saved.clip_upper], dtype=float)
    )
    centres = np.asarray(saved.centres_scaled, dtype=float)
    # A KMeans fitted on the centres themselves is a complete estimator with exactly them.
    kmeans = KMeans(saved.k, init=centres, n_init=1, max_iter=1, random_state=saved.random_state)
    kmeans.fit(centres)
    kmeans.cluster_centers_ = centres
    return Pipeline([("prepare", scaler), ("kmeans", kmeans)])


def apply_saved(saved: SavedSegmentation, frame: pd.DataFrame) -> Segmentation:
    """The customers of `frame` assigned to `saved`'s segments, as a `Segmentation`.

    Profiles, charts and exports take it as they take a fit. Its ``sizes`` are per segment
    number (an empty segment counts 0); ``silhouette`` is None (nothing was fitted).

    Raises
    ------
    DataError
        `frame` lacks a feature of `saved`, or holds text in one.

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> shuffled = customers.sample(frac=1, random_state=1).reset_index(drop=True)
    >>> applied = apply_saved(saved, shuffled)
    >>> applied.k, sum(applied.sizes)
    (3, 300)
    """
    result = assign(saved, feature_columns(saved, frame))
    labels = result.labels
    sizes = np.bincount(labels[labels >= 0], minlength=saved.k)
    settings = Preparation(
        features=saved.features,
        scaler=saved.scaler,
        missing=saved.missing,
        log_features=saved.log_features,
        clip=saved.clip,
    )
    return Segmentation(
        k=saved.k,
        settings=settings,
        labels=labels,
        reasons=result.reasons,
        centres=pd.DataFrame(np.asarray(saved.centres, dtype=float), columns=list(saved.features)),
        sizes=tuple(int(s) for s in sizes),
        inertia=float(np.nansum(result.distances)),
        silhouette=None,
        silhouette_sample=None,
        pipeline=pipeline_of(saved),
        random_state=saved.random_state,
    )
