"""The campaign pack: one ZIP for the campaign team.

Members, in this order:

* ``README.txt``: what each file is, with its row count;
* ``report.html``: the offline report (when given);
* ``customers_labelled.csv``: every customer of the file with its segment;
* ``profiles.csv``: the profile table (with the value columns when a value column is chosen);
* ``segments/NN_<name>.csv``: one list per segment, NN its number;
* ``segments/unassigned.csv``: customers without a segment, with the reason (when any);
* ``segmentation.json``: the saved segmentation (when given).

Every customer is in exactly one of the segment lists (or the unassigned list) and in the
labelled file. The CSV files are the app's own downloads (`segmentation.export`): UTF-8 with
a byte-order mark (as every CSV download of the app, so Excel shows accents), every cell as
the user wrote it, formula-like cells neutralised.

Streamed: each member is written into its ZIP entry as it is made (`ZipFile.open(name, "w")`)
and compressed on a writer thread while the next one is prepared; the customers are split
by segment in one pass (one stable sort of the labels), and each segment's list is cut out
of the labelled file's lines (when every line is one customer) rather than written again.
Besides the output, only the labelled file and two segments' lists (one being written, the
next being cut) are held at a time.
"""

from __future__ import annotations

import io
import re
import time
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
from isal import isal_zlib

from segmentation.errors import SettingsError
from segmentation.export import (
    labelled_csv_bytes,
    labelled_customers,
    to_csv_bytes,
)
from segmentation.io import CustomerData
from segmentation.model import Segmentation
from segmentation.profile import Profiles, profile_segments, profile_table
from segmentation.value import SegmentValue, with_value_columns

#: ISA-L deflate level of every member (0..3): its fastest level that still compresses a
#: customer file at least as well as zlib's fastest (benchmarks/README.md).
COMPRESS_LEVEL = 1
#: Bytes handed to the compressor at a time: bounds the compressed copy held at once.
WRITE_CHUNK = 4 << 20
#: What every CSV starts with, as the app's other CSV downloads: Excel then reads UTF-8.
BOM = b"\xef\xbb\xbf"
#: Longest part of a file name taken from a segment name (characters).
MAX_NAME_PART = 48
#: Names Windows reserves for devices, whatever the extension.
WINDOWS_RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"COM{i}" for i in range(1, 10)]
    + [f"LPT{i}" for i in range(1, 10)]
)
README = "README.txt"
REPORT = "report.html"
LABELLED = "customers_labelled.csv"
PROFILES = "profiles.csv"
SAVED = "segmentation.json"
SEGMENTS_DIR = "segments/"
UNASSIGNED = SEGMENTS_DIR + "unassigned.csv"


@dataclass(frozen=True)
class PackMember:
    """One file of the pack."""

    name: str
    rows: int | None
    what: str


@dataclass(frozen=True)
class PackContents:
    """What was written: the members in order, and the customers in each list."""

    members: tuple[PackMember, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """The member names, in order.

        >>> PackContents((PackMember(README, None, "this file"),)).names
        ('README.txt',)
        """
        return tuple(m.name for m in self.members)


def safe_name_part(text: str, *, max_length: int = MAX_NAME_PART) -> str:
    """`text` as part of a file name that every operating system accepts.

    Accents are dropped (é -> e), anything but letters, digits, ``-`` and ``_`` becomes
    ``_``, runs of ``_`` are merged, the ends are trimmed, the length is capped, and a
    name Windows reserves (CON, NUL, COM1...) gets a trailing ``_``. May return "".

    Examples
    --------
    >>> safe_name_part("Très fidèles / VIP: 2024?")
    'Tres_fideles_VIP_2024'
    >>> safe_name_part("con"), safe_name_part("../../etc/passwd"), safe_name_part("日本")
    ('con_', 'etc_passwd', '')
    """
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    part = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_text)
    part = re.sub(r"_+", "_", part).strip("_-")[:max_length].rstrip("_-")
    if part.upper() in WINDOWS_RESERVED:
        part += "_"
    return part


def segment_file_name(segment: int, name: str, k: int) -> str:
    """The list of segment number `segment` in the pack: ``segments/03_Big_spenders.csv``
    (numbers padded to the width of k, so files sort in segment order).

    Examples
    --------
    >>> segment_file_name(3, "Big spenders <VIP>", 12), segment_file_name(1, "***", 4)
    ('segments/03_Big_spenders_VIP.csv', 'segments/1.csv')
    """
    number = str(segment).zfill(len(str(k)))
    part = safe_name_part(name)
    return f"{SEGMENTS_DIR}{number}_{part}.csv" if part else f"{SEGMENTS_DIR}{number}.csv"


def _line_table(csv: bytes, n_rows: int) -> tuple[bytes, pa.LargeStringArray] | None:
    """The header line and the data lines of `csv` (each with its ``\\n``) as an Arrow
    array of views of `csv`, or None when a line is not a whole customer.

    Every record ends with one line break, so there are exactly `n_rows` lines only when
    no quoted cell holds a line break of its own."""
    body = csv.index(b"\n") + 1  # the header: column names never hold a line break
    if csv.count(b"\n", body) != n_rows or not csv.endswith(b"\n"):
        return None
    chars = np.frombuffer(csv, dtype=np.uint8)
    ends = np.empty(n_rows, dtype=np.int64)
    found = 0
    for start in range(body, len(csv), WRITE_CHUNK):  # a slice at a time: no file-sized mask
        at = np.flatnonzero(chars[start : start + WRITE_CHUNK] == ord("\n")) + (start + 1)
        ends[found : found + len(at)] = at
        found += len(at)
    offsets = np.concatenate([[body], ends]).astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(csv))
    return csv[:body], lines


def _by_segment(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row positions grouped by segment (file order within each) and where each group
    starts: segment s (1..k) is ``order[bounds[s-1]:bounds[s]]``, the unassigned are
    ``order[bounds[k]:]``. One stable sort instead of one mask per segment."""
    codes = np.where(labels < 0, k, labels).astype(np.min_scalar_type(k))
    order = np.argsort(codes, kind="stable")  # a radix sort for these small integers
    bounds = np.zeros(k + 2, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=k + 1), out=bounds[1:])
    return order, bounds


def _rows_pieces(lines: tuple[bytes, pa.LargeStringArray], rows: np.ndarray) -> list:
    """Header plus the lines at `rows`, as pieces to write one after the other (the lines
    are copied once, into one buffer, and handed over as a view of it)."""
    header, table = lines
    if len(rows) == 0:
        return [header]
    chosen = table.take(pa.array(rows))
    _, offsets, data = chosen.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[chosen.offset : chosen.offset + len(chosen) + 1]
    return [header, memoryview(data)[int(bounds[0]) : int(bounds[-1])]]


def _deflater():
    """The compressor of one member: ISA-L's deflate, the same raw DEFLATE stream as zlib's
    (any unzip reads it), several times faster."""
    return isal_zlib.compressobj(COMPRESS_LEVEL, isal_zlib.DEFLATED, -15)


def _write_member(archive: zipfile.ZipFile, name: str, pieces: Iterable) -> None:
    """Write one member from `pieces` (bytes-like, written in `WRITE_CHUNK` slices)."""
    views = [memoryview(p.encode() if isinstance(p, str) else p).cast("B") for p in pieces]
    info = zipfile.ZipInfo(name, date_time=time.localtime()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16  # rw-r--r-- once unpacked
    info.file_size = sum(v.nbytes for v in views)  # lets ZipFile choose ZIP64 when needed
    with archive.open(info, "w") as entry:
        # zipfile has no public way to choose the deflate implementation: the member's
        # compressor is swapped before anything is written (tests/test_pack.py checks that
        # the attribute is still there; without it zlib compresses, slower, same stream).
        if getattr(entry, "_compressor", None) is not None:
            entry._compressor = _deflater()
        for view in views:
            for start in range(0, view.nbytes, WRITE_CHUNK):
                entry.write(view[start : start + WRITE_CHUNK])


def _readme(
    members: Sequence[PackMember], file_name: str, k: int, notes: Mapping[str, str]
) -> str:
    """What each file is, and each segment's campaign note under its file (`notes`: member
    name -> note)."""
    width = max(len(m.name) for m in members)
    lines = [
        f"Campaign pack: {k} customer segments of {file_name}",
        "",
        "Files:",
    ]
    for m in members:
        rows = "" if m.rows is None else f" ({m.rows:,} rows)"
        lines.append(f"  {m.name.ljust(width)}  {m.what}{rows}")
        if notes.get(m.name):
            indent, label = " " * (width + 6), "Campaign note: "
            for i, line in enumerate(_note_lines(notes[m.name])):
                lines.append(f"{indent}{label if i == 0 else ' ' * len(label)}{line}")
    lines += [
        "",
        "Every customer of the file is in customers_labelled.csv and in exactly one file of",
        "segments/ (customers without a segment are in segments/unassigned.csv with the reason).",
        "The CSV files are UTF-8 (with a byte-order mark, so Excel shows accents) with every",
        "cell as written in the original file; a cell that a spreadsheet would run as a",
        "formula (starting with =, +, -, @) starts with a quote (').",
        "report.html opens in any browser, offline.",
        "",
    ]
    return "\n".join(lines)


def _note_lines(note: str) -> list[str]:
    return [line.strip() for line in str(note).splitlines() if line.strip()]


def _plan(
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    report: bool,
    saved: bool,
) -> list[PackMember]:
    """The members in the order they are written, README first."""
    k = segmentation.k
    labels = np.asarray(segmentation.labels)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    unassigned = int((labels < 0).sum())
    members = [PackMember(README, None, "this file")]
    if report:
        members.append(PackMember(REPORT, None, "the report: open it in a browser, offline"))
    members += [
        PackMember(LABELLED, len(labels), "every customer of the file with its segment"),
        PackMember(PROFILES, k, "one row per segment: size, value, means, medians, index"),
    ]
    for s in range(1, k + 1):
        members.append(
            PackMember(
                segment_file_name(s, names[s - 1], k),
                int(sizes[s - 1]),
                f"the customers of segment {s} ({names[s - 1]})",
            )
        )
    if unassigned:
        members.append(
            PackMember(UNASSIGNED, unassigned, "customers without a segment, with the reason")
        )
    if saved:
        members.append(PackMember(SAVED, None, "the saved segmentation, to apply it again"))
    return members


def write_pack(
    sink: BinaryIO,
    data: CustomerData,
    segmentation: Segmentation,
    names: Sequence[str],
    *,
    profiles: Profiles | None = None,
    value: SegmentValue | None = None,
    report_html: str | None = None,
    saved_json: str | bytes | None = None,
    file_name: str | None = None,
    notes: Mapping[int, str] | None = None,
) -> PackContents:
    """Write the campaign pack as a ZIP into `sink`, member by member.

    Parameters
    ----------
    sink : binary file-like
        Where the ZIP goes (an open file, a ``BytesIO``...); it is not closed.
    data : CustomerData
    segmentation : Segmentation
        The fit on ``data.frame``.
    names : sequence of str
        Final segment names, one per segment.
    profiles : Profiles, optional
        `profile_segments` of the fit (computed when not given).
    value : SegmentValue, optional
        Adds ``value_share``, ``value_per_customer`` and ``value_index`` to profiles.csv.
    report_html : str, optional
        The report (`segmentation.report.build_report`), written as report.html.
    saved_json : str or bytes, optional
        The saved segmentation, written as segmentation.json.
    file_name : str, optional
        The data file's name, for the README (default: the dataset's name).
    notes : mapping of int -> str, optional
        Campaign notes per segment number: in the README under each segment's file.

    Returns
    -------
    PackContents

    Raises
    ------
    SettingsError
        `names` does not match the segments, or the fit is not of `data`.

    Examples
    --------
    >>> import io, zipfile
    >>> from segmentation import fit_segments, read_customers
    >>> from segmentation.sample import SAMPLE_PATH
    >>> data = read_customers(SAMPLE_PATH.read_bytes(), name="sample.csv")
    >>> seg = fit_segments(data.frame, ["annual_income", "spending_score"], 3)
    >>> sink = io.BytesIO()
    >>> contents = write_pack(sink, data, seg, ["Low", "Mid", "CON"], notes={1: "Coupon"})
    >>> zipfile.ZipFile(sink).namelist()[-3:]
    ['segments/1_Low.csv', 'segments/2_Mid.csv', 'segments/3_CON_.csv']
    >>> sum(m.rows for m in contents.members if m.name.startswith("segments/"))
    1000
    >>> "Campaign note: Coupon" in zipfile.ZipFile(sink).read("README.txt").decode()
    True
    """
    if len(names) != segmentation.k:
        raise SettingsError(
            f"{len(names)} names given for {segmentation.k} segments: give one per segment."
        )
    names = [str(n) for n in names]
    members = _plan(
        segmentation, names, report=report_html is not None, saved=saved_json is not None
    )
    k = segmentation.k
    notes_by_file = {
        segment_file_name(s, names[s - 1], k): note
        for s, note in (notes or {}).items()
        if isinstance(s, (int, np.integer)) and 1 <= s <= k and str(note).strip()
    }
    with (
        zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        ThreadPoolExecutor(max_workers=1) as writer,
    ):
        pending: list[Future] = []

        def put(name: str, *pieces) -> None:
            # One member is compressed and written on the writer thread (the compressor
            # lets go of the GIL) while this thread prepares the next; only that thread
            # touches the archive, one member at a time.
            while pending:
                pending.pop().result()
            pending.append(writer.submit(_write_member, archive, name, pieces))

        put(README, _readme(members, file_name or data.name, k, notes_by_file))
        if report_html is not None:
            put(REPORT, report_html)
        labelled = labelled_csv_bytes(data, segmentation, names, bom=True)  # checks rows
        put(LABELLED, labelled)
        profiles = profiles if profiles is not None else profile_segments(data.frame, segmentation)
        table = profile_table(profiles, names)
        table = table if value is None else with_value_columns(table, value)
        put(PROFILES, to_csv_bytes(table, bom=True))
        _put_lists(put, labelled, data, segmentation, names)
        del labelled
        if saved_json is not None:
            put(SAVED, saved_json)
        while pending:
            pending.pop().result()
    return PackContents(tuple(members))


def _put_lists(
    put, labelled: bytes, data: CustomerData, segmentation: Segmentation, names: list[str]
) -> None:
    """One list per segment, then the unassigned customers' list, from the labelled file."""
    labels = np.asarray(segmentation.labels)
    k = segmentation.k
    order, bounds = _by_segment(labels, k)
    lines = _line_table(labelled, len(labels))
    frame = None if lines is not None else labelled_customers(data, segmentation, names)
    parts = [(segment_file_name(s, names[s - 1], k), s) for s in range(1, k + 1)]
    if bounds[k + 1] > bounds[k]:
        parts.append((UNASSIGNED, k + 1))
    for name, slot in parts:
        rows = order[bounds[slot - 1] : bounds[slot]]
        if lines is not None:
            put(name, *_rows_pieces(lines, rows))
        else:
            put(name, to_csv_bytes(frame.iloc[rows], bom=True))


def pack_bytes(
    data: CustomerData, segmentation: Segmentation, names: Sequence[str], **options
) -> bytes:
    """`write_pack` into memory: the ZIP's bytes (options as for `write_pack`).

    Examples
    --------
    >>> import io, zipfile
    >>> from segmentation import fit_segments, read_customers
    >>> data = read_customers(b"id,spend\\n1,5\\n2,6\\n3,90\\n4,95\\n5,\\n", name="c.csv")
    >>> seg = fit_segments(data.frame, ["spend"], 2)
    >>> archive = zipfile.ZipFile(io.BytesIO(pack_bytes(data, seg, ["Big", "Small"])))
    >>> archive.read("segments/unassigned.csv").decode("utf-8-sig").splitlines()[1]
    '5,,,,missing spend'
    """
    sink = io.BytesIO()
    write_pack(sink, data, segmentation, names, **options)
    return sink.getvalue()
