"""Campaign notes per segment in a saved segmentation: kept with the names, in the JSON,
checked like every field, and read back from a file saved when notes were one text."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentation import SettingsError, fit_segments, make_sample_customers
from segmentation.errors import SavedFileError
from segmentation.saved import (
    MAX_SEGMENT_NOTE,
    digest_of,
    from_json,
    save_segmentation,
    to_document,
    to_json,
    with_names,
    with_segment_notes,
)
from segmentation.saved_schema import legacy_notes

NAMES = ["Loyal", "New: first order", "Lapsed · VIP"]


@pytest.fixture(scope="module")
def saved():
    customers = make_sample_customers(300)
    seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    return save_segmentation(customers, seg, NAMES, file_name="c.csv")


def _file(document: dict) -> str:
    """A document written as the app writes it, with a matching digest."""
    document = {key: value for key, value in document.items() if key != "digest"}
    document["digest"] = digest_of(document)
    return json.dumps(document)


def test_each_segment_keeps_its_note_in_the_file(saved):
    noted = with_segment_notes(saved, {1: "Loyalty points", 3: "Win-back <mail> & call"})
    document = json.loads(to_json(noted))
    assert [s["note"] for s in document["segments"]] == [
        "Loyalty points",
        "",
        "Win-back <mail> & call",
    ]
    loaded = from_json(to_json(noted))
    assert loaded.notes_by_segment == {1: "Loyalty points", 3: "Win-back <mail> & call"}
    assert loaded == noted


def test_notes_stay_with_their_segment_when_names_change(saved):
    noted = with_names(with_segment_notes(saved, {2: "Welcome offer"}), ["A", "B", "C"])
    assert from_json(to_json(noted)).notes_by_segment == {2: "Welcome offer"}


def test_a_note_is_part_of_the_digest(saved):
    text = to_json(with_segment_notes(saved, {2: "Welcome offer"}))
    with pytest.raises(SavedFileError, match="changed after it was saved"):
        from_json(text.replace("Welcome offer", "Free gift"))


def test_an_older_file_with_one_notes_text_gives_each_segment_its_note(saved):
    # what the app wrote before notes were per segment: one text, a line per segment
    document = to_document(saved)
    for segment in document["segments"]:
        del segment["note"]
    document["notes"] = (
        "Plan for May\n"
        "Segment 1 · Loyal: Loyalty points\n"
        "Segment 3 · Lapsed · VIP: Win-back mail\nthen a call"
    )
    loaded = from_json(_file(document))
    assert loaded.notes_by_segment == {1: "Loyalty points", 3: "Win-back mail\nthen a call"}
    assert loaded.notes == "Plan for May"
    assert loaded.names == tuple(NAMES)


def test_an_older_file_with_other_notes_keeps_them_as_they_were(saved):
    document = to_document(saved)
    for segment in document["segments"]:
        del segment["note"]
    document["notes"] = "Segment 4 · Elsewhere: not ours\nFitted on the May export"
    loaded = from_json(_file(document))
    assert loaded.notes_by_segment == {}
    assert loaded.notes == document["notes"]


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (12, "'segments\\[1\\].note' must be text"),
        ("x" * (MAX_SEGMENT_NOTE + 1), "campaign notes hold one longer than 1,500"),
    ],
)
def test_a_bad_note_in_a_file_is_refused_naming_it(saved, note, message):
    document = to_document(saved)
    document["segments"][1]["note"] = note
    with pytest.raises(SavedFileError, match=message):
        from_json(_file(document))


@pytest.mark.parametrize(
    ("notes", "message"),
    [
        ({4: "x"}, "segment 4: there are segments 1 to 3"),
        ({"2": "x"}, "use a segment number 1 to 3"),
        ({1: "x" * (MAX_SEGMENT_NOTE + 1)}, "segment 1 has 1,501 characters: keep it to 1,500"),
    ],
)
def test_bad_notes_are_refused_naming_the_segment(saved, notes, message):
    with pytest.raises(SettingsError, match=message):
        with_segment_notes(saved, notes)


_note = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60
).filter(lambda t: t == t.strip())


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.integers(1, 3), _note, max_size=3))
def test_any_notes_round_trip_exactly(saved, notes):
    loaded = from_json(to_json(with_segment_notes(saved, notes)))
    assert loaded.notes_by_segment == {s: n for s, n in notes.items() if n}


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet="ab :·\n", max_size=12), min_size=3, max_size=3))
def test_legacy_notes_read_back_what_the_app_wrote(notes):
    # (no "Segment" in the alphabet: a note line that looks like another segment's line
    # could not be told apart, and the app never wrote one)
    # the app's old writer: a line "Segment N · name: note" per segment with a note
    written = "\n".join(
        f"Segment {s} · {NAMES[s - 1]}: {note.strip()}"
        for s, note in enumerate(notes, start=1)
        if note.strip()
    )
    split, rest = legacy_notes(written, NAMES)
    assert rest == ""
    assert split == tuple(n.strip() for n in notes)
