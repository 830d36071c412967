"""Who moved: the segments customers had before (an earlier labelled download) against now.

A customers file that carries ``segment`` and ``segment_name`` columns (the app's own
labelled download, or any file with those columns) holds the previous assignment. When it
is assigned again, the labelled download keeps those columns as ``previous_segment`` and
``previous_segment_name`` (and an earlier ``unassigned_reason`` as
``previous_unassigned_reason``), and the new ones take the plain names.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.export import labelled_csv_bytes, labelled_customers, to_csv_bytes
from segmentation.export import segment_columns as _segment_columns
from segmentation.model import Segmentation

#: The columns read as the previous assignment (compared ignoring case).
PREVIOUS_SEGMENT, PREVIOUS_NAME, PREVIOUS_REASON = "segment", "segment_name", "unassigned_reason"
#: What they are called in the new labelled download.
RENAMED = {
    PREVIOUS_SEGMENT: "previous_segment",
    PREVIOUS_NAME: "previous_segment_name",
    PREVIOUS_REASON: "previous_unassigned_reason",
    "runner_up_segment": "previous_runner_up_segment",
    "margin": "previous_margin",
}
#: The row and column of customers without a segment.
NO_SEGMENT = "no segment"


def previous_renames(columns: Sequence[str]) -> dict[str, str]:
    """The file's columns to rename as the previous assignment ({old: new}); empty when
    the file has no ``segment`` and ``segment_name`` columns, or already has a
    ``previous_*`` column of the same name (then nothing is renamed).

    >>> previous_renames(["id", "spend", "segment", "segment_name", "unassigned_reason"])
    {'segment': 'previous_segment', 'segment_name': 'previous_segment_name', \
'unassigned_reason': 'previous_unassigned_reason'}
    >>> previous_renames(["id", "segment"])
    {}
    """
    by_fold = {str(c).casefold(): str(c) for c in columns}
    if PREVIOUS_SEGMENT not in by_fold or PREVIOUS_NAME not in by_fold:
        return {}
    renames = {by_fold[old]: new for old, new in RENAMED.items() if old in by_fold}
    if any(new.casefold() in by_fold for new in renames.values()):
        return {}
    return renames


def output_columns(columns: Sequence[str]) -> tuple[list[str], list[str]]:
    """The labelled download's columns as `labelled_customers` names them, and as they are
    written once the previous assignment is renamed.

    >>> output_columns(["id", "segment", "segment_name"])[1][:3]
    ['id', 'previous_segment', 'previous_segment_name']
    """
    columns = [str(c) for c in columns]
    written = columns + list(_segment_columns(columns))
    return written, renamed_columns(columns, written)


def renamed_columns(columns: Sequence[str], written: Sequence[str]) -> list[str]:
    """`written` (the file's `columns`, then the columns the export added, suffixed
    ``_new`` where a name was taken) with the previous assignment renamed and the added
    columns given back their plain names.

    >>> renamed_columns(["id", "segment", "segment_name", "margin"],
    ...                 ["id", "segment", "segment_name", "margin", "segment_new", "margin_new"])
    ['id', 'previous_segment', 'previous_segment_name', 'previous_margin', 'segment', 'margin']
    """
    columns = [str(c) for c in columns]
    renames = previous_renames(columns)
    if not renames:
        return list(written)
    head = [renames.get(c, c) for c in written[: len(columns)]]
    taken = {c.casefold() for c in head}
    tail = []
    for name in written[len(columns) :]:
        plain = re.sub(r"_new(_\d+)?$", "", name)
        tail.append(plain if plain.casefold() not in taken else name)
        taken.add(tail[-1].casefold())
    return head + tail


def _header(columns: Sequence[str]) -> bytes:
    return to_csv_bytes(pd.DataFrame(columns=list(columns), dtype="str"))


def renamed_header(columns: Sequence[str]) -> tuple[bytes, bytes]:
    """The header line `labelled_csv_bytes` writes for a table with `columns`, and the one
    the labelled download writes (the previous assignment renamed).

    >>> written, renamed = renamed_header(["id", "segment", "segment_name"])
    >>> written.decode().strip().replace('"', '')
    'id,segment,segment_name,segment_new,segment_name_new,unassigned_reason_new'
    >>> renamed.decode().strip().replace('"', '')
    'id,previous_segment,previous_segment_name,segment,segment_name,unassigned_reason'
    """
    written, renamed = output_columns(columns)
    return _header(written), _header(renamed)


def labelled_bytes(
    data, segmentation: Segmentation, names: Sequence[str], *, margins=None
) -> bytes:
    """The labelled download: `segmentation.export.labelled_csv_bytes`, with the previous
    assignment's columns renamed in its header (every row byte for byte the same).

    Examples
    --------
    >>> from segmentation import read_customers, fit_segments
    >>> data = read_customers(b"id,x,segment,segment_name\\nA,1,1,Low\\nB,2,1,Low\\n"
    ...                       b"C,9,2,High\\nD,10,2,High\\n")
    >>> seg = fit_segments(data.frame, ["x"], 2)
    >>> labelled_bytes(data, seg, ["Big", "Small"]).decode().splitlines()[0].replace('"', '')
    'id,x,previous_segment,previous_segment_name,segment,segment_name,unassigned_reason'
    """
    body = labelled_csv_bytes(data, segmentation, names, margins=margins)
    columns = [str(c) for c in data.frame.columns]
    if not previous_renames(columns):
        return body
    end = body.index(b"\n") + 1
    bom = b"\xef\xbb\xbf" if body.startswith(b"\xef\xbb\xbf") else b""
    written = next(csv.reader([body[len(bom) : end].decode("utf-8")]))
    header = _header(renamed_columns(columns, written)).removeprefix(b"\xef\xbb\xbf")
    return bom + header + body[end:]


def labelled_table(data, segmentation: Segmentation, names: Sequence[str]) -> pd.DataFrame:
    """`segmentation.export.labelled_customers` with the previous assignment renamed.

    >>> from segmentation import read_customers, fit_segments
    >>> data = read_customers(b"id,x,segment,segment_name\\nA,1,1,Low\\nB,2,1,Low\\n"
    ...                       b"C,9,2,High\\nD,10,2,High\\n")
    >>> table = labelled_table(data, fit_segments(data.frame, ["x"], 2), ["Big", "Small"])
    >>> list(table.columns)[2:5]
    ['previous_segment', 'previous_segment_name', 'segment']
    """
    table = labelled_customers(data, segmentation, names)
    written, renamed = output_columns(data.raw.columns)
    table.columns = renamed if list(table.columns) == written else table.columns
    return table


@dataclass(frozen=True)
class Movement:
    """Customers by segment before (rows) and now (columns).

    Attributes
    ----------
    counts : pandas.DataFrame
        Customers per (before, now) cell; labels "1 · Loyal"-style, plus `NO_SEGMENT`.
        Stayers are where the before and now names agree.
    shares : pandas.DataFrame
        Each row divided by its total: of the customers in a segment before, the share in
        each segment now.
    before : numpy.ndarray
        Per customer, the row label (before).
    now : numpy.ndarray
        Per customer, the column label (now).
    """

    counts: pd.DataFrame
    shares: pd.DataFrame
    before: np.ndarray
    now: np.ndarray

    @property
    def moved(self) -> int:
        """Customers whose segment name changed."""
        return int(np.sum(_name_of(self.before) != _name_of(self.now)))

    def cell(self, before: str, now: str) -> np.ndarray:
        """Positions (0-based, input order) of the customers in one cell."""
        return np.flatnonzero((self.before == before) & (self.now == now))


def _name_of(labels: np.ndarray) -> np.ndarray:
    """The name part of "3 · Loyal" labels (what tells a stayer from a mover)."""
    return np.array([str(v).split(" · ", 1)[-1] for v in labels], dtype=object)


def _label(number: str, name: str) -> str:
    number, name = number.strip(), name.strip()
    if not number and not name:
        return NO_SEGMENT
    if not number:
        return name
    return f"{number} · {name}" if name else f"Segment {number}"


def movement(data, segmentation: Segmentation, names: Sequence[str]) -> Movement | None:
    """Before x now, when `data` carries a previous assignment (else None).

    Examples
    --------
    >>> from segmentation import read_customers, fit_segments
    >>> data = read_customers(b"id,x,segment,segment_name\\nA,1,1,Low\\nB,2,1,Low\\n"
    ...                       b"C,9,2,High\\nD,10,1,Low\\n")
    >>> seg = fit_segments(data.frame, ["x"], 2)
    >>> m = movement(data, seg, ["Low", "High"])
    >>> int(m.counts.loc["1 · Low", "2 · High"]), m.moved
    (1, 1)
    """
    renames = previous_renames(data.frame.columns)
    if not renames:
        return None
    by_new = {new: old for old, new in renames.items()}
    raw = data.raw
    numbers = raw[by_new[RENAMED[PREVIOUS_SEGMENT]]].astype("str").fillna("")
    prev_names = raw[by_new[RENAMED[PREVIOUS_NAME]]].astype("str").fillna("")
    pairs = pd.DataFrame({"n": numbers.to_numpy(), "m": prev_names.to_numpy()})
    codes, uniques = pd.factorize(pd.MultiIndex.from_frame(pairs))
    labels_before = [_label(str(n), str(m)) for n, m in uniques]
    before = np.asarray(labels_before, dtype=object)[codes]
    k = segmentation.k
    now_labels = np.asarray([f"{s} · {names[s - 1]}" for s in range(1, k + 1)] + [NO_SEGMENT])
    labels = np.asarray(segmentation.labels)
    now = now_labels.astype(object)[np.where(labels >= 0, labels, k)]
    rows = sorted(set(labels_before), key=_order)
    counts = pd.crosstab(pd.Series(before, name="before"), pd.Series(now, name="now"))
    counts = counts.reindex(index=rows, columns=list(now_labels), fill_value=0)
    totals = counts.sum(axis=1).replace(0, 1)
    shares = counts.div(totals, axis=0)
    return Movement(counts, shares, before, now)


def _order(label: str) -> tuple:
    """Previous segments by number (as a number when it is one), `NO_SEGMENT` last."""
    if label == NO_SEGMENT:
        return (2, 0.0, label)
    head = label.split(" · ", 1)[0].removeprefix("Segment ")
    try:
        return (0, float(head), label)
    except ValueError:
        return (1, 0.0, label)
