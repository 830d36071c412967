"""Feature choice, missing values, transforms and scaling.

Preparation turns chosen columns of a customer table into the matrix KMeans sees, and keeps
what is needed to go back: which input rows were clustered (and why the others were not),
and a fitted transformer whose ``inverse_transform`` returns centres in original units.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from segmentation.errors import DataError, SettingsError
from segmentation.io import CustomerData

SCALERS = ("standard", "minmax", "robust", "none")
MISSING_POLICIES = ("drop", "median")

#: Share of missing values above which a column is not a default feature.
MOSTLY_MISSING = 0.5

#: Skewness above which a log transform is suggested for a non-negative feature.
SKEW_THRESHOLD = 1.0



@dataclass(frozen=True)
class Preparation:
    """The user's preparation settings, validated.

    Attributes
    ----------
    features : tuple of str
        Columns clustered on, in the user's order.
    scaler : {"standard", "minmax", "robust", "none"}
    missing : {"drop", "median"}
        ``drop`` leaves customers with a missing feature unassigned (kept in exports with
        a reason); ``median`` fills the gap with the feature's median.
    log_features : tuple of str
        Features transformed with ``log1p`` (must be non-negative).
    clip : (float, float) or None
        Lower and upper percentiles at which outliers are clipped before scaling.
    """

    features: tuple[str, ...]
    scaler: str = "standard"
    missing: str = "drop"
    log_features: tuple[str, ...] = ()
    clip: tuple[float, float] | None = None


@dataclass(frozen=True)
class PreparedFeatures:
    """The matrix KMeans sees, and the way back to the input rows and units.

    Attributes
    ----------
    settings : Preparation
    matrix : numpy.ndarray
        float64, one row per clustered customer, one column per feature, transformed and scaled.
    rows : numpy.ndarray
        Positions (0-based) in the input table of the clustered customers, ascending.
    reasons : numpy.ndarray
        One string per input row: "" when clustered, else why not (e.g. "missing income").
    transformer : FeatureScaler
        Fitted clip/log + scaler; ``inverse_transform`` maps scaled points to original units.
    n_input : int
        Rows in the input table.
    """

    settings: Preparation
    matrix: np.ndarray
    rows: np.ndarray
    reasons: np.ndarray
    transformer: FeatureScaler
    n_input: int


class FeatureScaler(BaseEstimator, TransformerMixin):
    """Clip, log1p and scale features in one pass over one copy of the data.

    The same arithmetic as scikit-learn's StandardScaler, MinMaxScaler and RobustScaler
    (a centre and a scale per feature; a feature that does not vary keeps scale 1), done
    in place with numpy: at a million customers the separate scikit-learn steps cost several
    copies and most of the preparation time.

    Parameters
    ----------
    scaler : {"standard", "minmax", "robust", "none"}
    log_mask : sequence of bool
        Per feature, whether to apply log1p (after clipping, before scaling).
    clip : (lower, upper) percentiles or None
    """

    def __init__(self, scaler="standard", log_mask=(), clip=None):
        self.scaler = scaler
        self.log_mask = log_mask
        self.clip = clip

    def fit(self, X, y=None):
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        return self.fit_transform_in_place(np.array(X, dtype=float, order="C"))

    def fit_transform_in_place(self, X):
        """`fit_transform` overwriting `X` (float64, C order): the caller's fresh copy is
        the only one made, which at a million customers saves a copy and its time."""
        self.bounds_ = None if self.clip is None else np.percentile(X, self.clip, axis=0)
        self._clip_log(X)
        self.centre_, self.scale_ = _centre_and_scale(X, self.scaler)
        return X

    def transform(self, X):
        X = np.array(X, dtype=float, order="C")
        self._clip_log(X)
        X -= self.centre_
        X /= self.scale_
        return X

    def inverse_transform(self, X):
        X = np.array(X, dtype=float, order="C")
        X *= self.scale_
        X += self.centre_
        mask = np.asarray(self.log_mask, dtype=bool)
        if mask.any():
            X[:, mask] = np.expm1(X[:, mask])
        return X

    def _clip_log(self, X):
        if self.bounds_ is not None:
            np.clip(X, self.bounds_[0], self.bounds_[1], out=X)
        for j in np.flatnonzero(np.asarray(self.log_mask, dtype=bool)):
            # In place, column by column: fancy indexing would copy the columns twice.
            np.log1p(X[:, j], out=X[:, j])


def _centre_and_scale(X: np.ndarray, scaler: str) -> tuple[np.ndarray, np.ndarray]:
    """Fit the per-feature centre and scale of `scaler` and apply them to `X` in place.

    A feature that does not vary keeps scale 1. Sums run through BLAS (a vector product),
    which is several times faster than numpy's column reductions on a tall C-ordered matrix.
    """
    n, p = X.shape
    if scaler == "none":
        return np.zeros(p), np.ones(p)
    if scaler == "minmax":
        low, high = X.min(axis=0), X.max(axis=0)
        centre, scale = low, _nonzero(high - low)
    elif scaler == "robust":
        q25, median, q75 = np.percentile(X, [25, 50, 75], axis=0)
        centre, scale = median, _nonzero(q75 - q25)
    else:
        centre = (np.ones(n) @ X) / n
        if not np.isfinite(centre).all():
            return _standard_for_huge(X)
        X -= centre
        variance = np.einsum("ij,ij->j", X, X) / n
        if not np.isfinite(variance).all():
            X += centre
            return _standard_for_huge(X)
        scale = _nonzero(np.sqrt(variance))
        X /= scale
        return centre, scale
    X -= centre
    X /= scale
    return centre, scale


def _standard_for_huge(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Standard scaling for amounts like 1e300, whose sums of squares overflow: each
    feature's mean and deviation are taken on values divided by its largest magnitude."""
    magnitude = _nonzero(np.abs(X).max(axis=0))
    centre = (X / magnitude).mean(axis=0) * magnitude
    scale = _nonzero(((X - centre) / magnitude).std(axis=0) * magnitude)
    X -= centre
    X /= scale
    return centre, scale


def _nonzero(scale: np.ndarray) -> np.ndarray:
    return np.where(scale > 0, scale, 1.0)


def default_features(data: CustomerData) -> tuple[str, ...]:
    """The numeric behaviour columns to cluster on by default.

    Never the id, never a constant, never an id-like or code-like column (Channel, Region),
    never a column more than half empty. If that leaves nothing, any non-constant numeric
    column but the id.
    """
    report = data.report
    numeric = [c for c in report.numeric_columns if c != data.id_column]
    usable = [c for c in numeric if c not in report.constant_columns]
    # A mostly-empty column would leave most customers unassigned under the default policy.
    mostly_missing = {c for c, n in report.missing.items() if n > MOSTLY_MISSING * report.n_rows}
    preferred = [
        c for c in usable if c not in report.code_like_columns and c not in mostly_missing
    ]
    return tuple(preferred or usable)


def suggested_log_features(data: CustomerData, features: Sequence[str]) -> tuple[str, ...]:
    """Features that are strongly right-skewed (skewness > 1) and never negative."""
    skewed = data.report.skewed_columns
    return tuple(
        f
        for f in features
        if skewed.get(f, 0.0) > SKEW_THRESHOLD and not (data.frame[f].min() < 0)
    )


def validate_settings(
    df: pd.DataFrame,
    features: Sequence[str],
    *,
    scaler: str = "standard",
    missing: str = "drop",
    log_features: Sequence[str] = (),
    clip: tuple[float, float] | None = None,
) -> Preparation:
    """Check the settings against `df` and return them as a `Preparation`.

    Raises
    ------
    SettingsError
        Naming the setting, the value, and what is allowed.
    """
    if isinstance(features, str):
        features = (features,)
    features = tuple(features)
    if not features:
        raise SettingsError("No features chosen: pick at least one numeric column to segment on.")
    if len(set(features)) != len(features):
        raise SettingsError(f"features={list(features)} lists a column twice: pick each once.")
    for f in features:
        if f not in df.columns:
            raise SettingsError(
                f"Feature {f!r} is not a column of this data: choose among {list(df.columns)}."
            )
        if not pd.api.types.is_numeric_dtype(df[f]) or pd.api.types.is_bool_dtype(df[f]):
            raise SettingsError(
                f"Feature {f!r} is not numeric: only numeric columns can be segmented on."
            )
    if scaler not in SCALERS:
        raise SettingsError(f"scaler={scaler!r} is not one of {list(SCALERS)}.")
    if missing not in MISSING_POLICIES:
        raise SettingsError(f"missing={missing!r} is not one of {list(MISSING_POLICIES)}.")
    log_features = tuple(log_features)
    for f in log_features:
        if f not in features:
            raise SettingsError(
                f"Log transform asked for {f!r}, which is not a chosen feature {list(features)}."
            )
        low = df[f].min()
        if low < 0:
            raise SettingsError(
                f"Log transform cannot be applied to {f!r}: it has negative values "
                f"(smallest {low:g}). Turn the log transform off for {f!r}."
            )
    if clip is not None:
        lo, hi = (float(v) for v in clip)
        if not (0 <= lo < hi <= 100):
            raise SettingsError(
                f"clip={clip!r}: percentiles must satisfy 0 <= lower < upper <= 100, e.g. (1, 99)."
            )
        clip = (lo, hi)
    return Preparation(features, scaler, missing, log_features, clip)


def _feature_matrix(df: pd.DataFrame, features: Sequence[str]) -> np.ndarray:
    """The `features` columns of `df` as one new float64 C-ordered matrix (NaN where
    missing), filled column by column: one copy, where ``DataFrame.to_numpy`` and a
    C-ordered copy after it cost two."""
    columns = []
    for f in features:
        column = df[f]
        # float64 columns (what read_customers makes) already hold NaN: a view, no copy.
        columns.append(
            column.to_numpy()
            if column.dtype == np.float64
            else column.to_numpy(dtype=float, na_value=np.nan)
        )
    values = np.empty((len(df), len(features)))
    # In row blocks that stay in cache: column by column over the whole matrix is 2x slower.
    for start in range(0, len(df), 65_536):
        block = values[start : start + 65_536]
        for j, column in enumerate(columns):
            block[:, j] = column[start : start + 65_536]
    return values


def prepare_features(
    df: pd.DataFrame,
    features: Sequence[str],
    *,
    scaler: str = "standard",
    missing: str = "drop",
    log_features: Sequence[str] = (),
    clip: tuple[float, float] | None = None,
) -> PreparedFeatures:
    """Turn `features` of `df` into the scaled matrix KMeans clusters.

    Parameters
    ----------
    df : pandas.DataFrame
        The customer table (typed: `CustomerData.frame`).
    features : sequence of str
        Numeric columns to cluster on.
    scaler, missing, log_features, clip
        See `Preparation`.

    Returns
    -------
    PreparedFeatures

    Raises
    ------
    SettingsError
        A setting is not allowed for this data.
    DataError
        No customer is left to cluster (every one misses a feature, or a feature is empty).
    """
    settings = validate_settings(
        df, features, scaler=scaler, missing=missing, log_features=log_features, clip=clip
    )
    values = _feature_matrix(df, settings.features)
    present = np.isfinite(values)
    reasons = np.full(len(df), "", dtype=object)
    for j, f in enumerate(settings.features):
        if not present[:, j].any():
            raise DataError(
                f"Feature {f!r} has no values at all: choose another feature or fix the file."
            )
    complete = present.all(axis=1)
    if settings.missing == "drop":
        rows = np.flatnonzero(complete)
        incomplete = np.flatnonzero(~complete)
        if incomplete.size:
            # One reason per pattern of gaps, not per customer: a million rows stay cheap.
            bits = (~present[incomplete]) @ (1 << np.arange(len(settings.features)))
            patterns, which = np.unique(bits, return_inverse=True)
            words = [
                "missing " + ", ".join(f for j, f in enumerate(settings.features) if b >> j & 1)
                for b in patterns
            ]
            reasons[incomplete] = np.asarray(words, dtype=object)[which]
        if incomplete.size:
            values = values[rows]
        if len(rows) == 0:
            raise DataError(
                "Every customer misses at least one chosen feature, so none can be segmented: "
                "choose other features or set missing values to 'median'."
            )
    else:
        rows = np.arange(len(df))
        if not complete.all():
            medians = np.nanmedian(np.where(present, values, np.nan), axis=0)
            gaps = ~present
            values[gaps] = np.take(medians, np.nonzero(gaps)[1])
    log_mask = tuple(f in settings.log_features for f in settings.features)
    transformer = FeatureScaler(scaler=settings.scaler, log_mask=log_mask, clip=settings.clip)
    # `values` is a fresh array nobody else holds (built above, or a row subset of it).
    matrix = transformer.fit_transform_in_place(values)
    # Unscaled, amounts like 1e300 overflow every distance; scaled features are small.
    too_large = settings.scaler == "none" and (np.abs(matrix).max(axis=0) > 1e150)
    if np.any(too_large):
        column = settings.features[int(np.argmax(too_large))]
        raise DataError(
            f"Feature {column!r} has values too large to measure distances on without "
            "scaling: choose the 'standard', 'minmax' or 'robust' scaler, or a log transform."
        )
    return PreparedFeatures(settings, matrix, rows, reasons, transformer, len(df))
