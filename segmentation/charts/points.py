"""Which customers the scatter draws, and where the PCA view puts them.

A scatter draws at most `max_points` customers however many there are: the rows are
sampled per segment with a fixed seed, and only the drawn rows' values are read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.model import Segmentation
from segmentation.prepare import float_values

#: Points drawn per segment before proportional sampling, so small segments stay visible.
MIN_POINTS_PER_SEGMENT = 200
#: Rows the PCA projection is fitted on (fixed-seed sample of the clustered customers).
PCA_SAMPLE = 50_000


@dataclass(frozen=True)
class Drawn:
    """The customers a scatter draws.

    Attributes
    ----------
    rows : numpy.ndarray
        Row positions in the table, segment 1's first, sorted within each segment.
    bounds : numpy.ndarray
        Segment s (0-based) is ``rows[bounds[s]:bounds[s + 1]]``.
    values : numpy.ndarray
        The feature values of the drawn rows (float64, one column per feature).
    n_assigned : int
        Customers with a segment, drawn or not.
    """

    rows: np.ndarray
    bounds: np.ndarray
    values: np.ndarray
    n_assigned: int


def sample_per_segment(
    labels: np.ndarray, k: int, max_points: int, random_state: int
) -> tuple[list[np.ndarray], int]:
    """Row positions to draw per segment (sorted), and the number of clustered rows.

    At most `max_points` in all; each segment keeps at least min(its size, floor) rows where
    floor = min(MIN_POINTS_PER_SEGMENT, max_points // k); the rest is shared by size.

    >>> labels = np.array([0] * 900 + [1] * 90 + [-1] * 10)
    >>> drawn, n = sample_per_segment(labels, 2, 300, 42)
    >>> [len(rows) for rows in drawn], n
    ([210, 90], 990)
    """
    members = [np.flatnonzero(labels == s) for s in range(k)]
    sizes = np.array([len(m) for m in members])
    n = int(sizes.sum())
    if n <= max_points:
        return members, n
    floor = min(MIN_POINTS_PER_SEGMENT, max_points // k)
    base = np.minimum(sizes, floor)
    spare = sizes - base
    extra = np.floor((max_points - base.sum()) * spare / max(spare.sum(), 1)).astype(int)
    quota = base + np.minimum(extra, spare)
    rng = np.random.default_rng(random_state)
    drawn = []
    for m, q in zip(members, quota):
        if q >= len(m):
            drawn.append(m)
        else:
            drawn.append(np.sort(rng.choice(m, size=int(q), replace=False)))
    return drawn, n


def draw(
    df: pd.DataFrame,
    features: list[str],
    labels: np.ndarray,
    k: int,
    *,
    max_points: int,
    random_state: int,
) -> Drawn:
    """The customers to draw (see `sample_per_segment`) with their feature values.

    >>> frame = pd.DataFrame({"spend": [5.0, 1.0, 7.0, 2.0]})
    >>> drawn = draw(frame, ["spend"], np.array([1, 0, 1, 0]), 2, max_points=10, random_state=0)
    >>> drawn.rows.tolist(), drawn.bounds.tolist(), drawn.values[:, 0].tolist()
    ([1, 3, 0, 2], [0, 2, 4], [1.0, 2.0, 5.0, 7.0])
    """
    per_segment, n_assigned = sample_per_segment(labels, k, max_points, random_state)
    rows = np.concatenate(per_segment)
    bounds = np.cumsum([0] + [len(d) for d in per_segment])
    # Only the drawn rows are read, column by column: selecting the feature columns as a
    # frame first would copy every row of them.
    values = np.column_stack([float_values(df[f])[rows] for f in features])
    return Drawn(rows, bounds, values, n_assigned)


def pca_projection(
    df: pd.DataFrame,
    segmentation: Segmentation,
    assigned: np.ndarray,
    random_state: int,
) -> tuple[Callable[[np.ndarray], np.ndarray], np.ndarray, np.ndarray]:
    """Fit a 2-D PCA on the scaled features of a fixed-seed sample of clustered rows.

    Returns (project, centres, explained): `project(raw_values)` maps raw feature values to
    the two components; `centres` are the fitted KMeans centres (scaled units) projected;
    `explained` is each component's share of the variance.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score", "tenure_months"], 3)
    >>> project, centres, explained = pca_projection(customers, seg, np.arange(300), 42)
    >>> project(np.array([[60.0, 50.0, 24.0]])).shape, centres.shape, bool(explained.sum() <= 1)
    ((1, 2), (3, 2), True)
    """
    from sklearn.decomposition import PCA

    features = list(segmentation.features)
    prepare = segmentation.pipeline.named_steps["prepare"]
    if len(assigned) > PCA_SAMPLE:
        rng = np.random.default_rng(random_state)
        sample = np.sort(rng.choice(assigned, size=PCA_SAMPLE, replace=False))
    else:
        sample = assigned
    raw = np.column_stack([float_values(df[f])[sample] for f in features])
    fill = np.nanmedian(raw, axis=0)

    def scaled(values: np.ndarray) -> np.ndarray:
        values = np.where(np.isfinite(values), values, fill)
        return prepare.transform(values)

    pca = PCA(n_components=2, random_state=random_state).fit(scaled(raw))

    def project(values: np.ndarray) -> np.ndarray:
        return pca.transform(scaled(values))

    centres = pca.transform(segmentation.pipeline.named_steps["kmeans"].cluster_centers_)
    return project, centres, pca.explained_variance_ratio_


def centre_values(
    df: pd.DataFrame, column: str, segmentation: Segmentation, labels: np.ndarray
) -> np.ndarray:
    """Per-segment centre on `column`: the KMeans centre for a feature, else the mean.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> labels = np.asarray(seg.labels)
    >>> means = centre_values(customers, "tenure_months", seg, labels)
    >>> bool(np.allclose(means, customers.groupby(labels)["tenure_months"].mean()))
    True
    """
    if column in segmentation.centres.columns:
        return segmentation.centres[column].to_numpy(dtype=float)
    values = float_values(df[column])
    ok = (labels >= 0) & np.isfinite(values)
    sums = np.bincount(labels[ok], weights=values[ok], minlength=segmentation.k)
    counts = np.bincount(labels[ok], minlength=segmentation.k)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts
