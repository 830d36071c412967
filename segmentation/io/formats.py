"""Recognising a file: its bytes, whether it is a table at all, its encoding, its delimiter."""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from pathlib import Path
from typing import BinaryIO

from segmentation.errors import DataError

#: Delimiters tried when sniffing a text file, in order of preference on a tie.
DELIMITERS = (",", ";", "\t", "|")

#: What every refusal of an unreadable format tells the user to do instead.
UPLOAD_HINT = "upload a CSV, TSV, Excel .xlsx or Parquet file"

#: Bytes of a text file's top that the delimiter sniffer and the typed reader look at.
TEXT_HEAD_BYTES = 64 * 1024
_SNIFF_RECORDS = 50

# Magic numbers of common non-table files, so an image renamed to .csv gets a clear answer.
_NOT_A_TABLE = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"Rar!", "a RAR archive"),
    (b"\x7fELF", "a program"),
    (b"RIFF", "an audio or video file"),
    (b"ID3", "an audio file"),
    (b"{\\rtf", "an RTF document"),
)

_BLANK_BYTES = b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"

#: Bytes checked at a time for valid UTF-8, so no decoded copy of the file is made.
_UTF8_SLICE = 1 << 20


def _load(source: str | Path | bytes | BinaryIO) -> tuple[bytes, str | None]:
    """Return the file's bytes and its file name, if one is known."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        return bytes(source), None
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise DataError(f"There is no file at {str(path)!r}: check the path and try again")
        return path.read_bytes(), path.name
    if hasattr(source, "read"):
        content = source.read()
        if isinstance(content, str):
            content = content.encode("utf-8")
        file_name = getattr(source, "name", None)
        return bytes(content), Path(file_name).name if isinstance(file_name, str) else None
    raise TypeError(
        f"source must be a path, bytes or a binary file object, not {type(source).__name__}"
    )


def _has_content(payload: bytes) -> bool:
    """Whether the file holds anything but whitespace, NULs and byte-order marks."""
    # strip() copies the whole payload when it removes a trailing newline: look at the
    # top first, which settles it for every file but an (almost) empty one.
    if payload[:4096].strip(_BLANK_BYTES):
        return True
    return bool(payload.strip(_BLANK_BYTES))


def _is_xlsx(payload: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            return any(n.startswith("xl/") for n in archive.namelist())
    except zipfile.BadZipFile:
        return False


def _not_a_table(what: str) -> DataError:
    return DataError(f"This file is not a table (it looks like {what}): {UPLOAD_HINT}")


def _decode(payload: bytes) -> tuple[bytes | memoryview, str]:
    """Return the text as UTF-8 bytes (without BOM) and the encoding it was written in.

    BOMs decide first, then UTF-8, then cp1252, then latin-1 (which never fails). UTF-8
    input is passed on without a copy; other encodings are transcoded to UTF-8.
    """
    if payload.startswith(b"\xef\xbb\xbf"):
        body = memoryview(payload)[3:]  # a view: no copy of a large file
        if not _is_utf8(payload, 3):
            _decode_as(body, "utf-8", "utf-8-sig")  # raises, naming the byte
        return body, "utf-8-sig"
    if payload.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _decode_as(payload, "utf-32", "utf-32").encode("utf-8"), "utf-32"
    if payload.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode_as(payload, "utf-16", "utf-16").encode("utf-8"), "utf-16"
    head = payload[:4096]
    if b"\x00" in head:
        return _decode_nul_text(payload, head)
    _refuse_known_binary(payload)
    if _is_utf8(payload):
        return payload, "utf-8"  # parsed as they are
    try:
        return payload.decode("cp1252").encode("utf-8"), "cp1252"
    except UnicodeDecodeError:
        return payload.decode("latin-1").encode("utf-8"), "latin-1"


def _decode_nul_text(payload: bytes, head: bytes) -> tuple[bytes, str]:
    """UTF-16 without a BOM (ASCII text has every other byte NUL), else not a table."""
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.9 * len(odd) and even.count(0) == 0:
        return _decode_as(payload, "utf-16-le", "utf-16-le").encode("utf-8"), "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) == 0:
        return _decode_as(payload, "utf-16-be", "utf-16-be").encode("utf-8"), "utf-16-be"
    _refuse_known_binary(payload)
    raise _not_a_table("binary data, not text")


def _refuse_known_binary(payload: bytes) -> None:
    for magic, what in _NOT_A_TABLE:
        if payload.startswith(magic):
            raise _not_a_table(what)


def _is_utf8(payload: bytes, start: int = 0) -> bool:
    """Whether ``payload[start:]`` is valid UTF-8.

    Checked a slice at a time, so no decoded copy of the file is made, and a slice that
    is all ASCII, the usual case, is passed by a fast scan without decoding.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for offset in range(start, len(payload), _UTF8_SLICE):
            part = payload[offset : offset + _UTF8_SLICE]
            # A character cut by the previous slice continues here: decode to finish it.
            if not part.isascii() or decoder.getstate()[0]:
                decoder.decode(part)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _decode_as(payload: bytes | memoryview, codec: str, label: str) -> str:
    try:
        return str(payload, codec)
    except UnicodeDecodeError as exc:
        raise DataError(
            f"The file starts like {label} text but byte {exc.start} cannot be decoded: "
            "save it again as UTF-8 CSV and upload that"
        ) from exc


def _sniff_delimiter(head: str) -> str:
    """Pick the delimiter whose field count is most consistent over the first records.

    Each candidate splits the first records with the ``csv`` module (so quoted fields are
    respected). A candidate needs at least two fields in the header; the winner has the
    largest share of records with the header's field count, then the most fields, then
    comes first in `DELIMITERS`.
    """
    best, best_key = ",", None
    for delimiter in DELIMITERS:
        counts = _field_counts(head, delimiter)
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        key = (consistent, counts[0])
        if best_key is None or key > best_key:
            best, best_key = delimiter, key
    return best


def _field_counts(head: str, delimiter: str) -> list[int]:
    """Fields in each of the first non-empty records of ``head`` split by ``delimiter``."""
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delimiter)
    counts = []
    try:
        for record in reader:
            if record:
                counts.append(len(record))
            if len(counts) > _SNIFF_RECORDS:
                break
    except csv.Error:
        pass  # judge the candidate on the records read before the odd one
    if len(counts) > 1 and len(head) >= TEXT_HEAD_BYTES:
        counts = counts[:-1]  # the last record of a cut head may be partial
    return counts


def _delimiter_name(delimiter: str) -> str:
    return {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}.get(delimiter, "delimiter")
