"""A generated corpus of small files that cost a lot to read: bombs, wide files, huge row groups.

Every file is built in code, deterministically, and small on disk (at most ~60 MB); what it
declares or inflates to is what costs. Each must come back from `read_customers` as a table
or as the core's own `DataError`, in bounded time and memory (see tests/test_costly.py,
benchmarks/costly_uploads.py).

    python tests/costly.py OUTDIR      # writes every file, for a look or the browser
"""

from __future__ import annotations

import functools
import io
import struct
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass(frozen=True)
class Costly:
    """One costly file: its name, how to build its bytes, and what it does to a reader.

    ``refused`` names what the core must say when it refuses the file before the costly
    part (a regular expression), or is None when reading it as a table is fine.
    """

    name: str
    filename: str
    build: Callable[[], bytes]
    what: str
    refused: str | None = None


# --- xlsx written by hand: a zip whose parts we control, sizes and all ----------------------


def _zip(entries: list[tuple[str, bytes, int, int, int]]) -> bytes:
    """A zip of ``(name, deflated bytes, crc, uncompressed size, method)`` entries."""
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, crc, size, method in entries:
        offset = out.tell()
        raw = name.encode()
        head = struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size,
                           len(raw), 0)
        out.write(head + raw + data)
        central.write(
            struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                        len(data), size, len(raw), 0, 0, 0, 0, 0, offset)
            + raw
        )
    start, directory = out.tell(), central.getvalue()
    out.write(directory)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                          len(directory), start, 0))
    return out.getvalue()


def _deflated(name: str, text: bytes) -> tuple[str, bytes, int, int, int]:
    packer = zlib.compressobj(6, zlib.DEFLATED, -15)
    return name, packer.compress(text) + packer.flush(), zlib.crc32(text), len(text), 8


def _repeated(name: str, head: bytes, chunk: bytes, times: int, tail: bytes, *,
              declared: int | None = None) -> tuple[str, bytes, int, int, int]:
    """A deflated entry of ``head + chunk * times + tail`` without building it in memory.

    After a full flush deflate forgets what came before, so every copy of ``chunk``
    compresses to the same bytes. ``declared`` writes a false uncompressed size.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = packer.compress(head) + packer.flush(zlib.Z_FULL_FLUSH)
    block = packer.compress(chunk) + packer.flush(zlib.Z_FULL_FLUSH)
    last = packer.compress(tail) + packer.flush()
    crc = zlib.crc32(head)
    for _ in range(times if declared is None else 0):  # a false size: the CRC is moot
        crc = zlib.crc32(chunk, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + len(chunk) * times + len(tail)
    return name, first + block * times + last, crc, declared or size, 8


def _workbook(sheets: list[tuple[str, tuple[str, bytes, int, int, int]]],
              extra: list[tuple[str, bytes, int, int, int]] = ()) -> bytes:
    """An .xlsx of the given (sheet name, worksheet part) pairs, parts named sheet<i>.xml."""
    types = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    listed = "".join(
        f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _) in enumerate(sheets, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, len(sheets) + 1)
    )
    parts = [
        _deflated("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats'
            '.org/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType='
            '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' + types + "</Types>"
        ).encode()),
        _deflated("_rels/.rels", (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" Type="{_DOC_RELS}/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ).encode()),
        _deflated("xl/workbook.xml", (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><sheets>{listed}</sheets></workbook>'
        ).encode()),
        _deflated("xl/_rels/workbook.xml.rels",
                  f'<Relationships xmlns="{_RELS}">{rels}</Relationships>'.encode()),
    ]
    return _zip(parts + [part for _, part in sheets] + list(extra))


def _cell(value: object) -> str:
    if isinstance(value, str):
        return f'<c t="inlineStr"><is><t>{value}</t></is></c>'
    return f"<c><v>{value}</v></c>"


def _sheet_xml(rows: list[list[object]], dimension: str | None = None) -> bytes:
    body = "".join("<row>" + "".join(_cell(v) for v in row) + "</row>" for row in rows)
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<worksheet xmlns="{_MAIN}">{dim}<sheetData>{body}</sheetData></worksheet>'.encode()


def _customers(n: int = 30) -> list[list[object]]:
    rng = np.random.default_rng(0)
    return [["customer_id", "income", "spend"]] + [
        [f"C{i:03d}", int(rng.integers(20, 120)), round(float(rng.gamma(2, 30)), 2)]
        for i in range(n)
    ]


def _bomb_parts(rows: int, *, declared: int | None = None, dimension: bool = True):
    head = (f'<worksheet xmlns="{_MAIN}">'
            + (f'<dimension ref="A1:C{rows + 1}"/>' if dimension else "")
            + "<sheetData><row>" + "".join(_cell(v) for v in _customers(0)[0]) + "</row>"
            ).encode()
    row = b"<row><c><v>1</v></c><c><v>2</v></c><c><v>3</v></c></row>"
    per_chunk = 16_384
    return _repeated("xl/worksheets/sheet1.xml", head, row * per_chunk, rows // per_chunk,
                     b"</sheetData></worksheet>", declared=declared)


@functools.cache
def xlsx_bomb(rows: int = 30_000_000) -> bytes:
    """A workbook whose one sheet inflates to ~2 GB of XML (30M rows) from a few MB."""
    return _workbook([("Customers", _bomb_parts(rows))])


@functools.cache
def xlsx_lying_bomb(rows: int = 30_000_000) -> bytes:
    """The bomb with a false zip directory (1 MB uncompressed) and no dimension element."""
    return _workbook([("Customers", _bomb_parts(rows, declared=1 << 20, dimension=False))])


def xlsx_declared_dimension() -> bytes:
    """A small sheet whose dimension element claims 1,048,576 rows x 16,384 columns."""
    part = _deflated("xl/worksheets/sheet1.xml", _sheet_xml(_customers(), "A1:XFD1048576"))
    return _workbook([("Customers", part)])


def xlsx_many_sheets(count: int = 2_000) -> bytes:
    """2,000 sheets; the first holds the customers."""
    sheets = [("Customers", _deflated("xl/worksheets/sheet1.xml", _sheet_xml(_customers())))]
    small = _sheet_xml([["a"], [1]])
    sheets += [(f"S{i}", _deflated(f"xl/worksheets/sheet{i}.xml", small))
               for i in range(2, count + 1)]
    return _workbook(sheets)


def xlsx_deeply_nested(depth: int = 200_000) -> bytes:
    """Customers, then 200,000 nested unknown elements inside the sheet data."""
    rows = _sheet_xml(_customers()).replace(
        b"</sheetData>", b"<row>" + b"<x>" * depth + b"</x>" * depth + b"</row></sheetData>"
    )
    return _workbook([("Customers", _deflated("xl/worksheets/sheet1.xml", rows))])


def xlsx_entity_expansion() -> bytes:
    """A "billion laughs" DTD in the sheet: ten levels of ten entities each."""
    entities = '<!ENTITY l0 "ha">' + "".join(
        f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10)
    )
    sheet = _sheet_xml(_customers()).replace(b"<worksheet", b"<!DOCTYPE worksheet ["
                                             + entities.encode() + b"]><worksheet", 1)
    sheet = sheet.replace(b"<t>C000</t>", b"<t>&l9;</t>", 1)
    return _workbook([("Customers", _deflated("xl/worksheets/sheet1.xml", sheet))])


# --- Parquet -------------------------------------------------------------------------------


def _parquet(batches, schema, row_group_size: int | None = None) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    with pq.ParquetWriter(sink, schema, compression="zstd") as writer:
        for batch in batches:
            writer.write_table(batch, row_group_size=row_group_size)
    return sink.getvalue().to_pybytes()


def parquet_constant_rows(rows: int = 50_000_000, group: int = 1_000_000) -> bytes:
    """50M identical rows, zstd: a few hundred KB on disk."""
    import pyarrow as pa

    table = pa.table({"income": pa.repeat(pa.scalar(50.0), group),
                      "spend": pa.repeat(pa.scalar(12.5), group)})
    return _parquet([table] * (rows // group), table.schema, row_group_size=group)


def parquet_huge_row_group(rows: int = 6_000_000) -> bytes:
    """One row group of 6M rows (its metadata says so)."""
    import pyarrow as pa

    table = pa.table({"income": pa.repeat(pa.scalar(50.0), rows),
                      "spend": pa.repeat(pa.scalar(12.5), rows)})
    return _parquet([table], table.schema, row_group_size=rows)


def parquet_long_strings(rows: int = 200_000, width: int = 10_000) -> bytes:
    """200k rows of one repeated 10 KB text (dictionary encoded): 2 GB once decoded."""
    import pyarrow as pa

    note = pa.DictionaryArray.from_arrays(pa.array(np.zeros(rows, dtype=np.int32)),
                                          pa.array(["x" * width]))
    table = pa.table({"income": np.arange(rows, dtype=np.float64), "note": note})
    return _parquet([table], table.schema)


# --- CSV -----------------------------------------------------------------------------------


def csv_wide(rows: int = 20, columns: int = 20_000) -> bytes:
    """20 rows x 20,000 numeric columns (1.3 MB)."""
    rng = np.random.default_rng(0)
    header = "customer_id," + ",".join(f"m{j}" for j in range(columns))
    values = rng.integers(0, 100, size=(rows, columns))
    body = "\n".join(f"C{i}," + ",".join(map(str, row)) for i, row in enumerate(values))
    return (header + "\n" + body + "\n").encode()


def csv_many_tiny_columns(rows: int = 300, columns: int = 100_000) -> bytes:
    """300 rows x 100,000 one-digit columns (60 MB)."""
    header = ",".join(f"c{j}" for j in range(columns)).encode()
    line = b",".join([b"1"] * columns)
    return header + b"\n" + b"\n".join([line] * rows) + b"\n"


def csv_tiny_rows(rows: int = 30_000_000) -> bytes:
    """30M rows of one digit (60 MB)."""
    return b"spend\n" + b"1\n" * rows


def csv_one_long_line(size: int = 50_000_000) -> bytes:
    """One 50 MB line."""
    return b"id,spend\nC1," + b"1" * size + b"\n"


def csv_blank_lines(blank: int = 5_000_000) -> bytes:
    """Customers followed by 5M blank lines."""
    rows = "\n".join(f"C{i},{i % 7},{i % 5}" for i in range(30))
    return ("id,income,spend\n" + rows + "\n").encode() + b"\n" * blank


LIMIT = r"(?i)at most .*(command line|SQL)"

CASES = (
    Costly("wide_csv", "wide.csv", csv_wide, "20 rows x 20,000 columns", LIMIT),
    Costly("xlsx_bomb", "bomb.xlsx", xlsx_bomb, "sheet XML inflates to ~2 GB, 30M rows", LIMIT),
    Costly("xlsx_lying_bomb", "lying_bomb.xlsx", xlsx_lying_bomb,
           "the bomb with a false zip directory and no dimension", r"(?i)damaged|at most"),
    Costly("xlsx_declared_dimension", "dimension.xlsx", xlsx_declared_dimension,
           "a small sheet declaring 1,048,576 x 16,384 cells", LIMIT),
    Costly("parquet_constant_rows", "constant.parquet", parquet_constant_rows,
           "50M constant rows, zstd", LIMIT),
    Costly("parquet_huge_row_group", "row_group.parquet", parquet_huge_row_group,
           "one row group of 6M rows", LIMIT),
    Costly("parquet_long_strings", "strings.parquet", parquet_long_strings,
           "200k x 10 KB repeated text: 2 GB decoded", LIMIT),
    Costly("csv_many_tiny_columns", "tiny_columns.csv", csv_many_tiny_columns,
           "300 rows x 100,000 one-digit columns", LIMIT),
    Costly("csv_tiny_rows", "tiny_rows.csv", csv_tiny_rows, "30M one-digit rows", LIMIT),
    Costly("csv_one_long_line", "long_line.csv", csv_one_long_line, "one 50 MB line"),
    Costly("csv_blank_lines", "blank_lines.csv", csv_blank_lines, "5M blank lines"),
    Costly("xlsx_many_sheets", "many_sheets.xlsx", xlsx_many_sheets, "2,000 sheets"),
    Costly("xlsx_deeply_nested", "nested.xlsx", xlsx_deeply_nested,
           "200,000 nested elements in the sheet"),
    Costly("xlsx_entity_expansion", "laughs.xlsx", xlsx_entity_expansion,
           "a billion-laughs entity in a cell"),
)


def case_named(name: str) -> Costly:
    return next(c for c in CASES if c.name == name)


# --- reading files in a child process, time and peak memory measured per file ------------

_CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from segmentation import read_customers
from segmentation.errors import SegmentationError

def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0

for path in sys.argv[2:]:
    payload = open(path, "rb").read()
    try:
        open("/proc/self/clear_refs", "w").write("5")  # the peak restarts from here
    except OSError:
        pass
    print("start", flush=True)
    start = time.perf_counter()
    try:
        data = read_customers(payload, name=path.rsplit("/", 1)[-1])
        result = {"outcome": "table", "shape": list(data.frame.shape)}
        del data
    except SegmentationError as exc:
        result = {"outcome": "error", "message": str(exc)}
    except Exception as exc:
        result = {"outcome": "crash", "message": f"{type(exc).__name__}: {str(exc)[:300]}"}
    result["seconds"] = time.perf_counter() - start
    result["peak_mb"] = peak_mb()
    del payload
    print(json.dumps(result), flush=True)
"""


@dataclass(frozen=True)
class Outcome:
    """How a child process fared reading one file (``outcome``: table, error, crash,
    timeout, memory or "not run"; ``peak_mb``: the process's peak resident memory while it
    read the file, imports and the file's bytes included)."""

    outcome: str
    seconds: float
    peak_mb: float
    message: str = ""
    shape: tuple[int, ...] = ()


def _peak_mb(pid: int) -> float:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def read_in_child(paths: list[Path], *, root: Path, timeout: float = 60.0,
                  memory_cap_mb: float = 3000.0) -> list[Outcome]:
    """`read_customers` on each of ``paths`` in turn, in one fresh process: the read is
    killed past ``timeout`` seconds or ``memory_cap_mb`` (to spare a shared machine), and
    the files after it are "not run"."""
    import json
    import queue
    import subprocess
    import threading
    import time

    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(root), *map(str, paths)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in child.stdout] + [lines.put(None)],
                     daemon=True).start()
    outcomes: list[Outcome] = []
    try:
        while len(outcomes) < len(paths):
            line = lines.get()  # "start": imports done, the file's bytes in memory
            if line is None:
                break
            start, peak = time.perf_counter(), 0.0
            while True:
                try:
                    line = lines.get(timeout=0.05)
                    break
                except queue.Empty:
                    peak = max(peak, _peak_mb(child.pid))
                    elapsed = time.perf_counter() - start
                    if elapsed > timeout or peak > memory_cap_mb:
                        child.kill()
                        outcomes.append(Outcome("timeout" if elapsed > timeout else "memory",
                                                elapsed, peak))
                        line = None
                        break
            if line is None:
                break
            got = json.loads(line)
            outcomes.append(Outcome(got["outcome"], got["seconds"], max(peak, got["peak_mb"]),
                                    got.get("message", ""), tuple(got.get("shape", ()))))
    finally:
        if child.poll() is None:
            child.kill()
        child.wait()
    outcomes += [Outcome("not run", 0.0, 0.0)] * (len(paths) - len(outcomes))
    return outcomes
