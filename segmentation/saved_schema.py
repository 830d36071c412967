"""The schema of a saved segmentation file, checked field by field.

`parse_document` turns a parsed JSON document into a `SavedSegmentation`, refusing anything
that is not exactly what `segmentation.saved.to_json` writes: the format and schema version
first (a newer file is refused with its version named), then the digest (a file changed
after saving is refused), then every field's type. `check_consistent` checks that the parts
agree: one value per feature, one name, colour and centre per segment, finite numbers,
k in range.

A segment's campaign note (``segments[i].note``) is optional: a file saved before notes
were per segment has only the top-level ``notes`` text, and `legacy_notes` gives each
segment back the note the app wrote there as a line "Segment N · <name>: <note>".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from segmentation.errors import SavedFileError
from segmentation.prepare import MISSING_POLICIES, SCALERS
from segmentation.saved import (
    _COLOUR,
    DECILES,
    FORMAT,
    MAX_K,
    MAX_NOTES,
    MAX_SEGMENT_NOTE,
    SCHEMA_VERSION,
    FeatureDistribution,
    SavedSegmentation,
    TrainingSource,
    digest_of,
)

_SAVE_AGAIN = "save the segmentation again from the app or with `fit`"


def _fail(where: str, problem: str) -> SavedFileError:
    return SavedFileError(f"the saved segmentation's {where} {problem}: {_SAVE_AGAIN}.")


def _get(document: dict, key: str, check: Callable[[Any, str], Any], where: str = "") -> Any:
    path = f"{where}{key}"
    if key not in document:
        raise _fail(f"field {path!r}", "is missing")
    return check(document[key], path)


def _string(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise _fail(f"field {path!r}", f"must be text, not {type(value).__name__}")
    return value


def _optional_string(value: Any, path: str) -> str | None:
    return None if value is None else _string(value, path)


def _integer(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(f"field {path!r}", f"must be a whole number, not {value!r}")
    return value


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _fail(f"field {path!r}", f"must be a number, not {value!r}")
    if not math.isfinite(value):
        raise _fail(f"field {path!r}", f"must be finite, not {value!r}")
    return float(value)


def _list(value: Any, path: str) -> list:
    if not isinstance(value, list):
        raise _fail(f"field {path!r}", f"must be a list, not {type(value).__name__}")
    return value


def _strings(value: Any, path: str) -> tuple[str, ...]:
    return tuple(_string(v, f"{path}[{i}]") for i, v in enumerate(_list(value, path)))


def _numbers(value: Any, path: str) -> tuple[float, ...]:
    return tuple(_number(v, f"{path}[{i}]") for i, v in enumerate(_list(value, path)))


def _optional_numbers(value: Any, path: str) -> tuple[float, ...] | None:
    return None if value is None else _numbers(value, path)


def _medians(value: Any, path: str) -> tuple[float, ...]:
    """Fill values: numbers, or null for a feature that had no value in training."""
    return tuple(
        math.nan if v is None else _number(v, f"{path}[{i}]")
        for i, v in enumerate(_list(value, path))
    )


def _object(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise _fail(f"field {path!r}", f"must be an object, not {type(value).__name__}")
    return value


def _header(document: Any, name: str) -> None:
    """Format, schema version and digest: checked before anything else."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise SavedFileError(
            f'{name} is not a saved segmentation (no "format": "{FORMAT}"): choose the '
            ".json file saved by the app's Export page or by `fit`."
        )
    version = document.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail("field 'schema_version'", f"must be a whole number from 1, not {version!r}")
    if version > SCHEMA_VERSION:
        raise SavedFileError(
            f"{name} was saved by a newer version (schema {version}; this version reads up "
            f"to {SCHEMA_VERSION}): update the segmentation tool to apply it."
        )
    digest = document.get("digest")
    if not isinstance(digest, str):
        raise _fail("field 'digest'", "is missing")
    if digest != digest_of(document):
        raise SavedFileError(
            f"{name} was changed after it was saved (its digest does not match its "
            f"content): {_SAVE_AGAIN}; edit names and notes in the app, not in the file."
        )


def parse_document(document: Any, *, name: str = "the saved segmentation") -> SavedSegmentation:
    """A `SavedSegmentation` from a parsed JSON document. Raises SavedFileError.

    >>> parse_document({"format": "something else"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segmentation.errors.SavedFileError: the saved segmentation is not a saved ...
    """
    _header(document, name)
    source = _get(document, "source", _object)
    prep = _get(document, "preparation", _object)
    clip = _get(prep, "clip_percentiles", _optional_numbers, "preparation.")
    segments = _get(document, "segments", _list)
    seg_items = [_object(s, f"segments[{i}]") for i, s in enumerate(segments)]
    for i, item in enumerate(seg_items):
        number = _get(item, "segment", _integer, f"segments[{i}].")
        if number != i + 1:
            raise _fail(f"segments[{i}]", f"is numbered {number}: segments go 1, 2, ... in order")
    training = []
    for i, item in enumerate(_get(document, "training", _list)):
        item = _object(item, f"training[{i}]")
        where = f"training[{i}]."
        training.append(
            FeatureDistribution(
                _get(item, "feature", _string, where),
                _get(item, "deciles", _numbers, where),
                _get(item, "shares", _numbers, where),
                _get(item, "missing_share", _number, where),
            )
        )
    names = tuple(_get(s, "name", _string, f"segments[{i}].") for i, s in enumerate(seg_items))
    notes = _get(document, "notes", _string)
    if any("note" in item for item in seg_items):
        segment_notes = tuple(
            _get(item, "note", _string, f"segments[{i}].") if "note" in item else ""
            for i, item in enumerate(seg_items)
        )
    else:  # saved before notes were per segment
        segment_notes, notes = legacy_notes(notes, names)
    return SavedSegmentation(
        features=_get(document, "features", _strings),
        log_features=_get(prep, "log_features", _strings, "preparation."),
        scaler=_get(prep, "scaler", _string, "preparation."),
        centre=_get(prep, "centre", _numbers, "preparation."),
        scale=_get(prep, "scale", _numbers, "preparation."),
        missing=_get(prep, "missing", _string, "preparation."),
        fill_values=_get(prep, "fill_values", _medians, "preparation."),
        clip=None if clip is None else tuple(clip),
        clip_lower=_get(prep, "clip_lower", _optional_numbers, "preparation."),
        clip_upper=_get(prep, "clip_upper", _optional_numbers, "preparation."),
        k=_get(document, "k", _integer),
        centres_scaled=tuple(
            _get(s, "centre_scaled", _numbers, f"segments[{i}].") for i, s in enumerate(seg_items)
        ),
        centres=tuple(
            _get(s, "centre", _numbers, f"segments[{i}].") for i, s in enumerate(seg_items)
        ),
        names=names,
        colours=tuple(
            _get(s, "colour", _string, f"segments[{i}].") for i, s in enumerate(seg_items)
        ),
        sizes=tuple(
            _get(s, "training_customers", _integer, f"segments[{i}].")
            for i, s in enumerate(seg_items)
        ),
        training=tuple(training),
        source=TrainingSource(
            _get(source, "file_name", _string, "source."),
            _get(source, "rows", _integer, "source."),
            _get(source, "sha256", _string, "source."),
        ),
        id_column=_get(document, "id_column", _optional_string),
        created=_get(document, "created", _string),
        random_state=_get(document, "random_state", _integer),
        notes=notes,
        segment_notes=segment_notes,
        schema_version=document["schema_version"],
    )


def legacy_notes(text: str, names: Sequence[str]) -> tuple[tuple[str, ...], str]:
    """A file's single notes text split into a note per segment and what is left.

    The app once wrote every campaign note into that text as a line "Segment N · <name>:
    <note>" (lines after it, up to the next such line, continue the note). Text before the
    first such line stays the file's notes.

    Examples
    --------
    >>> legacy_notes("May plan\\nSegment 2 · New: Welcome offer\\nby mail", ["Loyal", "New"])
    (('', 'Welcome offer\\nby mail'), 'May plan')
    >>> legacy_notes("Segment 3 · Gone: hi", ["Loyal", "New"])
    (('', ''), 'Segment 3 · Gone: hi')
    """
    prefixes = [f"Segment {s} · {name}: " for s, name in enumerate(names, start=1)]
    notes: list[list[str]] = [[] for _ in names]
    rest: list[str] = []
    current = rest
    for line in text.splitlines():
        segment = next((s for s, p in enumerate(prefixes) if line.startswith(p)), None)
        if segment is None:
            current.append(line)
        else:
            current = notes[segment]
            current.append(line[len(prefixes[segment]) :])
    return tuple("\n".join(n).strip() for n in notes), "\n".join(rest).strip()


def _same_length(what: str, values, expected: int, per: str) -> None:
    if values is not None and len(values) != expected:
        raise _fail(what, f"has {len(values)} values for {expected} {per}")


def check_consistent(saved: SavedSegmentation) -> None:
    """Raise SavedFileError naming the first disagreement between the parts of `saved`.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> from segmentation.saved import save_segmentation
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"], id_column="customer_id")
    >>> from dataclasses import replace
    >>> check_consistent(replace(saved, k=1))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segmentation.errors.SavedFileError: the saved segmentation's k is 1: it must be ...
    """
    p, k = len(saved.features), saved.k
    if p == 0:
        raise _fail("feature list", "is empty")
    if len(set(saved.features)) != p:
        raise _fail("feature list", "names a column twice")
    if not 2 <= k <= MAX_K:
        raise _fail("k", f"is {k}: it must be between 2 and {MAX_K}")
    if saved.scaler not in SCALERS:
        raise _fail("scaler", f"is {saved.scaler!r}, not one of {list(SCALERS)}")
    if saved.missing not in MISSING_POLICIES:
        raise _fail(
            "missing-value policy", f"is {saved.missing!r}, not one of {list(MISSING_POLICIES)}"
        )
    unknown = [f for f in saved.log_features if f not in saved.features]
    if unknown:
        raise _fail("log features", f"name {unknown[0]!r}, which is not a feature")
    for what, values in (
        ("scaler centre", saved.centre),
        ("scaler scale", saved.scale),
        ("fill values", saved.fill_values),
        ("lower clip bounds", saved.clip_lower),
        ("upper clip bounds", saved.clip_upper),
    ):
        _same_length(what, values, p, "features")
    _check_finite(saved)
    if any(not s > 0 for s in saved.scale):
        raise _fail("scaler scale", "holds a value that is not positive")
    if (saved.clip is None) != (saved.clip_lower is None) or (saved.clip is None) != (
        saved.clip_upper is None
    ):
        raise _fail("clipping", "gives percentiles without bounds, or bounds without them")
    if saved.clip is not None:
        if len(saved.clip) != 2 or not 0 <= saved.clip[0] < saved.clip[1] <= 100:
            raise _fail("clip percentiles", f"are {list(saved.clip)}: need 0 <= low < high <= 100")
        if any(a > b for a, b in zip(saved.clip_lower, saved.clip_upper)):
            raise _fail("clip bounds", "have a lower bound above its upper bound")
    for what, rows in (("centres", saved.centres), ("scaled centres", saved.centres_scaled)):
        _same_length(what, rows, k, "segments")
        for row in rows:
            _same_length(what, row, p, "features")
    for what, values in (
        ("names", saved.names),
        ("colours", saved.colours),
        ("sizes", saved.sizes),
    ):
        _same_length(f"segment {what}", values, k, "segments")
    bad = [c for c in saved.colours if not _COLOUR.match(c)]
    if bad:
        raise _fail("segment colours", f"hold {bad[0]!r}, not a #rrggbb colour")
    if any(s < 0 for s in saved.sizes) or saved.source.rows < 0:
        raise _fail("customer counts", "hold a negative number")
    if len(saved.notes) > MAX_NOTES:
        raise _fail("notes", f"are longer than {MAX_NOTES:,} characters")
    if saved.segment_notes:
        _same_length("campaign notes", saved.segment_notes, k, "segments")
    if any(len(note) > MAX_SEGMENT_NOTE for note in saved.segment_notes):
        raise _fail("campaign notes", f"hold one longer than {MAX_SEGMENT_NOTE:,} characters")
    _check_training(saved)


def _check_finite(saved: SavedSegmentation) -> None:
    groups = [saved.centre, saved.scale, *saved.centres, *saved.centres_scaled]
    groups += [v for v in (saved.clip_lower, saved.clip_upper) if v is not None]
    if not all(math.isfinite(v) for group in groups for v in group):
        raise _fail("numbers", "include one that is not finite")
    if saved.missing == "median" and not all(math.isfinite(v) for v in saved.fill_values):
        raise _fail("fill values", "include one that is not finite")


def _check_training(saved: SavedSegmentation) -> None:
    names = tuple(d.feature for d in saved.training)
    if names != saved.features:
        raise _fail("training distributions", "are not one per feature, in feature order")
    for d in saved.training:
        where = f"training distribution of {d.feature!r}"
        if not 0.0 <= d.missing_share <= 1.0:
            raise _fail(where, "has a missing share outside 0..1")
        if not d.deciles:  # a feature without any training value
            if d.shares:
                raise _fail(where, "has shares but no deciles")
            continue
        if len(d.deciles) != len(DECILES) or any(np.diff(d.deciles) < 0):
            raise _fail(where, f"needs {len(DECILES)} deciles in increasing order")
        if len(d.shares) != len(d.edges) + 1 or abs(sum(d.shares) - 1.0) > 1e-6:
            raise _fail(where, "has bin shares that do not match its deciles or sum to 1")
