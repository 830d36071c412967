"""The fast paths of read_customers give what the careful paths give.

A regular CSV is read by the typed reader (numbers parsed by arrow, straight into the
frame's block); everything else by the text path. For any file both can read, the frame,
the raw cells and the report must be the same, and so must the labelled download.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import numpy as np
import pytest

from segmentation.export import labelled_csv_bytes, labelled_customers, to_csv_bytes
from segmentation.io import customer_data, formats, read_customers, scan, typed
from segmentation.io import pieces as arrow_pieces
from segmentation.io import text as text_reader


def _rows(n: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(n):
        income = f"{rng.normal(50, 20):.2f}" if i % 37 else "NA"
        visits = str(int(rng.integers(0, 40))) if i % 53 else ""
        balance = f"{rng.normal(0, 1e3):.1f}" if i % 61 else "-inf"
        lines.append(f"C{i:06d},{income},{visits},{balance},note {i % 7}")
    return "\n".join(lines)


REGULAR = "customer_id,income,visits,balance,note\n" + _rows(3000) + "\n"

FILES = {
    "regular": REGULAR.encode(),
    "no final newline": REGULAR.rstrip("\n").encode(),
    "crlf": REGULAR.replace("\n", "\r\n").encode(),
    "bom": b"\xef\xbb\xbf" + REGULAR.encode(),
    "blank lines": REGULAR.replace("\nC000010,", "\n\n\nC000010,").encode(),
    "quoted cells": REGULAR.replace("note 3", '"note, three"').replace(
        "note 5", '"two\nlines"'
    ).encode(),
    "lone carriage return": REGULAR.replace("note 4", "note\rfour").encode(),
    "non-ascii text": REGULAR.replace("note 2", "Zoë · €").encode(),
    "semicolons": REGULAR.replace(",", ";").encode(),
    "infinities": REGULAR.replace("-inf", "Infinity").encode(),
}


def _text_path_only(monkeypatch):
    monkeypatch.setattr(text_reader, "_read_text_typed", lambda *args: None)


def _fit(data):
    n = len(data.frame)
    labels = np.arange(n) % 3
    labels[::11] = -1
    return type("Seg", (), {
        "k": 3, "labels": labels,
        "reasons": np.where(labels < 0, "missing income", "").astype(object),
    })()


NAMES = ["Low", "=Mid", "High, very"]


def _labelled_csv(data):
    return to_csv_bytes(labelled_customers(data, _fit(data), NAMES))


def _cells(download: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(download.decode("utf-8"), newline="")))


@pytest.fixture(params=[1, 3], ids=["one piece", "three pieces"])
def pieces(request, monkeypatch):
    """Files cut into this many pieces, parsed side by side (see io.pieces._parts)."""
    monkeypatch.setattr(arrow_pieces, "_cores", lambda: request.param)
    monkeypatch.setattr(arrow_pieces, "_PART_BYTES", 1000)
    return request.param


@pytest.mark.parametrize("name", FILES)
def test_typed_read_gives_the_text_paths_frame_raw_and_report(name, pieces, monkeypatch):
    payload = FILES[name]
    fast = read_customers(payload, name="f.csv")
    with monkeypatch.context() as patch:
        _text_path_only(patch)
        careful = read_customers(payload, name="f.csv")
    assert fast.frame.equals(careful.frame)
    assert list(fast.frame.dtypes) == list(careful.frame.dtypes)
    assert fast.raw.equals(careful.raw)
    assert dataclasses.asdict(fast.report) == dataclasses.asdict(careful.report)
    assert _labelled_csv(fast) == _labelled_csv(careful)


def test_typed_read_is_used_for_a_regular_file_and_declined_for_codes(pieces):
    assert text_reader._read_text(FILES["regular"], "utf-8").block is not None
    late_code = FILES["regular"] + b"C009999,1,07,2,x\n"
    assert text_reader._read_text(late_code, "utf-8").block is None


def test_file_is_cut_at_line_ends_into_one_piece_per_core(pieces):
    payload = FILES["bom"]
    parts = arrow_pieces._parts(memoryview(payload)[3:])
    assert len(parts) == pieces
    assert b"".join(bytes(p) for p in parts) == payload[3:]
    assert all(bytes(p).endswith(b"\n") for p in parts)
    assert len(arrow_pieces._parts(FILES["quoted cells"])) == 1  # a quote may hold a line end


def test_pieces_parse_to_the_same_frame_as_one(monkeypatch):
    one = read_customers(FILES["blank lines"])
    monkeypatch.setattr(arrow_pieces, "_cores", lambda: 5)
    monkeypatch.setattr(arrow_pieces, "_PART_BYTES", 500)
    many = read_customers(FILES["blank lines"])
    assert many.frame.equals(one.frame)
    assert many.raw.equals(one.raw)


def test_typed_read_turns_infinities_and_markers_into_missing():
    data = read_customers(FILES["regular"])
    balance = data.frame["balance"].to_numpy()
    assert np.isfinite(balance).sum() == len(balance) - data.report.missing["balance"]
    assert data.raw["balance"].iloc[0] == "-inf"


def test_stream_columns_grows_its_block_past_a_short_line_count():
    import pyarrow as pa
    import pyarrow.csv as pacsv

    stream = pacsv.open_csv(
        pa.py_buffer(b"a,b,c\n" + b"".join(b"x%d,%d,%d\n" % (i, i, -i) for i in range(5000))),
        read_options=pacsv.ReadOptions(block_size=4096),
        convert_options=pacsv.ConvertOptions(
            column_types={"a": pa.string(), "b": pa.float64(), "c": pa.float64()}
        ),
    )
    block, text = typed._stream_columns(stream, [1, 2], [0], np.empty((2, 10)), lines=10)
    assert block.shape == (2, 5000)
    assert block[0].tolist() == list(range(5000))
    assert block[1, -1] == -4999
    assert pa.chunked_array(text[0]).to_pylist()[-1] == "x4999"


@pytest.mark.parametrize("slice_size", [1, 2, 3, 5, 64])
def test_utf8_check_accepts_characters_cut_between_slices(slice_size, monkeypatch):
    monkeypatch.setattr(formats, "_UTF8_SLICE", slice_size)
    text = "id,a\nZoë,1\n€uro,2\n😀,3\n".encode()
    assert formats._is_utf8(text)
    assert formats._is_utf8(b"\xef\xbb\xbf" + text, 3)
    assert not formats._is_utf8(text[:-7] + b"\xe2\x82" + b",3\n")  # a cut euro sign
    assert not formats._is_utf8(text + b"\xe2")  # cut at the very end
    assert not formats._is_utf8(text.replace(b"\xc3\xab", b"\xeb"))  # latin-1 e-diaeresis


def test_leading_zero_scan_finds_codes_in_any_cell_but_not_inside_numbers():
    assert not scan._any_leading_zero(b"a,b\n100,2005\n0.5,0\n", ",")
    assert scan._any_leading_zero(b"a,b\n100,2005\n0.5,007\n", ",")
    assert scan._any_leading_zero(b'a;b\n"01";2\n', ";")
    # Past the first slice of the scan too.
    body = b"a,b\n" + b"1,2\n" * 100_000
    assert not scan._any_leading_zero(body, ",")
    assert scan._any_leading_zero(body + b"3,04\n", ",")


def test_has_content_ignores_a_trailing_newline_but_not_a_value_far_down():
    assert formats._has_content(b"a,b\n1,2\n")
    assert not formats._has_content(b"\xef\xbb\xbf \r\n\t\n")
    assert formats._has_content(b"\n" * 10_000 + b"a")


def test_byte_helpers_look_only_inside_a_view():
    payload = b'a,"b"\n1,2\r\n3,4\n'
    middle = memoryview(payload)[6:11]  # 1,2\r\n
    assert scan._count(middle, b"\n") == 1
    assert scan._count_lines(middle) == 1
    assert not scan._contains(middle, b'"')
    assert scan._contains(middle, b"\r\n")
    assert not scan._contains(memoryview(payload)[6:10], b"\r\n")  # cut inside
    assert not scan._has_lone_cr(middle)


@pytest.mark.parametrize("name", FILES)
def test_labelled_csv_bytes_gives_the_same_cells_from_either_read_path(name, monkeypatch):
    payload = FILES[name]
    fast = read_customers(payload, name="f.csv")
    with monkeypatch.context() as patch:
        _text_path_only(patch)
        careful = read_customers(payload, name="f.csv")
    download = labelled_csv_bytes(fast, _fit(fast), NAMES)
    assert _cells(download) == _cells(_labelled_csv(careful))
    assert _cells(labelled_csv_bytes(careful, _fit(careful), NAMES)) == _cells(download)


@pytest.mark.parametrize("name", FILES)
def test_raw_head_reads_only_the_top_of_a_typed_file(name, pieces, monkeypatch):
    payload = FILES[name]
    read = []
    real = customer_data._read_all_text

    def recording(data, *args, **kwargs):
        read.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(customer_data, "_read_all_text", recording)
    data = read_customers(payload, name="f.csv")
    typed = data._raw_source.data is not None
    for n in (0, 1, 20):
        read.clear()
        head = data.raw_head(n)
        assert "raw" not in data.__dict__
        if typed:
            assert read and max(read) < len(payload) / 10, "the whole file was read again"
        assert head.equals(data.raw.head(n))
        data.__dict__.pop("raw")
    assert data.raw_head(10_000).equals(data.raw)
