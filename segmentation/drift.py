"""Drift: how far new customers' features moved from the ones a segmentation was fitted on.

Per feature, two numbers a marketer can act on:

* the share of customers outside the training range (below its smallest or above its
  largest value): segments say little about customers unlike any they were built on;
* the population stability index (PSI) over the training deciles:
  ``sum((new - old) * ln(new / old))`` over the bins, each share floored at 1e-4. The usual
  reading, used in credit scoring since the 1990s: below 0.1 stable, 0.1 to 0.25 a moderate
  shift, above 0.25 a shift large enough that the segments should be fitted again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.prepare import float_values
from segmentation.saved import SavedSegmentation, bin_shares

#: PSI above which a feature has shifted enough to refit the segments.
PSI_SHIFTED = 0.25
#: PSI above which a feature has moved moderately.
PSI_MODERATE = 0.1
#: Share of customers outside the training range above which a feature is flagged.
OUTSIDE_SHIFTED = 0.05
#: Floor on each bin's share in the PSI, so an empty bin does not make it infinite.
PSI_FLOOR = 1e-4


@dataclass(frozen=True)
class FeatureDrift:
    """Drift of one feature.

    Attributes
    ----------
    feature : str
    outside_share : float
        Share of this file's customers (with a value) outside the training range.
    psi : float
        Population stability index against the training deciles.
    missing_share, training_missing_share : float
        Share of customers without a value, now and in training.
    level : {"stable", "moderate", "shifted"}
        ``shifted`` when psi > PSI_SHIFTED or outside_share > OUTSIDE_SHIFTED.
    """

    feature: str
    outside_share: float
    psi: float
    missing_share: float
    training_missing_share: float
    level: str


@dataclass(frozen=True)
class Drift:
    """Drift of every feature of a saved segmentation on a new file."""

    features: tuple[FeatureDrift, ...]

    @property
    def shifted(self) -> tuple[str, ...]:
        """Features that moved past a threshold."""
        return tuple(d.feature for d in self.features if d.level == "shifted")

    def table(self) -> pd.DataFrame:
        """One row per feature: the numbers and the level, for a page or a CSV."""
        return pd.DataFrame(
            {
                "feature": [d.feature for d in self.features],
                "outside training range": [d.outside_share for d in self.features],
                "PSI": [d.psi for d in self.features],
                "missing now": [d.missing_share for d in self.features],
                "missing in training": [d.training_missing_share for d in self.features],
                "level": [d.level for d in self.features],
            }
        )


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index between two sets of bin shares.

    >>> psi(np.array([0.5, 0.5]), np.array([0.5, 0.5]))
    0.0
    >>> round(psi(np.array([0.5, 0.5]), np.array([0.9, 0.1])), 3)
    0.879
    """
    e = np.maximum(np.asarray(expected, dtype=float), PSI_FLOOR)
    a = np.maximum(np.asarray(actual, dtype=float), PSI_FLOOR)
    return float(np.sum((a - e) * np.log(a / e)))


def feature_drift(saved: SavedSegmentation, frame: pd.DataFrame) -> Drift:
    """How far each feature of `frame` moved from `saved`'s training distribution.

    `frame` must hold the features (see `segmentation.apply.check_columns`).

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(500)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> feature_drift(saved, customers).shifted
    ()
    >>> richer = customers.assign(annual_income=customers["annual_income"] * 3)
    >>> feature_drift(saved, richer).shifted
    ('annual_income',)
    """
    results = []
    for dist in saved.training:
        values = float_values(frame[dist.feature])
        present = values[np.isfinite(values)]
        n = len(values)
        missing_share = 1.0 - len(present) / n if n else 0.0
        if not dist.deciles or len(present) == 0:
            outside, index = 0.0, 0.0
        else:
            low, high = dist.deciles[0], dist.deciles[-1]
            outside = float(np.mean((present < low) | (present > high)))
            index = psi(np.asarray(dist.shares), bin_shares(present, dist.edges))
        if index > PSI_SHIFTED or outside > OUTSIDE_SHIFTED:
            level = "shifted"
        elif index > PSI_MODERATE:
            level = "moderate"
        else:
            level = "stable"
        results.append(
            FeatureDrift(dist.feature, outside, index, missing_share, dist.missing_share, level)
        )
    return Drift(tuple(results))
