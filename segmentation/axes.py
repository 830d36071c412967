"""The scatter's default axes: the two features that separate the segments best.

A wide file's first two columns are rarely the ones that tell its segments apart; the
features with the largest eta squared (share of a feature's variance explained by the
segments, see `profile.profile_segments`) are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from segmentation.errors import SettingsError


@dataclass(frozen=True)
class Axes:
    """The columns on the scatter's x and y axes (the same one when there is one feature)."""

    x: str
    y: str


def default_axes(
    features: Sequence[str],
    eta_squared: Mapping[str, float] | pd.Series,
    *,
    x: str | None = None,
    y: str | None = None,
) -> Axes:
    """The scatter's axes: the user's `x` and `y` while they are chosen features and
    differ, else the features that separate the segments best.

    Parameters
    ----------
    features : sequence of str
        The features the segments were built on.
    eta_squared : mapping or pandas.Series of feature -> float
        How well each feature separates the segments (``Profiles.eta_squared``); a
        feature missing from it or NaN counts as separating least.
    x, y : str, optional
        The user's current axes; kept when still among `features` (and `y` differs from
        `x` when there are two features or more).

    Returns
    -------
    Axes
        ``x`` the best separating feature (or the user's), ``y`` the best other one (or
        the user's). With a single feature both are that feature.

    Raises
    ------
    SettingsError
        `features` is empty.

    Examples
    --------
    >>> eta = {"age": 0.05, "income": 0.81, "spend": 0.64}
    >>> default_axes(["age", "income", "spend"], eta)
    Axes(x='income', y='spend')
    >>> default_axes(["age", "income", "spend"], eta, x="age")
    Axes(x='age', y='income')
    >>> default_axes(["age", "income", "spend"], eta, x="spend", y="spend")
    Axes(x='spend', y='income')
    >>> default_axes(["income"], eta)
    Axes(x='income', y='income')
    """
    features = list(features)
    if not features:
        raise SettingsError("No features given: the scatter needs at least one feature.")
    ranked = pd.Series(eta_squared, dtype=float).sort_values(ascending=False, kind="stable")
    by_separation = [f for f in ranked.index if f in features] or features
    by_separation += [f for f in features if f not in by_separation]
    if x not in features:
        x = by_separation[0]
    if y not in features or (y == x and len(features) > 1):
        y = next((f for f in by_separation if f != x), features[0])
    return Axes(x, y)
