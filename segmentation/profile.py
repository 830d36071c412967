"""Segment profiles, what sets each segment apart, and plain-language names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from segmentation.model import Segmentation


@dataclass(frozen=True)
class Profiles:
    """Per-segment description in original units. Segment numbers are 1..k everywhere here.

    Attributes
    ----------
    k : int
    features : tuple of str
    sizes : pandas.Series
        Customers per segment, index 1..k.
    shares : pandas.Series
        Share of clustered customers per segment (0..1), index 1..k.
    means, medians : pandas.DataFrame
        k x features, original units, index 1..k.
    index : pandas.DataFrame
        Segment mean against the overall mean of clustered customers x 100 (100 = average).
    effect : pandas.DataFrame
        Standardised difference (segment mean - overall mean) / overall std, k x features.
    eta_squared : pandas.Series
        Share of each feature's variance explained by the segments (one-way ANOVA), sorted
        descending: which features separate the segments at all.
    distinctive : tuple of tuple of str
        Per segment, the features that most set it apart, most distinctive first.
    category_shares : dict of column -> pandas.DataFrame
        For categorical columns: share of each category (columns) within each segment (index 1..k).
    names : tuple of str
        Default plain-language names, unique and deterministic, e.g. "High income · Low spending".
    """

    k: int
    features: tuple[str, ...]
    sizes: pd.Series
    shares: pd.Series
    means: pd.DataFrame
    medians: pd.DataFrame
    index: pd.DataFrame
    effect: pd.DataFrame
    eta_squared: pd.Series
    distinctive: tuple[tuple[str, ...], ...]
    category_shares: dict[str, pd.DataFrame]
    names: tuple[str, ...]


def profile_segments(
    df: pd.DataFrame,
    segmentation: Segmentation,
    *,
    categorical: Sequence[str] | None = None,
) -> Profiles:
    """Describe each segment of `segmentation` fitted on `df` (only assigned rows count)."""
    raise NotImplementedError


def apply_names(default_names: Sequence[str], renames: Mapping[int, str]) -> tuple[str, ...]:
    """Final segment names: `default_names` with user `renames` {segment number 1..k: name}.

    Raises SettingsError for an empty name, an unknown segment number, or two segments with
    the same name.
    """
    raise NotImplementedError


def profile_table(profiles: Profiles, names: Sequence[str]) -> pd.DataFrame:
    """One row per segment: segment, name, size, share, mean/median/index per feature, apart."""
    raise NotImplementedError
