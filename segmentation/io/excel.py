"""Reading Excel .xlsx workbooks: one sheet, every cell as the text a spreadsheet user sees.

Before any cell is parsed, the zip directory's uncompressed sizes of the sheet and its
shared strings and the sheet's declared dimension are checked against the limits. A
small sheet is read here; a bigger one in a process of its own (`excel_worker`), because
the parser holds the interpreter while it runs and would stall every other session.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pyarrow as pa

from segmentation.errors import DataError
from segmentation.io import excel_worker
from segmentation.io.cells import _Cells
from segmentation.io.excel_worker import NoSuchSheet, sheet_rows
from segmentation.io.limits import Limits, _check_table, _listed, _refuse

#: Sheets whose XML is at most this big (a few thousand rows) are read in this process:
#: starting a process would cost more than the read.
IN_PROCESS_XML_BYTES = 2_000_000
#: Seconds a worker may take to read a sheet within the limits before it is stopped.
WORKER_SECONDS = 120

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'([\w:]+)="([^"]*)"')
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')
#: Bytes of the sheet's XML read to find its dimension element (it comes first).
_DIMENSION_HEAD = 4096


def _read_xlsx(payload: bytes, sheet: str | None, limits: Limits | None = None) -> _Cells:
    part_size = _check_workbook(payload, sheet, limits)
    try:
        if part_size <= IN_PROCESS_XML_BYTES:
            table = _table(sheet_rows(payload, sheet))
        else:
            table = _table_in_worker(payload, sheet)
    except NoSuchSheet as exc:
        raise DataError(
            f"The workbook has no sheet named {sheet!r}; its sheets are "
            f"{_listed(exc.sheets)}: choose one of them"
        ) from exc
    except DataError:
        raise
    except Exception as exc:  # calamine raises several types for damaged workbooks
        raise _damaged(exc) from exc
    if table is None:
        raise DataError(
            "The file is empty: the sheet has no cells. Upload a sheet with a header row "
            "and one row per customer"
        )
    names = [table.column(i)[0].as_py() for i in range(table.num_columns)]
    columns = [table.column(i).slice(1) for i in range(table.num_columns)]
    return _Cells(names=names, columns=columns, file_format="xlsx")


def _table(rows: list[list[str]]) -> pa.Table | None:
    """The rows as a table of text columns c0..cn (row 0 the header), None if there are none."""
    if not rows:
        return None
    return pa.table(
        [pa.array([r[i] for r in rows], pa.string()) for i in range(len(rows[0]))],
        names=[f"c{i}" for i in range(len(rows[0]))],
    )


def _damaged(detail: object) -> DataError:
    return DataError(f"This Excel file cannot be opened ({detail}): save it again as .xlsx or CSV")


def _check_workbook(payload: bytes, sheet: str | None, limits: Limits | None) -> int:
    """Refuse a workbook whose sheet declares more than ``limits``; return the sheet XML's
    declared size. Reads the zip directory and a few KB, never the sheet itself."""
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            infos = {info.filename: info for info in archive.infolist()}
            part = _sheet_part(archive, infos, sheet)
            if part is None:
                return 0  # no such sheet, or no sheet: the reader says which
            info = infos[part]
            # Deflate never makes data much bigger: a part stored bigger than it says it
            # is when unpacked has a false size, and may unpack to anything.
            for checked in (info, infos.get("xl/sharedStrings.xml")):
                if checked is not None and checked.compress_size > checked.file_size + 1024:
                    raise _damaged(
                        f"it looks damaged: {checked.filename} is stored in more bytes than "
                        "it says it unpacks to"
                    )
            if limits is not None:
                _check_sizes(info, infos.get("xl/sharedStrings.xml"), limits)
                with archive.open(part) as stream:
                    _check_dimension(stream.read(_DIMENSION_HEAD), limits)
            return info.file_size
    except (zipfile.BadZipFile, KeyError, OSError, EOFError) as exc:
        raise _damaged(exc) from exc


def _sheet_part(archive: zipfile.ZipFile, infos: dict, sheet: str | None) -> str | None:
    """The zip path of the sheet to read (the first one when ``sheet`` is None)."""
    for small in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
        if small not in infos or infos[small].file_size > 10_000_000:
            return None
    targets = {}
    for tag in _RELATIONSHIP_TAG.findall(archive.read("xl/_rels/workbook.xml.rels")):
        attributes = dict(_ATTRIBUTE.findall(tag))
        targets[attributes.get(b"Id")] = attributes.get(b"Target", b"").decode()
    for tag in _SHEET_TAG.findall(archive.read("xl/workbook.xml")):
        attributes = dict(_ATTRIBUTE.findall(tag))
        name = attributes.get(b"name", b"").decode()
        if sheet is not None and name != sheet:
            continue
        rid = next((v for k, v in attributes.items() if k.endswith(b":id")), None)
        target = targets.get(rid, "")
        part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        part = str(Path(part).as_posix()).replace("xl/./", "xl/")
        return part if part in infos else None
    return None


def _check_sizes(info: zipfile.ZipInfo, strings: zipfile.ZipInfo | None, limits: Limits) -> None:
    most = limits.max_sheet_xml_bytes
    if most is None:
        return
    for part in (info, strings):
        if part is not None and part.file_size > most:
            raise _refuse(
                f"unpacks to {part.file_size / 1e6:,.0f} MB of sheet data",
                f"{most / 1e6:,.0f} MB of sheet data in an Excel workbook",
                "save the sheet as CSV or Parquet and upload that",
            )


def _check_dimension(head: bytes, limits: Limits) -> None:
    """The rows and columns the sheet's ``<dimension ref="A1:C30000001"/>`` declares."""
    found = _DIMENSION.search(head)
    if found is None:
        return
    letters, last_row = found.group(1).decode(), int(found.group(2))
    columns = 0
    for letter in letters:
        columns = columns * 26 + ord(letter) - ord("A") + 1
    _check_table(max(last_row - 1, 0), columns, limits, sheet=True)


def _table_in_worker(payload: bytes, sheet: str | None) -> pa.Table | None:
    """`sheet_rows` in a process of its own: the app's other sessions keep running."""
    try:
        done = subprocess.run(
            [sys.executable, "-I", excel_worker.__file__, sheet or ""],
            input=payload,
            capture_output=True,
            timeout=WORKER_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise DataError(
            f"Reading this workbook took longer than {WORKER_SECONDS} s and was stopped: "
            "save the sheet as CSV and upload that"
        ) from exc
    if done.returncode == excel_worker.NO_SHEET:
        raise NoSuchSheet(json.loads(done.stderr))
    if done.returncode == excel_worker.EMPTY:
        return None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise _damaged(detail[:200])
    return pa.ipc.open_stream(done.stdout).read_all()
