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
labelled file. The CSV files are the app's own downloads (`segmentation.export`): UTF-8,
every cell as the user wrote it, formula-like cells neutralised.

Streamed: the ZIP is written to a file-like object member by member, each member compressed
as it is produced; the per-segment lists are cut out of the labelled file's bytes (when no
cell is quoted, every line is one customer) rather than written a second time.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa

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

#: zlib level of every member. Level 1 compressed the 1M-customer labelled file 7x faster
#: than the default 6 for a file 14% larger (benchmarks/README.md).
COMPRESS_LEVEL = 1
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
        """The member names, in order."""
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


def _line_table(csv: bytes) -> tuple[bytes, pa.LargeStringArray] | None:
    """The header line and the data lines of `csv` as an Arrow array (views of `csv`), or
    None when a data cell is quoted (a line may then not be a whole customer)."""
    body = csv.index(b"\n") + 1  # the header: column names are always quoted
    if csv.find(b'"', body) >= 0:
        return None
    chars = np.frombuffer(csv, dtype=np.uint8)
    ends = np.flatnonzero(chars[body:] == ord("\n")) + body + 1
    offsets = np.concatenate([[body], ends]).astype(np.int64)
    lines = pa.LargeStringArray.from_buffers(len(ends), pa.py_buffer(offsets), pa.py_buffer(csv))
    return csv[:body], lines


def _rows_csv(lines: tuple[bytes, pa.LargeStringArray], mask: np.ndarray) -> bytes:
    """Header plus the lines where `mask` is true, as one CSV."""
    header, table = lines
    chosen = table.filter(pa.array(mask))
    if len(chosen) == 0:
        return header
    _, offsets, data = chosen.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int64)[chosen.offset : chosen.offset + len(chosen) + 1]
    return header + memoryview(data)[int(bounds[0]) : int(bounds[-1])].tobytes()


def _readme(members: Sequence[PackMember], file_name: str, k: int) -> str:
    width = max(len(m.name) for m in members)
    lines = [
        f"Campaign pack: {k} customer segments of {file_name}",
        "",
        "Files:",
    ]
    for m in members:
        rows = "" if m.rows is None else f" ({m.rows:,} rows)"
        lines.append(f"  {m.name.ljust(width)}  {m.what}{rows}")
    lines += [
        "",
        "Every customer of the file is in customers_labelled.csv and in exactly one file of",
        "segments/ (customers without a segment are in segments/unassigned.csv with the reason).",
        "The CSV files are UTF-8 with every cell as written in the original file; a cell that",
        "a spreadsheet would run as a formula (starting with =, +, -, @) starts with a quote (').",
        "Excel: open them with Data > From Text/CSV so names with accents read right.",
        "report.html opens in any browser, offline.",
        "",
    ]
    return "\n".join(lines)


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
    >>> contents = write_pack(sink, data, seg, ["Low", "Mid", "CON"])
    >>> zipfile.ZipFile(sink).namelist()[-3:]
    ['segments/1_Low.csv', 'segments/2_Mid.csv', 'segments/3_CON_.csv']
    >>> sum(m.rows for m in contents.members if m.name.startswith("segments/"))
    1000
    """
    if len(names) != segmentation.k:
        raise SettingsError(
            f"{len(names)} names given for {segmentation.k} segments: give one per segment."
        )
    names = [str(n) for n in names]
    members = _plan(
        segmentation, names, report=report_html is not None, saved=saved_json is not None
    )
    labels = np.asarray(segmentation.labels)
    with (
        zipfile.ZipFile(
            sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=COMPRESS_LEVEL
        ) as archive,
        ThreadPoolExecutor(max_workers=1) as writer,
    ):
        pending: list[Future] = []

        def put(name: str, content: bytes | str) -> None:
            # One member is compressed and written on the writer thread (zlib lets go of
            # the GIL) while this thread prepares the next; only that thread touches the
            # archive, one member at a time.
            while pending:
                pending.pop().result()
            pending.append(writer.submit(archive.writestr, name, content))

        put(README, _readme(members, file_name or data.name, segmentation.k))
        if report_html is not None:
            put(REPORT, report_html)
        labelled = labelled_csv_bytes(data, segmentation, names)  # checks rows against data
        put(LABELLED, labelled)
        profiles = profiles if profiles is not None else profile_segments(data.frame, segmentation)
        table = profile_table(profiles, names)
        put(PROFILES, to_csv_bytes(table if value is None else with_value_columns(table, value)))
        lines = _line_table(labelled)
        frame = None if lines is not None else labelled_customers(data, segmentation, names)
        del labelled
        k = segmentation.k
        parts = [(segment_file_name(s, names[s - 1], k), labels == s - 1) for s in range(1, k + 1)]
        if (labels < 0).any():
            parts.append((UNASSIGNED, labels < 0))
        for name, mask in parts:
            put(name, _rows_csv(lines, mask) if lines is not None else to_csv_bytes(frame[mask]))
        if saved_json is not None:
            put(SAVED, saved_json)
        while pending:
            pending.pop().result()
    return PackContents(tuple(members))


def pack_bytes(data: CustomerData, segmentation: Segmentation, names: Sequence[str], **options):
    """`write_pack` into memory: the ZIP's bytes (options as for `write_pack`)."""
    sink = io.BytesIO()
    write_pack(sink, data, segmentation, names, **options)
    return sink.getvalue()
