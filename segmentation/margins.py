"""Borderline customers: each customer's runner-up segment and how firmly it belongs.

The margin of a customer is ``1 - d(own centre) / d(runner-up centre)``, distances in the
scaled space the segments were fitted in: 0 on the border between its segment and the
nearest other one, near 1 at its segment's heart. It is computed for every customer,
exactly, in chunks of rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from segmentation.errors import SettingsError
from segmentation.model import Segmentation
from segmentation.prepare import PreparedFeatures
from segmentation.threads import WORKERS, one_thread

#: Customers whose margin is below this are borderline: the runner-up centre is less than
#: 25% farther away than their own (d(runner-up) < 1.25 d(own)), so a small change in
#: their numbers could move them.
BORDERLINE = 0.2
#: Rows whose distances are computed at a time (65,536 x k float64: a few MB).
CHUNK = 1 << 16


@dataclass(frozen=True)
class Margins:
    """Runner-up segment and margin of every input row.

    Attributes
    ----------
    runner_up : numpy.ndarray
        int64 per input row: the nearest other segment 0..k-1, or -1 when unassigned.
    margin : numpy.ndarray
        float64 per input row in [0, 1], NaN when unassigned.
    """

    runner_up: np.ndarray
    margin: np.ndarray


@dataclass(frozen=True)
class Borderline:
    """Per segment 0..k-1: how many of its customers are borderline and where they lean.

    Attributes
    ----------
    threshold : float
        Margins below this count as borderline.
    counts : tuple of int
        Borderline customers per segment.
    shares : tuple of float
        Borderline customers as a share (0..1) of the segment.
    lean_to : tuple of int
        The segment (0..k-1) most of them have as runner-up; -1 when none is borderline.
    lean_shares : tuple of float
        Share (0..1) of the borderline customers that lean to `lean_to`; 0 when none.
    """

    threshold: float
    counts: tuple[int, ...]
    shares: tuple[float, ...]
    lean_to: tuple[int, ...]
    lean_shares: tuple[float, ...]


def scaled_centres(segmentation: Segmentation) -> np.ndarray:
    """The segment centres (k x features) in the scaled space, numbered as the segments.

    >>> import pandas as pd
    >>> from segmentation import fit_prepared, prepare_features
    >>> df = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 5.0, 10.0, 11.0, 12.0]})
    >>> seg = fit_prepared(prepare_features(df, ["spend"], scaler="none"), 2)
    >>> scaled_centres(seg).round(2).tolist()  # segment 1 is the larger
    [[2.75], [11.0]]
    """
    return np.asarray(segmentation.pipeline[-1].cluster_centers_, dtype=float)


def _chunk_margins(
    rows: np.ndarray, own: np.ndarray, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Runner-up and margin of `rows` (scaled) whose segments are `own`."""
    n, k = len(rows), len(centres)
    d2 = np.empty((n, k))
    for j, centre in enumerate(centres):
        # Differences, not |x|^2 - 2x.c + |c|^2: exact even far from the origin.
        diff = rows - centre
        d2[:, j] = np.einsum("ij,ij->i", diff, diff)
    at = np.arange(n)
    d_own = d2[at, own].copy()
    d2[at, own] = np.inf
    runner = np.argmin(d2, axis=1)
    d_run = d2[at, runner]
    with np.errstate(invalid="ignore", divide="ignore"):
        margin = 1.0 - np.sqrt(d_own / d_run)
    # A customer as near another centre as its own (or nearer, by rounding) is on the border.
    margin = np.clip(np.nan_to_num(margin, nan=0.0), 0.0, 1.0)
    return runner, margin


def segment_margins(prepared: PreparedFeatures, segmentation: Segmentation) -> Margins:
    """Runner-up segment and margin in [0, 1] of every customer of `segmentation`.

    Parameters
    ----------
    prepared : PreparedFeatures
        What `segmentation` was fitted on.
    segmentation : Segmentation

    Returns
    -------
    Margins
        One value per input row; unassigned rows get runner-up -1 and margin NaN.

    Raises
    ------
    SettingsError
        `segmentation` was not fitted on `prepared`.

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import fit_prepared, prepare_features
    >>> df = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 5.0, 10.0, 11.0, 12.0]})
    >>> prepared = prepare_features(df, ["spend"], scaler="none")
    >>> seg = fit_prepared(prepared, 2)  # centres 2.75 and 11
    >>> seg.labels.tolist()
    [0, 0, 0, 0, 1, 1, 1]
    >>> result = segment_margins(prepared, seg)
    >>> result.runner_up.tolist()
    [1, 1, 1, 1, 0, 0, 0]
    >>> result.margin.round(2).tolist()  # at 5: 1 - 2.25 / 6
    [0.82, 0.92, 0.97, 0.62, 0.86, 1.0, 0.89]
    """
    labels = np.asarray(segmentation.labels)
    if len(labels) != prepared.n_input or segmentation.features != prepared.settings.features:
        raise SettingsError(
            "The segmentation was not fitted on these prepared features: fit it again "
            "before measuring its margins."
        )
    matrix, centres = prepared.matrix, scaled_centres(segmentation)
    own = labels[prepared.rows]
    n = len(matrix)
    runner = np.empty(n, dtype=np.int64)
    margin = np.empty(n)
    starts = range(0, n, CHUNK)

    def work(mine: range) -> None:
        # numpy's passes release the GIL: chunks on WORKERS threads, one thread each.
        with one_thread():
            for start in mine:
                stop = min(start + CHUNK, n)
                runner[start:stop], margin[start:stop] = _chunk_margins(
                    matrix[start:stop], own[start:stop], centres
                )

    shares = [starts[i::WORKERS] for i in range(min(WORKERS, len(starts)))]
    if len(shares) > 1:
        with ThreadPoolExecutor(max_workers=len(shares)) as pool:
            list(pool.map(work, shares))
    else:
        for share in shares:
            work(share)
    all_runner = np.full(prepared.n_input, -1, dtype=np.int64)
    all_margin = np.full(prepared.n_input, np.nan)
    all_runner[prepared.rows] = runner
    all_margin[prepared.rows] = margin
    return Margins(runner_up=all_runner, margin=all_margin)


def borderline_summary(
    margins: Margins, segmentation: Segmentation, *, threshold: float = BORDERLINE
) -> Borderline:
    """Per segment, the borderline customers (margin below `threshold`) and the segment
    most of them lean to (their most common runner-up).

    Examples
    --------
    >>> import pandas as pd
    >>> from segmentation import fit_prepared, prepare_features
    >>> df = pd.DataFrame({"spend": [1.0, 2.0, 3.0, 5.0, 10.0, 11.0, 12.0]})
    >>> prepared = prepare_features(df, ["spend"], scaler="none")
    >>> seg = fit_prepared(prepared, 2)
    >>> summary = borderline_summary(segment_margins(prepared, seg), seg, threshold=0.7)
    >>> summary.counts, summary.shares, summary.lean_to
    ((1, 0), (0.25, 0.0), (1, -1))
    """
    if not 0.0 < float(threshold) <= 1.0:
        raise SettingsError(f"threshold={threshold!r} must be above 0 and at most 1.")
    k = segmentation.k
    labels = np.asarray(segmentation.labels)
    assigned = labels >= 0
    own, runner = labels[assigned], margins.runner_up[assigned]
    border = margins.margin[assigned] < threshold
    sizes = np.bincount(own, minlength=k)
    pairs = np.bincount(own[border] * k + runner[border], minlength=k * k).reshape(k, k)
    counts = pairs.sum(axis=1)
    lean = np.where(counts > 0, pairs.argmax(axis=1), -1)
    return Borderline(
        threshold=float(threshold),
        counts=tuple(int(c) for c in counts),
        shares=tuple(float(c / s) if s else 0.0 for c, s in zip(counts, sizes)),
        lean_to=tuple(int(v) for v in lean),
        lean_shares=tuple(
            float(pairs[s, lean[s]] / counts[s]) if counts[s] else 0.0 for s in range(k)
        ),
    )


def with_borderline(table, borderline: Borderline, names: Sequence[str]):
    """`table` (one row per segment, a ``segment`` column 1..k, as `profile_table`) with
    ``borderline_share`` (0..1, 4 decimals) and ``borderline_lean_to`` ("2 · name", blank
    when none is borderline) as its last columns.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"segment": [1, 2], "name": ["A", "B"]})
    >>> b = Borderline(0.2, (3, 0), (0.3, 0.0), (1, -1), (1.0, 0.0))
    >>> out = with_borderline(table, b, ["A", "B"])
    >>> out[["borderline_share", "borderline_lean_to"]].values.tolist()
    [[0.3, '2 · B'], [0.0, '']]
    """
    out = table.copy()
    segments = [int(s) - 1 for s in out["segment"]]
    out["borderline_share"] = [round(borderline.shares[s], 4) for s in segments]
    out["borderline_lean_to"] = [
        ""
        if borderline.lean_to[s] < 0
        else f"{borderline.lean_to[s] + 1} · {names[borderline.lean_to[s]]}"
        for s in segments
    ]
    return out
