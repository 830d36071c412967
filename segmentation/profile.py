"""Segment profiles, what sets each segment apart, and plain-language names.

Everything is computed on the customers that received a segment (label >= 0); customers
left unassigned (missing values with the ``drop`` policy) are described by their reason in
the exports, not here. Segment numbers are 1..k in every index of this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.errors import SettingsError
from segmentation.model import Segmentation
from segmentation.naming import (  # noqa: F401  (re-exported: the names' public home)
    LEVEL_THRESHOLD,
    NAME_FEATURES,
    NAME_SEPARATOR,
    VERY_THRESHOLD,
    apart_text,
    apart_words,
    default_names,
    feature_word,
    feature_words,
    level_word,
)
from segmentation.prepare import float_values

#: Smallest |effect| for a feature to be listed among what sets a segment apart (Cohen's
#: "small" effect); the single most distinctive feature is listed regardless.
DISTINCTIVE_THRESHOLD = 0.2
#: A text column with at most this many distinct values is profiled as a category.
MAX_CATEGORIES = 20
#: The column used for customers whose category is missing, in `Profiles.category_shares`.
MISSING_CATEGORY = "(missing)"


@dataclass(frozen=True)
class Profiles:
    """Per-segment description in original units. Segment numbers are 1..k everywhere here.

    Attributes
    ----------
    k : int
    features : tuple of str
        The clustered features (what the segments were built on and are named after).
    sizes : pandas.Series
        Customers per segment, index 1..k.
    shares : pandas.Series
        Share of clustered customers per segment (0..1), index 1..k.
    means, medians : pandas.DataFrame
        k x `columns`, original units, index 1..k.
    index : pandas.DataFrame
        Segment mean against the overall mean of clustered customers x 100 (100 = average),
        k x `columns`. NaN where the overall mean is (close to) zero or the column has
        negative values: a ratio to such a mean means nothing.
    effect : pandas.DataFrame
        Standardised difference (segment mean - overall mean) / overall std, k x `columns`.
        0 for a column that does not vary.
    eta_squared : pandas.Series
        Share of each feature's variance explained by the segments (one-way ANOVA), sorted
        descending: which features separate the segments at all.
    distinctive : tuple of tuple of str
        Per segment, the features that most set it apart, most distinctive first.
    category_shares : dict of column -> pandas.DataFrame
        For categorical columns: share of each category (columns) within each segment (index 1..k).
    names : tuple of str
        Default plain-language names, unique and deterministic, e.g. "High income · Low spending".
    overall_means, overall_stds : pandas.Series or None
        Mean and standard deviation (ddof=0) of every column over clustered customers: the
        reference that `index` and `effect` compare against.
    columns : tuple of str
        Every numeric column profiled: the clustered `features` first, then the file's
        other numeric columns (an age beside income and spending), in file order.
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
    overall_means: pd.Series | None = None
    overall_stds: pd.Series | None = None
    columns: tuple[str, ...] = ()

    @property
    def n_assigned(self) -> int:
        """Customers that received a segment."""
        return int(self.sizes.sum())


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class _Moments:
    """Per-segment statistics of the features, each k x features."""

    sizes: np.ndarray
    counts: np.ndarray
    means: np.ndarray
    medians: np.ndarray
    overall: np.ndarray
    std: np.ndarray
    lowest: np.ndarray


def _median(values: np.ndarray) -> float:
    """Median of `values` ignoring NaN, partitioning them IN PLACE (O(n), no copy)."""
    if np.isnan(values).any():
        values = values[~np.isnan(values)]
    length = len(values)
    if length == 0:
        return np.nan
    mid = length // 2
    if length % 2:
        values.partition(mid)
        return float(values[mid])
    values.partition([mid - 1, mid])
    return float((values[mid - 1] + values[mid]) / 2)


def _feature_moments(
    values: np.ndarray, bounds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """Counts, sums and medians per segment slice of `values` (one feature, sorted by
    segment), and the feature's overall mean and std (ddof=0), ignoring NaN.

    Works in place on `values` (medians reorder each slice) and in cache-sized blocks, so a
    million customers need no temporary the size of the column.
    """
    k = len(bounds) - 1
    counts, sums, medians = np.zeros(k), np.zeros(k), np.full(k, np.nan)
    has_nan = bool(np.isnan(values).any())
    for g in range(k):
        block = values[bounds[g] : bounds[g + 1]]
        if has_nan:
            counts[g] = np.count_nonzero(~np.isnan(block))
            sums[g] = np.nansum(block)
        else:
            counts[g] = len(block)
            sums[g] = block.sum()
        medians[g] = _median(block)  # after the sums: it reorders the slice
    total = counts.sum()
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        overall = sums.sum() / total
        squares = 0.0
        for start in range(0, len(values), 65_536):
            centred = values[start : start + 65_536] - overall
            squares += float(np.nansum(centred * centred) if has_nan else centred @ centred)
        std = np.sqrt(squares / total)
    return counts, sums, medians, overall, std


def _moments(df: pd.DataFrame, features: Sequence[str], labels: np.ndarray, k: int) -> _Moments:
    """Sizes, means, medians, overall mean and std (ddof=0) of assigned customers.

    One stable sort of the labels (a radix sort on small ints) puts every segment in a
    contiguous slice; each feature is then gathered into one reused buffer in that order,
    so sums and medians are contiguous O(n) passes and a million customers need one
    column-sized buffer, not a copy of the table (a pandas groupby median alone took
    0.35 s). NaN values (possible with the ``median`` policy) are left out of their feature.
    """
    dtype = np.int16 if k < np.iinfo(np.int16).max else np.int64
    key = np.where(labels < 0, k, labels).astype(dtype)  # unassigned sort last
    order = np.argsort(key, kind="stable")
    sizes_all = np.bincount(key, minlength=k + 1)
    bounds = np.concatenate([[0], np.cumsum(sizes_all)])[: k + 1]
    rows = order[: int(bounds[k])]
    n_feat = len(features)
    counts, means, medians = np.zeros((k, n_feat)), np.zeros((k, n_feat)), np.zeros((k, n_feat))
    overall, std, lowest = np.zeros(n_feat), np.zeros(n_feat), np.full(n_feat, np.nan)
    values = np.empty(len(rows))
    for j, feature in enumerate(features):
        np.take(float_values(df[feature]), rows, out=values)
        if len(values) and not np.isnan(values).all():
            lowest[j] = np.nanmin(values)
        counts[:, j], sums, medians[:, j], overall[j], std[j] = _feature_moments(values, bounds)
        scale = 1.0
        present = counts[:, j] > 0
        if not (np.isfinite(sums[present]).all() and (np.isfinite(std[j]) or not present.any())):
            # Values near 1e300 overflow when summed or squared: work in units of the
            # feature's largest magnitude, then scale back.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                scale = np.nanmax(np.abs(values))
            scale = scale if np.isfinite(scale) and scale > 0 else 1.0
            values /= scale
            _, sums, _, overall[j], std[j] = _feature_moments(values, bounds)
            overall[j] *= scale
            std[j] *= scale
        with np.errstate(invalid="ignore", divide="ignore"):
            means[:, j] = sums / counts[:, j] * scale
    return _Moments(sizes_all[:k], counts, means, medians, overall, std, lowest)


def _category_columns(df: pd.DataFrame, features: Sequence[str]) -> list[str]:
    """Non-numeric columns with few distinct values; a column whose values are all different
    is an id or free text, not a category."""
    columns = []
    for column in df.columns:
        if column in features:
            continue
        series = df[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            continue
        # The first rows already hold too many values for most text columns (ids, emails):
        # that settles it without counting a million distinct strings.
        if series.iloc[:10_000].nunique(dropna=True) > MAX_CATEGORIES:
            continue
        distinct = series.nunique(dropna=True)
        all_different = distinct == series.count() and distinct > 1
        if 0 < distinct <= MAX_CATEGORIES and not all_different:
            columns.append(column)
    return columns


def _category_shares(series: pd.Series, labels: np.ndarray, k: int) -> pd.DataFrame:
    """Share of each category within each segment; categories ordered most common first."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    codes = codes[labels >= 0]
    categories = [str(u) for u in uniques]
    if (codes < 0).any():
        categories.append(MISSING_CATEGORY)
        codes = np.where(codes < 0, len(categories) - 1, codes)
    n_cat = len(categories)
    counts = np.bincount(labels[labels >= 0] * n_cat + codes, minlength=k * n_cat)
    counts = counts.reshape(k, n_cat)
    # Most common category first; ties keep the order of first appearance (deterministic).
    order = np.argsort(-counts.sum(axis=0), kind="stable")
    totals = counts.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(totals > 0, counts / np.maximum(totals, 1), np.nan)
    return pd.DataFrame(
        shares[:, order],
        index=pd.RangeIndex(1, k + 1, name="segment"),
        columns=pd.Index([categories[i] for i in order], name=series.name),
    )


def _check_inputs(df: pd.DataFrame, segmentation: Segmentation) -> None:
    labels = segmentation.labels
    if len(df) != len(labels):
        raise SettingsError(
            f"The table has {len(df)} rows but the segmentation was fitted on {len(labels)}: "
            "profile the same table the segments were fitted on."
        )
    missing = [f for f in segmentation.features if f not in df.columns]
    if missing:
        raise SettingsError(
            f"Feature(s) {', '.join(map(repr, missing))} are not columns of the table: "
            "profile the same table the segments were fitted on."
        )


def _numeric_columns(df: pd.DataFrame, features: Sequence[str]) -> list[str]:
    """Numeric (not boolean) columns of `df` other than `features`, except running numbers."""
    chosen = set(features)
    columns = []
    for column in df.columns:
        series = df[column]
        if column in chosen or not pd.api.types.is_numeric_dtype(series):
            continue
        if pd.api.types.is_bool_dtype(series) or _is_running_number(series):
            continue
        columns.append(column)
    return columns


def _is_running_number(series: pd.Series) -> bool:
    """Whole numbers, all different: an id read as a number, which has no average."""
    head = series.iloc[:1_000].to_numpy(dtype=float, na_value=np.nan)
    if len(series) < 10 or np.isnan(head).any() or not (head == np.floor(head)).all():
        return False
    return bool(pd.Series(head).is_unique and series.is_unique)


def _checked(df: pd.DataFrame, numeric: Sequence[str]) -> list[str]:
    bad = [
        c
        for c in numeric
        if c not in df.columns
        or not pd.api.types.is_numeric_dtype(df[c])
        or pd.api.types.is_bool_dtype(df[c])
    ]
    if bad:
        raise SettingsError(
            f"Column(s) {', '.join(map(repr, bad))} are not numeric columns of the table: "
            "profile numeric columns only."
        )
    return list(numeric)


def _comparisons(mo: _Moments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index (100 = average), effect (standard deviations) and eta squared per column."""
    means, overall, std, counts = mo.means, mo.overall, mo.std, mo.counts
    with np.errstate(invalid="ignore", divide="ignore"):
        # A ratio to a mean of (almost) zero is noise, not an index; so is a ratio between
        # means of a column with negative values (a loss of 200 is not "2x" a loss of 100).
        tiny = np.abs(overall) <= 1e-9 * (std + np.abs(overall))
        no_index = tiny | (mo.lowest < 0)
        index = np.where(no_index, np.nan, means / np.where(no_index, 1.0, overall) * 100.0)
        effect = np.where(std > 0, (means - overall) / np.where(std > 0, std, 1.0), 0.0)
        # Between-segment over total sum of squares, written with effects (deviations in
        # std units) so that huge values cannot overflow: sum n_g * effect_g^2 / n.
        n_valid = counts.sum(axis=0)
        between = np.nansum(counts * effect**2, axis=0)
        eta = np.where(n_valid > 0, between / np.maximum(n_valid, 1), 0.0)
    return index, effect, np.clip(eta, 0.0, 1.0)  # rounding can push a perfect split past 1


def profile_segments(
    df: pd.DataFrame,
    segmentation: Segmentation,
    *,
    categorical: Sequence[str] | None = None,
    numeric: Sequence[str] | None = None,
) -> Profiles:
    """Describe each segment of `segmentation` fitted on `df` (only assigned rows count).

    Parameters
    ----------
    df : pandas.DataFrame
        The table the segmentation was fitted on (`CustomerData.frame`).
    segmentation : Segmentation
        The fit; its labels are aligned with the rows of `df`.
    categorical : sequence of str, optional
        Columns to describe by category shares. By default every non-numeric column with
        at most `MAX_CATEGORIES` distinct values whose values are not all different (so the
        customer id is left out).
    numeric : sequence of str, optional
        Numeric columns profiled beside the clustered features. By default every numeric
        column that varies, except a running number (an id read as a number).

    Returns
    -------
    Profiles

    Raises
    ------
    SettingsError
        `df` is not the table the segmentation was fitted on, or a `categorical` or
        `numeric` column does not exist or is not numeric.

    Notes
    -----
    Missing feature values (possible with the ``median`` policy, which clustered them with
    a filled-in value) are left out of that feature's statistics, so the profile shows the
    customers' real values only.

    Examples
    --------
    >>> from segmentation import fit_segments
    >>> df = pd.DataFrame({"spend": [10.0, 12, 11, 2010, 1990, 2000],
    ...                    "visits": [1.0, 2, 3, 9, 8, 10],
    ...                    "region": ["N", "S", "N", "S", "S", "S"]})
    >>> prof = profile_segments(df, fit_segments(df, ["spend"], k=2))
    >>> prof.names, prof.sizes.tolist()
    (('Very low spending', 'High spending'), [3, 3])
    >>> prof.means.round(1).to_dict()  # visits described beside spend, not clustered
    {'spend': {1: 11.0, 2: 2000.0}, 'visits': {1: 2.0, 2: 9.0}}
    >>> prof.category_shares["region"].round(2).loc[1].to_dict()
    {'S': 0.33, 'N': 0.67}
    """
    _check_inputs(df, segmentation)
    k = segmentation.k
    features = tuple(segmentation.features)
    labels = np.asarray(segmentation.labels, dtype=np.int64)
    candidates = _numeric_columns(df, features) if numeric is None else _checked(df, numeric)
    columns = features + tuple(c for c in candidates if c not in features)
    mo = _moments(df, columns, labels, k)
    index, effect, eta = _comparisons(mo)
    # Other columns that do not vary, or are empty, among these customers say nothing.
    keep = [j for j, c in enumerate(columns) if c in features or mo.std[j] > 0]
    columns = tuple(columns[j] for j in keep)
    sizes = mo.sizes
    segments = pd.RangeIndex(1, k + 1, name="segment")

    def frame(table: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(table[:, keep], index=segments, columns=list(columns))

    effect_frame, index_frame = frame(effect), frame(index)
    n_feat = len(features)
    eta_squared = pd.Series(eta[:n_feat], index=list(features), name="eta_squared")
    eta_squared = eta_squared.sort_values(ascending=False, kind="stable")
    clustered = effect_frame[list(features)]

    if categorical is None:
        categorical = _category_columns(df, features)
    else:
        unknown = [c for c in categorical if c not in df.columns]
        if unknown:
            raise SettingsError(
                f"Categorical column(s) {', '.join(map(repr, unknown))} are not in the table; "
                f"choose from {', '.join(map(repr, map(str, df.columns)))}."
            )
    category_shares = {c: _category_shares(df[c], labels, k) for c in categorical}

    n_assigned = int(sizes.sum())
    return Profiles(
        k=k,
        features=features,
        sizes=pd.Series(sizes, index=segments, name="customers"),
        shares=pd.Series(sizes / max(n_assigned, 1), index=segments, name="share"),
        means=frame(mo.means),
        medians=frame(mo.medians),
        index=index_frame,
        effect=effect_frame,
        eta_squared=eta_squared,
        distinctive=tuple(_distinctive(clustered.loc[s]) for s in segments),
        category_shares=category_shares,
        names=default_names(index_frame[list(features)], clustered),
        overall_means=pd.Series(mo.overall[keep], index=list(columns), name="mean"),
        overall_stds=pd.Series(mo.std[keep], index=list(columns), name="std"),
        columns=columns,
    )


def _ranked(effects: pd.Series) -> list[str]:
    """Features by |effect|, largest first; ties keep feature order; NaN last."""
    magnitude = np.nan_to_num(np.abs(effects.to_numpy(dtype=float)), nan=-1.0)
    return [effects.index[i] for i in np.argsort(-magnitude, kind="stable")]


def _distinctive(effects: pd.Series) -> tuple[str, ...]:
    ranked = _ranked(effects)
    keep = [f for f in ranked if abs(effects[f]) >= DISTINCTIVE_THRESHOLD]
    return tuple(keep or ranked[:1])


# --------------------------------------------------------------------------- names


def apply_names(default_names: Sequence[str], renames: Mapping[int, str]) -> tuple[str, ...]:
    """Final segment names: `default_names` with user `renames` {segment number 1..k: name}.

    Parameters
    ----------
    default_names : sequence of str
        `Profiles.names`, one per segment 1..k.
    renames : mapping of int -> str
        The user's names by segment number; surrounding whitespace is removed.

    Returns
    -------
    tuple of str
        One name per segment, unique (ignoring case).

    Raises
    ------
    SettingsError
        For an empty name, an unknown segment number, or two segments with the same name.

    Examples
    --------
    >>> apply_names(("High spending", "Low spending"), {2: "  Bargain hunters "})
    ('High spending', 'Bargain hunters')
    >>> apply_names(("High spending", "Low spending"), {2: "high SPENDING"})
    Traceback (most recent call last):
    ...
    segmentation.errors.SettingsError: Segments 1 and 2 would both be called 'high SPENDING': ...
    """
    k = len(default_names)
    names = [str(n).strip() for n in default_names]
    for segment, new in renames.items():
        if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)):
            raise SettingsError(
                f"Segment {segment!r} is not a segment number: use a number from 1 to {k}."
            )
        if not 1 <= segment <= k:
            raise SettingsError(
                f"There is no segment {segment}: choose a segment number from 1 to {k}."
            )
        cleaned = "" if new is None else str(new).strip()
        if not cleaned:
            raise SettingsError(
                f"The name for segment {segment} is empty: type a name or keep "
                f"{names[segment - 1]!r}."
            )
        names[segment - 1] = cleaned
    # Case is ignored: "VIP" and "vip" in one download would read as the same segment.
    first: dict[str, int] = {}
    for number, name in enumerate(names, start=1):
        key = name.casefold()
        if key in first:
            raise SettingsError(
                f"Segments {first[key]} and {number} would both be called {name!r}: "
                "give each segment a different name."
            )
        first[key] = number
    return tuple(names)


# --------------------------------------------------------------------------- table


def _significant(value: float, digits: int = 6) -> float:
    """Round to `digits` significant digits: readable in a CSV, exact enough for a profile."""
    if not np.isfinite(value) or value == 0:
        return float(value)
    return float(f"{value:.{digits}g}")


def profile_table(profiles: Profiles, names: Sequence[str]) -> pd.DataFrame:
    """One row per segment: segment, name, size, share, mean/median/index per column, apart.

    Parameters
    ----------
    profiles : Profiles
    names : sequence of str
        Final names (`apply_names`), one per segment.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment`` (1..k), ``name``, ``customers``, ``share`` (0..1, 4 decimals),
        then per profiled column (`Profiles.columns`: the clustered features first)
        ``"<f> mean"``, ``"<f> median"`` (6 significant digits) and ``"<f> index"``
        (1 decimal), then ``"sets it apart"`` (as ratios to the average), ``"difference in
        sd"`` (the same in standard deviations) and ``"clustered on"`` (the features the
        segments were built on; the other columns are described, not clustered). RangeIndex.

    Raises
    ------
    SettingsError
        `names` does not have one name per segment.

    Examples
    --------
    >>> from segmentation import fit_segments
    >>> df = pd.DataFrame({"spend": [10.0, 12, 11, 2010, 1990, 2000]})
    >>> prof = profile_segments(df, fit_segments(df, ["spend"], k=2))
    >>> table = profile_table(prof, ("Browsers", "Big spenders"))
    >>> table[["segment", "name", "customers", "share", "spend mean"]].to_numpy().tolist()
    [[1, 'Browsers', 3, 0.5, 11.0], [2, 'Big spenders', 3, 0.5, 2000.0]]
    >>> table["sets it apart"].tolist()
    ['spending 0.011x the average', 'spending 2.0x the average']
    """
    k = profiles.k
    if len(names) != k:
        raise SettingsError(f"{len(names)} names given for {k} segments: give one per segment.")
    words = feature_words(profiles.features)
    segments = list(range(1, k + 1))
    columns: dict[str, object] = {
        "segment": segments,
        "name": list(names),
        "customers": profiles.sizes.to_numpy(dtype=np.int64),
        "share": np.round(profiles.shares.to_numpy(dtype=float), 4),
    }
    for f in profiles.columns or profiles.features:
        columns[f"{f} mean"] = [_significant(v) for v in profiles.means[f]]
        columns[f"{f} median"] = [_significant(v) for v in profiles.medians[f]]
        columns[f"{f} index"] = np.round(profiles.index[f].to_numpy(dtype=float), 1)
    columns["sets it apart"] = [
        apart_words(
            profiles.effect.loc[s], profiles.index.loc[s], profiles.distinctive[s - 1], words
        )
        for s in segments
    ]
    # The same in standard deviations, for analysts.
    columns["difference in sd"] = [
        apart_text(profiles.effect.loc[s], profiles.distinctive[s - 1], words) for s in segments
    ]
    columns["clustered on"] = ", ".join(map(str, profiles.features))
    return pd.DataFrame(columns)


#: The mark before the columns of the features the segments were built on.
CLUSTERED_MARK = "● "


@dataclass(frozen=True)
class ReadableTable:
    """The profile table as a marketer reads it (`readable_table`).

    Attributes
    ----------
    frame : pandas.DataFrame
        `profile_table` with ``share`` in percent (0..100), an index and values from 1,000
        up rounded to whole numbers and the others to two decimals, the clustered features'
        columns marked with `CLUSTERED_MARK`, and without ``"clustered on"``.
    kinds : dict of column -> str
        How each numeric column reads: ``"count"`` (customers), ``"percent"`` (share),
        ``"year"`` (a year's mean or median: 1968, no thousands separator) or ``"number"``.
    """

    frame: pd.DataFrame
    kinds: dict[str, str]


def readable_table(profiles: Profiles, names: Sequence[str]) -> ReadableTable:
    """`profile_table` rounded and marked for reading; the kind of number in each column.

    Examples
    --------
    >>> from segmentation import fit_segments
    >>> df = pd.DataFrame({"spend": [10.0, 12, 11, 2010, 1990, 2000],
    ...                    "birth year": [1970.0, 1980, 1990, 1960, 1975, 1985]})
    >>> seg = fit_segments(df, ["spend"], k=2)
    >>> prof = profile_segments(df, seg)
    >>> table = readable_table(prof, prof.names)
    >>> table.frame[["share", "● spend mean", "birth year mean"]].to_numpy().tolist()
    [[50.0, 11.0, 1980.0], [50.0, 2000.0, 1973.0]]
    >>> table.kinds["share"], table.kinds["● spend mean"], table.kinds["birth year mean"]
    ('percent', 'number', 'year')
    """
    table = profile_table(profiles, names)
    shown = table.copy()
    shown["share"] = shown["share"] * 100
    kinds = {"customers": "count", "share": "percent"}
    for column in table.columns:
        if column in kinds or not pd.api.types.is_float_dtype(table[column]):
            continue
        values = shown[column]
        if str(column).endswith(" index"):
            shown[column] = values.round(0)
        else:
            shown[column] = values.round(0).where(values.abs() >= 1000, values.round(2))
        kinds[column] = "year" if _is_year(str(column), values) else "number"
    clustered = {f"{f} {stat}" for f in profiles.features for stat in ("mean", "median", "index")}
    marked = {c: f"{CLUSTERED_MARK}{c}" for c in shown.columns if c in clustered}
    shown = shown.drop(columns=["clustered on"]).rename(columns=marked)
    return ReadableTable(frame=shown, kinds={marked.get(c, c): kind for c, kind in kinds.items()})


def _is_year(column: str, values: pd.Series) -> bool:
    """A year's mean or median (1968, not 1,968): no thousands separator."""
    if column.endswith(" index") or "year" not in column.lower():
        return False
    present = values.dropna()
    return bool(len(present)) and bool(present.between(1800, 2200).all())
