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
from segmentation.health import MOSTLY_MISSING, SKEW_THRESHOLD  # noqa: F401 (re-exported)
from segmentation.io import CustomerData

SCALERS = ("standard", "minmax", "robust", "none")
MISSING_POLICIES = ("drop", "median")
# MOSTLY_MISSING and SKEW_THRESHOLD are the health report's: a column it calls mostly
# missing is not a default feature, and one it calls skewed gets the log it suggests.


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

    Examples
    --------
    >>> import numpy as np
    >>> scaler = FeatureScaler("minmax")
    >>> scaler.fit_transform(np.array([[0.0], [5.0], [10.0]])).ravel().tolist()
    [0.0, 0.5, 1.0]
    >>> scaler.transform([[20.0]]).tolist(), scaler.inverse_transform([[0.5]]).tolist()
    ([[2.0]], [[5.0]])
    """

    def __init__(self, scaler="standard", log_mask=(), clip=None):
        self.scaler = scaler
        self.log_mask = log_mask
        self.clip = clip

    def fit(self, X, y=None):
        """Fit the centres and scales on `X` (customers x features)."""
        self.fit_transform(X)
        return self

    def fit_transform(self, X, y=None):
        """Fit on `X` and return it scaled (a new array)."""
        X = np.asarray(X, dtype=float)
        return self.fit_columns([X[:, j] for j in range(X.shape[1])])

    def fit_columns(
        self,
        columns: Sequence[np.ndarray],
        *,
        rows: np.ndarray | None = None,
        fill: Sequence[float] | None = None,
    ) -> np.ndarray:
        """Fit on feature columns and return the scaled matrix (customers x features).

        Each column is clipped, logged, measured and scaled on its own, in one reused
        contiguous buffer, and written once into the new C-ordered matrix KMeans needs:
        working on the strided columns of that matrix (and on its full-size temporaries)
        would cost most of the preparation time at a million customers.

        Parameters
        ----------
        columns : sequence of 1-D float arrays
            One per feature, all the same length; not modified.
        rows : numpy.ndarray, optional
            Positions to keep (customers clustered); all rows when None.
        fill : sequence of float, optional
            Per feature, the value that replaces missing (non-finite) entries.

        Examples
        --------
        >>> import numpy as np
        >>> column = np.array([1.0, np.nan, 3.0])
        >>> FeatureScaler().fit_columns([column], rows=np.array([0, 2])).ravel().tolist()
        [-1.0, 1.0]
        """
        n = len(columns[0]) if rows is None else len(rows)
        p = len(columns)
        log_mask = np.zeros(p, dtype=bool)
        log_mask[: len(self.log_mask)] = np.asarray(self.log_mask, dtype=bool)
        matrix = np.empty((n, p))
        buffer = np.empty(n)
        bounds = np.empty((2, p))
        self.centre_, self.scale_ = np.zeros(p), np.ones(p)
        for j, column in enumerate(columns):
            if rows is None:
                buffer[:] = column
            else:
                np.take(column, rows, out=buffer)
            if fill is not None:
                buffer[~np.isfinite(buffer)] = fill[j]
            if self.clip is not None:
                bounds[:, j] = np.percentile(buffer, self.clip)
                np.clip(buffer, bounds[0, j], bounds[1, j], out=buffer)
            if log_mask[j]:
                _log1p(buffer)
            self.centre_[j], self.scale_[j] = _centre_and_scale(buffer, self.scaler)
            matrix[:, j] = buffer
        self.bounds_ = None if self.clip is None else bounds
        return matrix

    def transform(self, X):
        """`X` clipped, logged and scaled as the fitted data was (a new array)."""
        X = np.array(X, dtype=float, order="C")
        self._clip_log(X)
        X -= self.centre_
        X /= self.scale_
        return X

    def inverse_transform(self, X):
        """Scaled points back in original units (centres in dollars, not z-scores)."""
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
            _log1p(X[:, j])


def _log1p(values: np.ndarray) -> None:
    """log(1 + x) in place. Not np.log1p: log is vectorised and twice as fast, and its
    absolute error (~1e-16) vanishes against any feature's spread."""
    np.add(values, 1.0, out=values)
    np.log(values, out=values)


def _centre_and_scale(values: np.ndarray, scaler: str) -> tuple[float, float]:
    """Fit one feature's centre and scale for `scaler` and apply them to `values` in place.

    A feature that does not vary keeps scale 1.
    """
    if scaler == "none":
        return 0.0, 1.0
    if scaler == "minmax":
        low, high = values.min(), values.max()
        centre, scale = low, _nonzero(high - low)
    elif scaler == "robust":
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        centre, scale = median, _nonzero(q75 - q25)
    else:
        n = len(values)
        with np.errstate(over="ignore", invalid="ignore"):
            centre = values.sum() / n
            if np.isfinite(centre):
                values -= centre
                variance = (values @ values) / n
                if np.isfinite(variance):
                    scale = _nonzero(np.sqrt(variance))
                    values /= scale
                    return float(centre), float(scale)
                values += centre
        return _standard_for_huge(values)
    values -= centre
    values /= scale
    return float(centre), float(scale)


def _standard_for_huge(values: np.ndarray) -> tuple[float, float]:
    """Standard scaling for amounts like 1e300, whose sums of squares overflow: the mean
    and deviation are taken on values divided by the largest magnitude."""
    magnitude = _nonzero(np.abs(values).max())
    centre = (values / magnitude).mean() * magnitude
    scale = _nonzero(((values - centre) / magnitude).std() * magnitude)
    values -= centre
    values /= scale
    return float(centre), float(scale)


def _nonzero(scale):
    return np.where(scale > 0, scale, 1.0)[()]


def default_features(data: CustomerData) -> tuple[str, ...]:
    """The numeric behaviour columns to cluster on by default (`defaults.suggest_features`).

    Never the id, a constant, a code, a 0/1 flag, a column about the person or a mostly
    empty one; if that leaves nothing, any non-code column.

    Examples
    --------
    >>> from segmentation import make_sample_customers, read_customers
    >>> from segmentation.sample import sample_csv_bytes
    >>> data = read_customers(sample_csv_bytes(make_sample_customers(200)), name="customers.csv")
    >>> default_features(data)[:3]  # never customer_id
    ('annual_income', 'spending_score', 'avg_order_value')
    """
    from segmentation.defaults import suggest_features  # defaults reads CustomerData too

    return suggest_features(data).defaults


def suggested_log_features(data: CustomerData, features: Sequence[str]) -> tuple[str, ...]:
    """Features that are strongly right-skewed (skewness > 1) and never negative.

    Examples
    --------
    >>> from segmentation import make_sample_customers, read_customers
    >>> from segmentation.sample import sample_csv_bytes
    >>> data = read_customers(sample_csv_bytes(make_sample_customers(200)), name="customers.csv")
    >>> suggested_log_features(data, ["spending_score", "avg_order_value"])
    ('avg_order_value',)
    """
    skewed = data.report.skewed_columns
    return tuple(
        f for f in features if skewed.get(f, 0.0) > SKEW_THRESHOLD and not (data.frame[f].min() < 0)
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

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"income": [30.0, 50.0, 90.0], "spend": [1.0, 5.0, 2.0]})
    >>> validate_settings(df, ["income"], log_features=["income"]).log_features
    ('income',)
    >>> validate_settings(df, ["income"], scaler="zscore")
    Traceback (most recent call last):
    ...
    segmentation.errors.SettingsError: scaler='zscore' is not one of ['standard', 'minmax', ...].
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


def float_values(series: pd.Series) -> np.ndarray:
    """The values of a numeric column as float64, NaN where missing.

    A read-only view, not a copy, for float64 columns (what `read_customers` makes):
    ``Series.to_numpy(dtype=float, na_value=np.nan)`` copies the whole column even then,
    8 MB per feature at a million customers, also when only a few rows are wanted.

    Examples
    --------
    >>> import pandas as pd
    >>> float_values(pd.Series([1, None, 3], dtype="Int64")).tolist()
    [1.0, nan, 3.0]
    """
    if series.dtype == np.float64:
        return series.to_numpy()
    return series.to_numpy(dtype=float, na_value=np.nan)


def _median_of_present(column: np.ndarray, present: np.ndarray) -> float:
    return float(np.median(column[present]))


def fill_values(df: pd.DataFrame, features: Sequence[str]) -> tuple[float, ...]:
    """Per feature, the value ``missing="median"`` fills its gaps with: the median of the
    values present (NaN for a feature with none). A saved segmentation keeps them, so new
    customers are filled exactly as the fit's were.

    >>> fill_values(pd.DataFrame({"spend": [1.0, None, 3.0, 10.0]}), ["spend"])
    (3.0,)
    """
    medians = []
    for f in features:
        column = float_values(df[f])
        present = np.isfinite(column)
        medians.append(_median_of_present(column, present) if present.any() else float("nan"))
    return tuple(medians)


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

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"income": [30.0, None, 90.0, 60.0], "spend": [1.0, 5.0, 2.0, 4.0]})
    >>> prepared = prepare_features(df, ["income", "spend"])
    >>> prepared.matrix.shape, prepared.rows.tolist(), prepared.reasons.tolist()
    ((3, 2), [0, 2, 3], ['', 'missing income', '', ''])
    """
    settings = validate_settings(
        df, features, scaler=scaler, missing=missing, log_features=log_features, clip=clip
    )
    columns = [float_values(df[f]) for f in settings.features]
    present = [np.isfinite(c) for c in columns]
    reasons = np.full(len(df), "", dtype=object)
    for f, ok in zip(settings.features, present):
        if not ok.any():
            raise DataError(
                f"Feature {f!r} has no values at all: choose another feature or fix the file."
            )
    complete = np.logical_and.reduce(present)
    all_complete = bool(complete.all())
    rows, fill = None, None
    if settings.missing == "drop" and not all_complete:
        rows = np.flatnonzero(complete)
        incomplete = np.flatnonzero(~complete)
        # One reason per pattern of gaps, not per customer: a million rows stay cheap.
        bits = sum((~ok[incomplete]).astype(np.int64) << j for j, ok in enumerate(present))
        patterns, which = np.unique(bits, return_inverse=True)
        words = [
            "missing " + ", ".join(f for j, f in enumerate(settings.features) if b >> j & 1)
            for b in patterns
        ]
        reasons[incomplete] = np.asarray(words, dtype=object)[which]
        if len(rows) == 0:
            raise DataError(
                "Every customer misses at least one chosen feature, so none can be segmented: "
                "choose other features or set missing values to 'median'."
            )
    elif settings.missing == "median" and not all_complete:
        fill = [_median_of_present(c, ok) for c, ok in zip(columns, present)]
    log_mask = tuple(f in settings.log_features for f in settings.features)
    transformer = FeatureScaler(scaler=settings.scaler, log_mask=log_mask, clip=settings.clip)
    matrix = transformer.fit_columns(columns, rows=rows, fill=fill)
    if rows is None:
        rows = np.arange(len(df))
    # Unscaled, amounts like 1e300 overflow every distance; scaled features are small.
    too_large = settings.scaler == "none" and (np.abs(matrix).max(axis=0) > 1e150)
    if np.any(too_large):
        column = settings.features[int(np.argmax(too_large))]
        raise DataError(
            f"Feature {column!r} has values too large to measure distances on without "
            "scaling: choose the 'standard', 'minmax' or 'robust' scaler, or a log transform."
        )
    return PreparedFeatures(settings, matrix, rows, reasons, transformer, len(df))
