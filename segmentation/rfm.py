"""RFM scores and the classic R x F grid (Champions, At Risk, Hibernating...).

Scores are 1 to 5 by quintiles of the customers, 5 the best (most recent, most frequent,
highest value). Ties are never split: a customer's score is the quintile where the first
customer with the same value falls, so everyone who bought once shares one frequency
score. When most customers bought once, frequency scores jump (1, then 4 and 5): that is
the data, and `score_cuts` says it in plain words.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segmentation.errors import DataError

#: Score columns, in the order R, F, M.
SCORE_COLUMNS = ("r_score", "f_score", "m_score")

#: The R x F grid: (segment, R scores, F scores). Every one of the 25 cells has one name.
RFM_GRID: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...] = (
    ("Hibernating", (1, 2), (1, 2)),
    ("At Risk", (1, 2), (3, 4)),
    ("Can't Lose Them", (1, 2), (5,)),
    ("About To Sleep", (3,), (1, 2)),
    ("Need Attention", (3,), (3,)),
    ("Loyal Customers", (3, 4), (4, 5)),
    ("Promising", (4,), (1,)),
    ("New Customers", (5,), (1,)),
    ("Potential Loyalists", (4, 5), (2, 3)),
    ("Champions", (5,), (4, 5)),
)

#: The grid's segment names, from the best customers to the ones slipping away.
RFM_SEGMENTS = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About To Sleep",
    "Can't Lose Them",
    "At Risk",
    "Hibernating",
)


def _grid_table() -> np.ndarray:
    table = np.empty((6, 6), dtype=object)
    for name, rs, fs in RFM_GRID:
        for r in rs:
            for f in fs:
                table[r, f] = name
    return table


_GRID = _grid_table()


def quintile_scores(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1 to 5 by quintiles of ``values``; equal values always get equal scores.

    A value's score is 1 + the number of whole fifths of the other customers strictly
    below it (above it when lower is better, as for recency), at most 5: the lowest value
    scores 1, a lone highest value 5, the order of values is kept, and ties share a score.

    Examples
    --------
    >>> quintile_scores([10, 20, 30, 40, 50]).tolist()
    [1, 2, 3, 4, 5]
    >>> quintile_scores([1, 1, 1, 1, 1, 1, 2, 2, 3, 7]).tolist()  # most bought once
    [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]
    >>> quintile_scores([3, 100, 40], higher_is_better=False).tolist()  # recency in days
    [5, 1, 3]
    """
    array = np.asarray(values, dtype=np.float64)
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if np.isnan(array).any():
        raise DataError("Scores need a value for every customer; some values are missing")
    keyed = array if higher_is_better else -array
    below = pd.Series(keyed).rank(method="min").to_numpy() - 1  # customers strictly below
    share = below / max(array.size - 1, 1)  # 0 for the lowest value, 1 for a lone highest
    return (1 + np.minimum(np.floor(5 * share), 4)).astype(np.int64)


def rfm_segments(r_scores, f_scores) -> np.ndarray:
    """The R x F grid's segment name for each pair of scores.

    Examples
    --------
    >>> rfm_segments([5, 1, 3, 4], [5, 1, 3, 1]).tolist()
    ['Champions', 'Hibernating', 'Need Attention', 'Promising']
    """
    r = np.asarray(r_scores, dtype=np.int64)
    f = np.asarray(f_scores, dtype=np.int64)
    if r.shape != f.shape:
        raise DataError(f"{r.size} R scores but {f.size} F scores: give one of each per customer")
    outside = (r < 1) | (r > 5) | (f < 1) | (f > 5)
    if outside.any():
        raise DataError("RFM scores run from 1 to 5; some are outside that range")
    return _GRID[r, f]


def score_cuts(table: pd.DataFrame, columns: Sequence[str] = ()) -> pd.DataFrame:
    """How each score was cut: per score 1-5, the range of values and the customers in it.

    ``table`` has the score columns and the value columns they were cut from
    (``recency_days``, ``frequency``, ``monetary`` unless ``columns`` names others, in R, F,
    M order). A score no customer got is left out.

    Examples
    --------
    >>> t = pd.DataFrame({"recency_days": [5, 40, 300], "frequency": [1, 1, 4],
    ...                   "monetary": [10.0, 20.0, 30.0]})
    >>> t["r_score"] = quintile_scores(t["recency_days"], higher_is_better=False)
    >>> t["f_score"] = quintile_scores(t["frequency"])
    >>> t["m_score"] = quintile_scores(t["monetary"])
    >>> score_cuts(t)[["score", "measure", "lowest", "highest", "customers"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [[1, 'recency_days', 300.0, 300.0, 1], [3, 'recency_days', 40.0, 40.0, 1],
     [5, 'recency_days', 5.0, 5.0, 1], [1, 'frequency', 1.0, 1.0, 2],
     [5, 'frequency', 4.0, 4.0, 1], [1, 'monetary', 10.0, 10.0, 1],
     [3, 'monetary', 20.0, 20.0, 1], [5, 'monetary', 30.0, 30.0, 1]]
    """
    measures = tuple(columns) or ("recency_days", "frequency", "monetary")
    parts = []
    for score_col, measure in zip(SCORE_COLUMNS, measures):
        grouped = table.groupby(score_col)[measure].agg(["min", "max", "size"])
        parts.append(
            pd.DataFrame(
                {
                    "score": grouped.index.astype(np.int64),
                    "measure": measure,
                    "lowest": grouped["min"].astype(np.float64).to_numpy(),
                    "highest": grouped["max"].astype(np.float64).to_numpy(),
                    "customers": grouped["size"].astype(np.int64).to_numpy(),
                }
            )
        )
    cuts = pd.concat(parts, ignore_index=True)
    cuts["share"] = cuts["customers"] / max(len(table), 1)
    return cuts


def rfm_grid(table: pd.DataFrame, *, value: str = "monetary") -> pd.DataFrame:
    """Customers and value in each R x F cell: one row per (r_score, f_score) pair, all 25.

    Examples
    --------
    >>> t = pd.DataFrame({"r_score": [5, 5, 1], "f_score": [5, 5, 1], "monetary": [9, 1, 2]})
    >>> g = rfm_grid(t)
    >>> g[(g.r_score == 5) & (g.f_score == 5)][["customers", "value", "segment"]].values.tolist()
    [[2, 10.0, 'Champions']]
    >>> len(g), int(g["customers"].sum())
    (25, 3)
    """
    cells = pd.MultiIndex.from_product([range(1, 6), range(1, 6)], names=["r_score", "f_score"])
    grouped = table.groupby(["r_score", "f_score"])[value].agg(["size", "sum"]).reindex(cells)
    grid = grouped.reset_index().rename(columns={"size": "customers", "sum": "value"})
    grid["customers"] = grid["customers"].fillna(0).astype(np.int64)
    grid["value"] = grid["value"].fillna(0.0).astype(np.float64)
    grid["segment"] = rfm_segments(grid["r_score"], grid["f_score"])
    return grid
