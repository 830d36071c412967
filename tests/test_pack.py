"""The campaign pack: members, row counts, every customer in exactly one list, cells as
written and neutralised, a byte-order mark as the app's other CSV downloads, safe names,
campaign notes, and the same rows whichever way the lists are cut."""

from __future__ import annotations

import csv
import io
import re
import string
import zipfile

import numpy as np
import pandas as pd
import pytest
from corpus import write_csv
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sharing_upload import HOSTILE, NAMES, UPLOAD

from segmentation import fit_segments, profile_segments, read_customers
from segmentation.export import (
    labelled_csv_bytes,
    segment_customers,
    to_csv_bytes,
)
from segmentation.pack import (
    BOM,
    LABELLED,
    PROFILES,
    README,
    REPORT,
    SAVED,
    UNASSIGNED,
    _by_segment,
    _line_table,
    pack_bytes,
    safe_name_part,
    segment_file_name,
    write_pack,
)
from segmentation.value import segment_value

PAGE = "<!DOCTYPE html><title>report</title>"
NOTES = {2: "Win-back mail\nthen a call", 3: "  "}


@pytest.fixture(scope="module")
def case():
    data = read_customers(UPLOAD, name="shop.csv")
    seg = fit_segments(data.frame, ["income", "spend"], 3)
    return data, seg, segment_value(data.frame, seg, "revenue")


@pytest.fixture(scope="module")
def pack(case):
    data, seg, value = case
    sink = io.BytesIO()
    contents = write_pack(
        sink, data, seg, NAMES, value=value, report_html=PAGE, saved_json='{"k": 3}', notes=NOTES
    )
    return contents, zipfile.ZipFile(io.BytesIO(sink.getvalue()))


def read_csv(archive: zipfile.ZipFile, name: str) -> pd.DataFrame:
    return pd.read_csv(archive.open(name), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_pack_members_and_row_counts(case, pack):
    data, _, _ = case
    contents, archive = pack
    names = archive.namelist()
    assert names == list(contents.names)
    assert names[:4] == [README, REPORT, LABELLED, PROFILES]
    assert names[-1] == SAVED and UNASSIGNED in names
    assert archive.testzip() is None  # every member's CRC checks out
    assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    assert len(read_csv(archive, LABELLED)) == len(data.frame) == 60
    for member in contents.members:
        if member.name.endswith(".csv"):
            assert len(read_csv(archive, member.name)) == member.rows, member.name
    readme = archive.read(README).decode()
    for name in names:
        assert name in readme
    assert archive.read(REPORT).decode() == PAGE
    assert archive.read(SAVED) == b'{"k": 3}'


def test_pack_every_customer_in_exactly_one_list(case, pack):
    data, seg, _ = case
    contents, archive = pack
    lists = [m.name for m in contents.members if m.name.startswith("segments/")]
    seen = pd.concat([read_csv(archive, n).assign(file=n) for n in lists])
    assert seen["customer_id"].is_unique
    assert sorted(seen["customer_id"]) == sorted(data.raw["customer_id"])
    for s in range(1, 4):
        expected = data.raw["customer_id"][seg.labels == s - 1]
        got = read_csv(archive, segment_file_name(s, NAMES[s - 1], 3))
        assert list(got["customer_id"]) == list(expected)  # in file order
        assert set(got["segment"]) == {str(s)}
    unassigned = read_csv(archive, UNASSIGNED)
    assert list(unassigned["customer_id"]) == ["C007"]
    assert unassigned["unassigned_reason"].item() == "missing income"


def test_pack_csv_files_carry_a_bom_like_the_app_downloads(case, pack):
    data, seg, _ = case
    _, archive = pack
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert archive.read(name).startswith(BOM), name
            assert not archive.read(name)[3:].startswith(BOM), name
    assert archive.read(LABELLED) == labelled_csv_bytes(data, seg, NAMES, bom=True)


def test_pack_cells_as_written_and_neutralised(pack):
    _, archive = pack
    labelled = read_csv(archive, LABELLED).set_index("customer_id")
    assert labelled.loc["C004", "note"] == "'=HYPERLINK(1)"
    assert labelled.loc["C005", "note"] == "a,b"
    assert labelled.loc["C010", "revenue"] == "210"
    lists = pd.concat(read_csv(archive, n) for n in archive.namelist() if "segments/" in n)
    assert lists.set_index("customer_id").loc["C004", "note"] == "'=HYPERLINK(1)"


def test_pack_profiles_have_value_columns(case, pack):
    _, _, value = case
    _, archive = pack
    profiles = read_csv(archive, PROFILES)
    assert {"value_share", "value_per_customer", "value_index"} <= set(profiles.columns)
    shares = profiles["value_share"].astype(float).to_numpy()
    assert np.allclose(shares, value.value_share.to_numpy(), atol=1e-4)


def test_pack_readme_gives_each_segment_its_campaign_note(pack):
    _, archive = pack
    readme = archive.read(README).decode().splitlines()
    at = next(i for i, line in enumerate(readme) if segment_file_name(2, HOSTILE, 3) in line)
    assert readme[at + 1].strip() == "Campaign note: Win-back mail"
    assert readme[at + 2].strip() == "then a call"
    assert readme[at + 2].index("then") == readme[at + 1].index("Win-back")  # aligned
    assert sum("Campaign note" in line for line in readme) == 1  # a blank note is no note


def test_pack_file_names_are_safe(pack):
    _, archive = pack
    for name in archive.namelist():
        base = name.rsplit("/", 1)[-1]
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", base), name
        assert base.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL"}
        assert len(base) <= 64
    assert "segments/2_script_alert_1_script.csv" in archive.namelist()


@pytest.mark.parametrize(
    "hostile",
    ["CON", "nul", "COM1", "a/b\\c", "..", "x" * 300, "\x00\x1f", "日本語", 'a:b*c?d"e<f>g|h'],
)
def test_safe_name_part_never_unsafe(hostile):
    part = safe_name_part(hostile)
    assert re.fullmatch(r"[A-Za-z0-9_-]*", part)
    assert len(part) <= 49
    assert part.upper() not in {"CON", "NUL", "COM1"}
    assert not part.startswith(("-", "_"))


def test_pack_line_breaks_in_cells_take_the_slow_path_with_the_same_rows():
    # a cell with a line break inside quotes: a line is no longer one customer
    upload = b'id,x,memo\n1,1,"two\nlines"\n2,2,b\n3,10,c\n4,11,d\n'
    data = read_customers(upload, name="q.csv")
    seg = fit_segments(data.frame, ["x"], 2)
    assert _line_table(labelled_csv_bytes(data, seg, ["low", "high"]), 4) is None
    sink = io.BytesIO()
    write_pack(sink, data, seg, ["low", "high"], profiles=profile_segments(data.frame, seg))
    archive = zipfile.ZipFile(sink)
    low = read_csv(archive, "segments/1_low.csv")
    high = read_csv(archive, "segments/2_high.csv")
    assert sorted(list(low["id"]) + list(high["id"])) == ["1", "2", "3", "4"]
    assert "two\nlines" in set(low["memo"]) | set(high["memo"])


def test_pack_lists_cut_from_the_lines_equal_the_segment_downloads():
    # quoted commas but no line break in a cell: the lists are cut from the labelled lines
    cities = ["Zürich", '"Paris, FR"']
    lines = ["id,x,y,city"]
    lines += [f"{i},{i % 4 * 10 + i % 3},{i % 5},{cities[i % 2]}" for i in range(40)]
    data = read_customers(("\n".join(lines) + "\n").encode(), name="plain.csv")
    seg = fit_segments(data.frame, ["x", "y"], 3)
    names = ["a, b", "c", "d"]
    assert _line_table(labelled_csv_bytes(data, seg, names), 40) is not None  # the fast path
    archive = zipfile.ZipFile(io.BytesIO(pack_bytes(data, seg, names)))
    for s in range(1, 4):
        expected = to_csv_bytes(segment_customers(data, seg, names, s), bom=True)
        assert archive.read(segment_file_name(s, names[s - 1], 3)) == expected


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=-1, max_value=6), max_size=300))
def test_by_segment_puts_every_row_in_exactly_one_group_in_file_order(labels):
    labels = np.asarray(labels, dtype=np.int64)
    k = 7
    order, bounds = _by_segment(labels, k)
    assert sorted(order.tolist()) == list(range(len(labels)))
    for s in range(1, k + 1):
        rows = order[bounds[s - 1] : bounds[s]]
        assert rows.tolist() == np.flatnonzero(labels == s - 1).tolist()
    assert order[bounds[k] :].tolist() == np.flatnonzero(labels < 0).tolist()


_cell = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), whitelist_characters="\n,\"'=+-@ "),
    max_size=8,
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    st.lists(st.tuples(_cell, st.integers(0, 100), st.booleans()), min_size=6, max_size=30),
    st.text(alphabet=string.ascii_letters + '," ', min_size=1, max_size=6),
)
def test_any_table_every_customer_once_and_as_the_labelled_download(rows, name):
    # the first three customers always have distinct spends: two segments can be made
    spends = ["0", "50", "100"] + ["" if blank else str(v) for _, v, blank in rows[3:]]
    text = write_csv(
        ["id", "memo", "spend"],
        [[f"C{i}", memo, spend] for i, ((memo, _, _), spend) in enumerate(zip(rows, spends))],
    )
    data = read_customers(text.encode(), name="t.csv")
    assert len(data.frame) == len(rows)
    seg = fit_segments(data.frame, ["spend"], 2)
    names = [name, name + "2"]
    archive = zipfile.ZipFile(io.BytesIO(pack_bytes(data, seg, names)))
    labelled = list(csv.reader(io.StringIO(archive.read(LABELLED).decode("utf-8-sig"))))
    by_id = {row[0]: row for row in labelled[1:]}
    seen = []
    for member in archive.namelist():
        if member.startswith("segments/"):
            table = list(csv.reader(io.StringIO(archive.read(member).decode("utf-8-sig"))))
            assert table[0] == labelled[0]
            for row in table[1:]:
                assert row == by_id[row[0]]  # the same row as in the labelled file
                seen.append(row[0])
    assert sorted(seen) == sorted(by_id) and len(seen) == len(rows)


def test_the_fast_deflate_still_plugs_into_zipfile():
    # write_pack swaps a member's compressor (zipfile has no public way): the attribute it
    # replaces must still be there, or the pack silently falls back to zlib's speed.
    with zipfile.ZipFile(io.BytesIO(), "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.csv", "w") as entry:
            assert entry._compressor is not None and hasattr(entry._compressor, "compress")
