"""Typing the columns: numbers or text, the id, dates; then the typed frame and its report."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from segmentation.dates import looks_like_dates, parse_dates
from segmentation.errors import DataError
from segmentation.health import Finding, build_report, reading
from segmentation.io.cells import _blank, _Cells, _is_text
from segmentation.io.customer_data import CustomerData, _RawSource
from segmentation.io.ids import _choose_id
from segmentation.io.limits import _listed
from segmentation.io.numbers import _leading_zero, _Number, _sample, _to_number

#: Fewest customers a file may hold: two segments and a quality score need three.
MIN_CUSTOMERS = 3


def _type_columns(cells: _Cells, dataset_name: str, id_override: str | None) -> CustomerData:
    """Type every column, choose the id, build the frame and the health report."""
    _check_rows_and_id(cells, id_override)
    names = cells.names
    if id_override is not None and cells.source is not None:
        at = names.index(id_override)
        if not _is_text(cells.columns[at]):  # the id is text: read its cells again
            cells.columns[at] = cells.source.text_columns([cells.positions[at]])[0]
    prefer_decimal_comma = cells.delimiter is not None and cells.delimiter != ","
    numbers, text_columns = _split_numbers(cells, id_override, prefer_decimal_comma)
    columns = dict(zip(names, cells.columns))
    id_col, candidates = _choose_id(names, text_columns, numbers, columns, id_override)
    if id_col is not None and id_col in numbers:
        numbers.pop(id_col)
        text_columns.append(id_col)
    numeric_columns = [n for n in names if n in numbers]
    if not numeric_columns:
        raise _no_numeric_columns(names, id_col)
    date_columns = [
        n
        for n in names
        if n in text_columns and n != id_col and looks_like_dates(_sample(columns[n], 200))
    ]
    frame = _build_frame(names, numbers, columns, cells.block)
    report = build_report(
        frame,
        id_column=id_col,
        file_format=cells.file_format,
        encoding=cells.encoding,
        delimiter=cells.delimiter,
        decimal=_decimal(cells, numbers, numeric_columns),
        id_candidates=candidates,
        numeric_columns=tuple(numeric_columns),
        date_columns=tuple(date_columns),
        converted_columns=tuple((n, numbers[n].how) for n in numeric_columns if numbers[n].how),
        # Dates (04/09/2012) start with a zero too: they are described as dates instead.
        notes=tuple(_typing_notes(cells, text_columns, id_col, columns, date_columns)),
    )
    return CustomerData(
        frame=frame,
        id_column=id_col,
        name=dataset_name,
        report=report,
        _raw_source=_raw_source(cells),
    )


def _check_rows_and_id(cells: _Cells, id_override: str | None) -> None:
    if id_override is not None and id_override not in cells.names:
        raise DataError(
            f"There is no column named {id_override!r} to use as the customer id; the "
            f"columns are {_listed(cells.names)}: choose one of them"
        )
    if cells.n_rows < MIN_CUSTOMERS:
        raise DataError(
            f"The file has {cells.n_rows} customer{'s' if cells.n_rows != 1 else ''}; "
            f"segmenting needs at least {MIN_CUSTOMERS}: upload a file with one row per "
            "customer"
        )


def _split_numbers(
    cells: _Cells, id_override: str | None, prefer_decimal_comma: bool
) -> tuple[dict[str, _Number], list[str]]:
    """The columns read as numbers, and the names of the columns that stay text."""
    numbers: dict[str, _Number] = {}
    text_columns: list[str] = []
    for col_name, column in zip(cells.names, cells.columns):
        number = None if col_name == id_override else _to_number(column, prefer_decimal_comma)
        if number is None:
            text_columns.append(col_name)
        else:
            numbers[col_name] = number
    return numbers, text_columns


def _no_numeric_columns(names: list[str], id_col: str | None) -> DataError:
    described = _listed(names)
    return DataError(
        f"No numeric columns to segment on: the columns {described} hold text"
        + (f" (and {id_col!r} is the customer id)" if id_col else "")
        + ". Upload a file with at least one column of numbers, such as income, "
        "spend or visits"
    )


def _decimal(cells: _Cells, numbers: dict[str, _Number], numeric_columns: list[str]) -> str | None:
    """The decimal mark of a text file's numbers (None for binary formats)."""
    if cells.file_format != "csv":
        return None
    return "," if any(numbers[n].decimal_comma for n in numeric_columns) else "."


def _typing_notes(
    cells: _Cells,
    text_columns: list[str],
    id_col: str | None,
    columns: dict[str, pa.ChunkedArray | np.ndarray],
    date_columns: Sequence[str] = (),
) -> list[Finding]:
    """Findings made while reading and typing, shown first in the report."""
    notes = list(cells.notes)
    if cells.encoding not in (None, "utf-8", "utf-8-sig"):
        notes.append(reading.not_utf8(cells.encoding))
    codes = [n for n in text_columns if n != id_col and n not in date_columns]
    notes.extend(reading.leading_zeros(n) for n in codes if _leading_zero(columns[n]))
    for name in date_columns:
        text = pd.Series(columns[name].to_pandas(), copy=False)
        notes.append(reading.date_column(name, parse_dates(text)))
    return notes


def _raw_source(cells: _Cells) -> _RawSource:
    """Where `CustomerData.raw` is rebuilt from: the CSV's bytes, or the text cells."""
    if cells.source is not None:
        return dataclasses.replace(
            cells.source, positions=tuple(cells.positions), names=tuple(cells.names)
        )
    table = pa.table(cells.columns, names=[f"c{i}" for i in range(len(cells.names))])
    return _RawSource(table=table, names=tuple(cells.names))


def _build_frame(
    names: list[str],
    numbers: dict[str, _Number],
    columns: dict[str, pa.ChunkedArray | np.ndarray],
    block: np.ndarray | None = None,
) -> pd.DataFrame:
    """The typed frame in file order, numeric columns in one float64 block.

    Building the block once and inserting the text columns avoids pandas copying every
    numeric column again when it consolidates a dict of arrays. ``block``, the typed CSV
    reader's numbers, is used as it is when its rows are the numeric columns in order
    (the usual case): fresh memory is slow to touch.
    """
    numeric = [n for n in names if n in numbers]
    reuse = (
        block is not None
        and len(block) == len(numeric)
        and all(
            _same_memory(numbers[col_name].values, row) for col_name, row in zip(numeric, block)
        )
    )
    if not reuse:
        block = np.empty((len(numeric), len(numbers[numeric[0]].values)), dtype=np.float64)
        for i, col_name in enumerate(numeric):
            block[i] = numbers[col_name].values
    for col_name in numeric:
        numbers[col_name].values = None
    frame = pd.DataFrame(block.T, columns=pd.Index(numeric, dtype=object), copy=False)
    for position, col_name in enumerate(names):
        if col_name not in numbers:
            frame.insert(position, col_name, _text_series(columns[col_name]))
    return frame


def _same_memory(a: np.ndarray, b: np.ndarray) -> bool:
    """The same numbers in the same place (a row of the block, not a copy of it)."""
    return (
        a.shape == b.shape
        and a.strides == b.strides
        and a.__array_interface__["data"][0] == b.__array_interface__["data"][0]
    )


def _text_series(column: pa.ChunkedArray) -> pd.Series:
    """A text column for the frame: values exactly as written, empty cells as missing.

    Values are not trimmed (a note "\\tindented" stays as written) and only blank cells are
    missing: in text, "-" or "NA" may be a real value (an id "NA", a note "-").
    """
    missing = _blank(column)
    if pc.any(missing).as_py():
        column = pc.if_else(missing, pa.scalar(None, column.type), column)
    # One chunk: picking rows (the scatter's ids, a segment's list) from a column in
    # dozens of parse chunks is many times slower than from one.
    column = pa.chunked_array([column.combine_chunks()], type=column.type)
    return column.to_pandas().astype("str")
