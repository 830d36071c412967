"""Finding the customer id column: by its name, or as the first column of unique values."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.dates import looks_like_dates
from segmentation.health import count_repeats
from segmentation.io.cells import _blank
from segmentation.io.numbers import _Number, _sample

#: Normalised column names (lower case, no spaces, underscores, dashes or dots) of ids.
ID_NAMES = (
    "id",
    "customerid",
    "custid",
    "cust",
    "clientid",
    "userid",
    "memberid",
    "accountid",
    "customerno",
    "customernumber",
    "customercode",
    "clientno",
    "clientnumber",
    "memberno",
    "accountno",
    "accountnumber",
    "custno",
    "customer",
    "client",
    "uid",
    "key",
)


def _normalise(name: str) -> str:
    return re.sub(r"[\s_\-.#]+", "", name).lower()


def _id_named(names: Sequence[str]) -> list[str]:
    """Columns named like an id, best name first."""
    by_name = [n for n in names if _normalise(n) in ID_NAMES]
    by_name.sort(key=lambda n: ID_NAMES.index(_normalise(n)))
    return by_name


def _choose_id(
    names: Sequence[str],
    text_columns: Sequence[str],
    numbers: dict[str, _Number],
    columns: dict[str, pa.ChunkedArray | np.ndarray],
    id_override: str | None,
) -> tuple[str | None, tuple[str, ...]]:
    """The id column and every column that could be it (for the override choice), best first.

    The id is the caller's choice, a column named like an id, or the first text column
    whose values are all present and unique (C10001, emails) and are not dates.
    """
    by_name = _id_named(names)
    unique_text = [
        n
        for n in text_columns
        if n not in by_name
        and _all_unique(columns[n])
        and not looks_like_dates(_sample(columns[n], 200))
    ]
    if id_override is not None:
        id_col = id_override
    elif by_name:
        id_col = by_name[0]
    elif unique_text:
        id_col = unique_text[0]
    else:
        id_col = None
    unique_numeric = [
        n for n, num in numbers.items() if n not in by_name and _unique_integers(num.values)
    ]
    candidates = tuple(
        dict.fromkeys(([id_col] if id_col else []) + by_name + unique_text + unique_numeric)
    )
    return id_col, candidates


def _all_unique(column: pa.ChunkedArray) -> bool:
    """Every cell filled and different from the others (a possible id)."""
    if pc.any(_blank(column)).as_py():
        return False
    head = column.slice(0, 10_000)
    # A repeat near the top settles it without sorting a million strings.
    if pc.count_distinct(head).as_py() < len(head):
        return False
    return count_repeats(column) == 0


def _unique_integers(values: np.ndarray) -> bool:
    """All present, integers, all different (a numeric id such as 1..200)."""
    if values.size == 0 or np.isnan(values).any():
        return False
    # n different integers span at least n: a cheap test before sorting.
    if values.max() - values.min() + 1 < values.size:
        return False
    return bool(np.all(values == np.round(values))) and len(np.unique(values)) == len(values)
