"""Back from the scatter to customers: the rows in a box or lasso selection."""

from __future__ import annotations

import numpy as np


def selected_rows(selection) -> np.ndarray:
    """Row positions (0-based, in the input table) of the customers in a scatter selection.

    Parameters
    ----------
    selection : mapping or sequence
        A Plotly selection as Streamlit reports it: the event (with a "selection" key), the
        selection (with a "points" key), or the list of points. Each point's ``customdata``
        may be a list (``[row, ...]``, as in AppTest) or a dict (``{"0": row, ...}``, as
        from the browser). Segment centres (row -1) and points without customdata are
        skipped.

    Returns
    -------
    numpy.ndarray
        Sorted, unique int64 row positions; empty when nothing is selected.

    Examples
    --------
    >>> points = [{"customdata": [12.0, 3.5]}, {"customdata": {"0": 7}}, {"customdata": [-1.0]}]
    >>> selected_rows({"selection": {"points": points}}).tolist()
    [7, 12]
    """
    if selection is None:
        return np.empty(0, dtype=np.int64)
    if isinstance(selection, dict) or hasattr(selection, "get"):
        if selection.get("selection") is not None:
            selection = selection["selection"]
        points = selection.get("points") or []
    else:
        points = selection
    rows = [_row_of(point) for point in points]
    return np.unique(np.asarray([r for r in rows if r is not None and r >= 0], dtype=np.int64))


def _row_of(point) -> int | None:
    """The row position in one selected point's customdata, or None without one."""
    custom = point.get("customdata") if hasattr(point, "get") else None
    if custom is None:
        return None
    if hasattr(custom, "get"):
        value = custom.get("0", custom.get(0))
    elif isinstance(custom, (list, tuple, np.ndarray)):
        value = custom[0] if len(custom) else None
    else:
        value = custom
    return None if value is None else int(float(value))
