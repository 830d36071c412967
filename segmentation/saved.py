"""A saved segmentation: one JSON file holding everything needed to assign new customers
exactly as the fit did, without refitting.

The file is data only (never pickle): the features in order, the log transforms, the
clipping bounds, the missing-value policy with its fill values, the scaler's centre and
scale per feature, the centres (scaled and in original units), k, the segment names and
colours, where it came from (file name, rows, sha256 of the file) and, per feature, the
training distribution (deciles and the share of customers between them) for drift checks.

A sha256 digest over the content is written with it and checked on reading: a broken,
truncated or hand-edited file is refused, as is one written by a newer schema version.

Each segment carries the marketer's campaign note (``segments[i].note``), kept with its
name. The field is optional, so the schema version stays 1: a file saved before it existed
still reads (its single ``notes`` text, which the app wrote as lines "Segment 2 · Name:
note", gives each segment its note back; any other text stays the file's notes), and a
reader that predates it ignores it and assigns exactly the same. The version goes up only
for a change that would make an older reader assign customers differently.
`segmentation.apply` assigns customers with it; `segmentation.sql` writes it as SQL.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from segmentation.errors import SavedFileError, SettingsError
from segmentation.prepare import MISSING_POLICIES, SCALERS, fill_values, float_values

#: What the ``format`` field of every saved segmentation says.
FORMAT = "customer-segmentation"
#: The schema this code writes, and the newest it reads.
SCHEMA_VERSION = 1
#: Largest k a saved file may hold (the app offers 2..10; the command line more).
MAX_K = 100
#: Largest saved file read, in bytes: a few hundred features and segments fit in far less.
MAX_BYTES = 5_000_000
#: Most characters of the free-text notes.
MAX_NOTES = 20_000
#: Most characters of one segment's campaign note: a brief, not a document.
MAX_SEGMENT_NOTE = 1_500
#: Decile positions (percent) kept per feature for drift checks.
DECILES = tuple(range(0, 101, 10))
_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


@dataclass(frozen=True)
class TrainingSource:
    """The customers file a segmentation was fitted on."""

    file_name: str
    rows: int
    sha256: str


@dataclass(frozen=True)
class FeatureDistribution:
    """One feature's training distribution, in original units (present values only).

    Attributes
    ----------
    feature : str
    deciles : tuple of float
        The 0th, 10th, ..., 100th percentiles: the training range is the first to the last.
    shares : tuple of float
        Share of training customers in each bin between the distinct inner deciles (one
        more bin than there are distinct inner deciles); sums to 1.
    missing_share : float
        Share of training customers without a value.
    """

    feature: str
    deciles: tuple[float, ...]
    shares: tuple[float, ...]
    missing_share: float

    @property
    def edges(self) -> np.ndarray:
        """Inner bin edges: the distinct deciles between the smallest and the largest.

        >>> training_distribution(np.array([1.0, 1, 1, 1, 2, 3]), "x").edges.tolist()
        [1.0, 1.5, 2.0, 2.5]
        """
        return np.unique(np.asarray(self.deciles[1:-1], dtype=float))


@dataclass(frozen=True)
class SavedSegmentation:
    """A segmentation as saved: enough to assign new customers exactly as the fit did.

    Attributes
    ----------
    features : tuple of str
        Columns, in the order the distances use them.
    log_features : tuple of str
        Features transformed with log(1 + x) after clipping.
    scaler : {"standard", "minmax", "robust", "none"}
    centre, scale : tuple of float
        Per feature, the fitted scaler: scaled = (transformed - centre) / scale.
    missing : {"drop", "median"}
        ``drop``: a customer missing a feature gets no segment; ``median``: the gap is
        filled with `fill_values`.
    fill_values : tuple of float
        Per feature, the training median (used only with ``missing="median"``).
    clip : (float, float) or None
        Clip percentiles of the fit; `clip_lower` / `clip_upper` are the bounds they gave,
        in original units, per feature.
    k : int
    centres_scaled : tuple of tuple of float
        k rows, scaled units: what distances are measured to.
    centres : tuple of tuple of float
        The same centres in original units, for people.
    names, colours : tuple of str
        Per segment 1..k.
    sizes : tuple of int
        Training customers per segment.
    training : tuple of FeatureDistribution
        Per feature, for drift checks.
    source : TrainingSource
    id_column : str or None
    created : str
        When it was saved (ISO 8601, UTC).
    random_state : int
    notes : str
        Free text about the whole segmentation; part of the digest.
    segment_notes : tuple of str
        The campaign note of each segment 1..k ("" for none), or () for none at all.
    """

    features: tuple[str, ...]
    log_features: tuple[str, ...]
    scaler: str
    centre: tuple[float, ...]
    scale: tuple[float, ...]
    missing: str
    fill_values: tuple[float, ...]
    clip: tuple[float, float] | None
    clip_lower: tuple[float, ...] | None
    clip_upper: tuple[float, ...] | None
    k: int
    centres_scaled: tuple[tuple[float, ...], ...]
    centres: tuple[tuple[float, ...], ...]
    names: tuple[str, ...]
    colours: tuple[str, ...]
    sizes: tuple[int, ...]
    training: tuple[FeatureDistribution, ...]
    source: TrainingSource
    id_column: str | None = None
    created: str = ""
    random_state: int = 42
    notes: str = ""
    segment_notes: tuple[str, ...] = ()
    schema_version: int = field(default=SCHEMA_VERSION)

    @property
    def log_mask(self) -> tuple[bool, ...]:
        """Per feature, whether it is log-transformed.

        >>> from segmentation import fit_segments, make_sample_customers
        >>> customers = make_sample_customers(300)
        >>> features = ["annual_income", "recency_days"]
        >>> seg = fit_segments(customers, features, 2, log_features=["recency_days"])
        >>> save_segmentation(customers, seg, ["A", "B"]).log_mask
        (False, True)
        """
        return tuple(f in self.log_features for f in self.features)

    @property
    def notes_by_segment(self) -> dict[int, str]:
        """The campaign notes that were written, by segment number 1..k.

        >>> from segmentation import fit_segments, make_sample_customers
        >>> customers = make_sample_customers(300)
        >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
        >>> saved = save_segmentation(customers, seg, ["A", "B", "C"], segment_notes={2: "Hi"})
        >>> saved.notes_by_segment
        {2: 'Hi'}
        """
        return {s: note for s, note in enumerate(self.segment_notes, start=1) if note}


def training_distribution(values: np.ndarray, feature: str) -> FeatureDistribution:
    """Deciles and bin shares of one feature's training values (NaN = missing).

    >>> d = training_distribution(np.arange(100.0), "x")
    >>> d.deciles[0], d.deciles[-1], len(d.shares), round(sum(d.shares), 6)
    (0.0, 99.0, 10, 1.0)
    """
    values = np.asarray(values, dtype=float)
    present = values[np.isfinite(values)]
    n = len(values)
    if len(present) == 0:
        return FeatureDistribution(feature, (), (), 1.0 if n else 0.0)
    deciles = tuple(float(v) for v in np.percentile(present, DECILES))
    dist = FeatureDistribution(feature, deciles, (), 1.0 - len(present) / n)
    shares = bin_shares(present, dist.edges)
    return replace(dist, shares=tuple(float(s) for s in shares))


def bin_shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of `values` in each bin cut at `edges` (a value on an edge goes to the bin above).

    >>> bin_shares(np.array([1.0, 2.0, 3.0, 4.0]), np.array([2.5])).tolist()
    [0.5, 0.5]
    """
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return counts / max(len(values), 1)


def save_segmentation(
    df: pd.DataFrame,
    segmentation,
    names: Sequence[str],
    *,
    colours: Sequence[str] | None = None,
    id_column: str | None = None,
    file_name: str = "",
    sha256: str = "",
    notes: str = "",
    segment_notes: Mapping[int, str] | None = None,
) -> SavedSegmentation:
    """The `SavedSegmentation` of `segmentation`, fitted on `df`, with final `names`.

    Parameters
    ----------
    df : pandas.DataFrame
        The table the segmentation was fitted on (`CustomerData.frame`).
    segmentation : Segmentation
    names : sequence of str
        Final names of segments 1..k.
    colours : sequence of str, optional
        ``#rrggbb`` per segment; the app's chart colours by default.
    id_column, file_name, sha256 : where the customers came from.
    notes : str
        Free text kept with the segmentation.
    segment_notes : mapping of int -> str, optional
        Campaign notes per segment number 1..k (see `with_segment_notes`).

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"], file_name="s.csv")
    >>> saved.k, saved.features, saved.names
    (3, ('annual_income', 'spending_score'), ('A', 'B', 'C'))
    """
    k = segmentation.k
    names = tuple(str(n) for n in names)
    if len(names) != k:
        raise SettingsError(f"{len(names)} names given for {k} segments: give one per segment.")
    if colours is None:
        from segmentation.charts import segment_colour  # plotly only when colours are asked

        colours = [segment_colour(s) for s in range(1, k + 1)]
    settings = segmentation.settings
    features = tuple(settings.features)
    scaler = segmentation.pipeline.named_steps["prepare"]
    kmeans = segmentation.pipeline.named_steps["kmeans"]
    bounds = getattr(scaler, "bounds_", None)
    assigned = np.asarray(segmentation.labels) >= 0
    training = tuple(training_distribution(float_values(df[f]), f) for f in features)
    saved = SavedSegmentation(
        features=features,
        log_features=tuple(settings.log_features),
        scaler=settings.scaler,
        centre=_floats(scaler.centre_),
        scale=_floats(scaler.scale_),
        missing=settings.missing,
        fill_values=fill_values(df, features),
        clip=None if settings.clip is None else (float(settings.clip[0]), float(settings.clip[1])),
        clip_lower=None if bounds is None else _floats(bounds[0]),
        clip_upper=None if bounds is None else _floats(bounds[1]),
        k=k,
        centres_scaled=tuple(_floats(row) for row in kmeans.cluster_centers_),
        centres=tuple(_floats(row) for row in segmentation.centres.to_numpy(dtype=float)),
        names=names,
        colours=tuple(str(c) for c in colours),
        sizes=tuple(int(s) for s in np.bincount(segmentation.labels[assigned], minlength=k)),
        training=training,
        source=TrainingSource(str(file_name), int(len(df)), str(sha256)),
        id_column=id_column,
        created=_dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        random_state=int(segmentation.random_state),
        notes=str(notes),
    )
    return with_segment_notes(saved, segment_notes or {})


def _floats(values) -> tuple[float, ...]:
    return tuple(float(v) for v in np.asarray(values, dtype=float).ravel())


def with_notes(saved: SavedSegmentation, notes: str) -> SavedSegmentation:
    """`saved` with new free-text notes (the digest is written anew by `to_json`).

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> with_notes(save_segmentation(customers, seg, ["A", "B", "C"]), "May mailing").notes
    'May mailing'
    """
    return check_saved(replace(saved, notes=str(notes)))


def with_segment_notes(saved: SavedSegmentation, notes: Mapping[int, str]) -> SavedSegmentation:
    """`saved` with a campaign note per segment: `notes` maps segment numbers 1..k to text
    (blanks around it removed; a missing or blank note is "").

    Raises
    ------
    SettingsError
        A segment number outside 1..k, or a note longer than `MAX_SEGMENT_NOTE`.

    Examples
    --------
    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 3)
    >>> saved = save_segmentation(customers, seg, ["A", "B", "C"])
    >>> with_segment_notes(saved, {3: " Win-back mail ", 1: ""}).segment_notes
    ('', '', 'Win-back mail')
    """
    texts = [""] * saved.k
    for segment, note in notes.items():
        if isinstance(segment, bool) or not isinstance(segment, (int, np.integer)):
            raise SettingsError(
                f"Campaign note for {segment!r}: use a segment number 1 to {saved.k}."
            )
        if not 1 <= segment <= saved.k:
            raise SettingsError(
                f"Campaign note for segment {segment}: there are segments 1 to {saved.k}."
            )
        text = "" if note is None else str(note).strip()
        if len(text) > MAX_SEGMENT_NOTE:
            raise SettingsError(
                f"The campaign note of segment {segment} has {len(text):,} characters: "
                f"keep it to {MAX_SEGMENT_NOTE:,}."
            )
        texts[int(segment) - 1] = text
    return check_saved(replace(saved, segment_notes=tuple(texts)))


def with_names(saved: SavedSegmentation, names: Sequence[str]) -> SavedSegmentation:
    """`saved` with new segment names (one per segment).

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> with_names(save_segmentation(customers, seg, ["A", "B"]), ["Loyal", "New"]).names
    ('Loyal', 'New')
    """
    return check_saved(replace(saved, names=tuple(str(n) for n in names)))


# --------------------------------------------------------------------------- JSON


def to_document(saved: SavedSegmentation) -> dict:
    """The JSON document of `saved` (without its digest).

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> document = to_document(save_segmentation(customers, seg, ["A", "B"]))
    >>> document["format"], document["k"], [s["name"] for s in document["segments"]]
    ('customer-segmentation', 2, ['A', 'B'])
    """
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "created": saved.created,
        "source": {
            "file_name": saved.source.file_name,
            "rows": saved.source.rows,
            "sha256": saved.source.sha256,
        },
        "id_column": saved.id_column,
        "features": list(saved.features),
        "preparation": {
            "log_features": list(saved.log_features),
            "missing": saved.missing,
            "fill_values": _json_floats(saved.fill_values),
            "clip_percentiles": None if saved.clip is None else list(saved.clip),
            "clip_lower": None if saved.clip_lower is None else list(saved.clip_lower),
            "clip_upper": None if saved.clip_upper is None else list(saved.clip_upper),
            "scaler": saved.scaler,
            "centre": list(saved.centre),
            "scale": list(saved.scale),
        },
        "k": saved.k,
        "random_state": saved.random_state,
        "segments": [
            {
                "segment": s + 1,
                "name": saved.names[s],
                "colour": saved.colours[s],
                "training_customers": saved.sizes[s],
                "centre": list(saved.centres[s]),
                "centre_scaled": list(saved.centres_scaled[s]),
                "note": saved.segment_notes[s] if saved.segment_notes else "",
            }
            for s in range(saved.k)
        ],
        "training": [
            {
                "feature": d.feature,
                "deciles": list(d.deciles),
                "shares": list(d.shares),
                "missing_share": d.missing_share,
            }
            for d in saved.training
        ],
        "notes": saved.notes,
    }


def _json_floats(values: Sequence[float]) -> list[float | None]:
    """Floats for JSON, None for NaN (a feature without any training value has no median)."""
    return [None if not math.isfinite(v) else v for v in values]


def _canonical(document: dict) -> bytes:
    return json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def digest_of(document: dict) -> str:
    """sha256 of the canonical JSON of `document` without its ``digest`` field.

    >>> digest_of({"a": 1, "digest": "x"}) == digest_of({"a": 1})
    True
    """
    body = {key: value for key, value in document.items() if key != "digest"}
    return "sha256:" + hashlib.sha256(_canonical(body)).hexdigest()


def to_json(saved: SavedSegmentation) -> str:
    """The saved segmentation as JSON text (indented, UTF-8, with its digest).

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"])
    >>> from_json(to_json(saved)) == saved
    True

    Constants are written as the shortest text that reads back to the same float, so a
    segmentation read back assigns exactly as the one written.
    """
    document = to_document(check_saved(saved))
    document["digest"] = digest_of(document)
    return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def to_json_bytes(saved: SavedSegmentation) -> bytes:
    """`to_json` as UTF-8 bytes: what the app's ``Download segmentation`` gives.

    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> to_json_bytes(save_segmentation(customers, seg, ["A", "B"]))[:1]
    b'{'
    """
    return to_json(saved).encode("utf-8")


def write_saved(saved: SavedSegmentation, path: str | Path) -> None:
    """Write `saved` to `path` as JSON.

    >>> import tempfile, pathlib
    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "segments.json"
    >>> write_saved(save_segmentation(customers, seg, ["A", "B"]), path)
    >>> read_saved(path).names
    ('A', 'B')
    """
    Path(path).write_text(to_json(saved), encoding="utf-8")


def read_saved(path: str | Path) -> SavedSegmentation:
    """Read and check a saved segmentation file. Raises SavedFileError, OSError.

    >>> read_saved("no/such/file.json")
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No such file or directory: 'no/such/file.json'
    """
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise SavedFileError(
            f"{path.name} is {size:,} bytes, more than a saved segmentation can be "
            f"({MAX_BYTES:,}): choose the .json file saved by the app or `fit`."
        )
    return from_json(path.read_bytes(), name=path.name)


def from_json(text: str | bytes, *, name: str = "the saved segmentation") -> SavedSegmentation:
    """Parse, check and return a saved segmentation.

    >>> from_json('{"format": "customer-segmentation", "schema_version": 9}')  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segmentation.errors.SavedFileError: the saved segmentation was saved by a newer ...

    Raises
    ------
    SavedFileError
        Not JSON (broken or truncated), not a saved segmentation, written by a newer
        version, changed after saving (digest), or inconsistent (lengths, numbers, k).
    """
    from segmentation.saved_schema import parse_document

    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_BYTES:
            raise SavedFileError(
                f"{name} is {len(text):,} bytes, more than a saved segmentation can be "
                f"({MAX_BYTES:,}): choose the .json file saved by the app or `fit`."
            )
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise SavedFileError(
                f"{name} is not a text file: choose the .json file saved by the app or `fit`."
            ) from None
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as problem:
        raise SavedFileError(
            f"{name} is not valid JSON ({problem.msg} at line {problem.lineno}): the file is "
            "broken or cut short; save the segmentation again."
        ) from None
    return check_saved(parse_document(document, name=name))


def _refuse_constant(word: str):
    raise SavedFileError(f"the saved segmentation holds {word}: every number must be finite.")


def check_saved(saved: SavedSegmentation) -> SavedSegmentation:
    """Check that the parts of `saved` agree (lengths, finite numbers, k in range).

    >>> from dataclasses import replace
    >>> from segmentation import fit_segments, make_sample_customers
    >>> customers = make_sample_customers(300)
    >>> seg = fit_segments(customers, ["annual_income", "spending_score"], 2)
    >>> saved = save_segmentation(customers, seg, ["A", "B"])
    >>> check_saved(replace(saved, names=("A",)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    segmentation.errors.SavedFileError: the saved segmentation's segment names has 1 ...

    Raises SavedFileError naming the first problem; returns `saved` unchanged.
    """
    from segmentation.saved_schema import check_consistent

    check_consistent(saved)
    return saved


__all__ = [
    "DECILES",
    "FORMAT",
    "MAX_K",
    "MAX_SEGMENT_NOTE",
    "MISSING_POLICIES",
    "SCALERS",
    "SCHEMA_VERSION",
    "FeatureDistribution",
    "SavedSegmentation",
    "TrainingSource",
    "bin_shares",
    "check_saved",
    "digest_of",
    "from_json",
    "read_saved",
    "save_segmentation",
    "to_document",
    "to_json",
    "to_json_bytes",
    "training_distribution",
    "with_names",
    "with_notes",
    "with_segment_notes",
    "write_saved",
]
