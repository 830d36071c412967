"""Byte scans over a whole file or a view of it, without decoding or copying it."""

from __future__ import annotations

import re

import numpy as np

_LONE_CR = re.compile(b"\r(?!\n)")
#: Stands in for a carriage return inside a line: a private-use character, never
#: meaningful in a customer file.
_CR_STANDIN = "\ue000"
_ZERO, _NINE = ord("0"), ord("9")
#: Bytes per slice of the numpy scans: small temporaries stay in the CPU cache.
_SCAN_SLICE = 1 << 18


def _span(data: bytes | memoryview) -> tuple[bytes, int, int]:
    """The bytes under ``data`` and where ``data`` lies in them (start, stop), no copy."""
    if isinstance(data, memoryview) and isinstance(data.obj, bytes):
        start = (
            np.frombuffer(data, dtype=np.uint8).__array_interface__["data"][0]
            - np.frombuffer(data.obj, dtype=np.uint8).__array_interface__["data"][0]
        )
        return data.obj, start, start + len(data)
    data = bytes(data)
    return data, 0, len(data)


def _contains(data: bytes | memoryview, needle: bytes) -> bool:
    """``needle in data`` for bytes or a view of bytes.

    bytes.find runs at memchr speed, many times faster than a regex over a large file.
    """
    base, start, stop = _span(data)
    return base.find(needle, start, stop) >= 0


def _count(data: bytes | memoryview, needle: bytes) -> int:
    base, start, stop = _span(data)
    return base.count(needle, start, stop)


def _count_lines(data: bytes | memoryview) -> int:
    """Line ends (\\n) in ``data``, counted by numpy a slice at a time (faster than bytes.count)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    return sum(
        int(np.count_nonzero(buffer[offset : offset + _SCAN_SLICE] == 10))
        for offset in range(0, len(buffer), _SCAN_SLICE)
    )


def _has_lone_cr(data: bytes | memoryview) -> bool:
    """A carriage return not followed by a newline (counted: no regex over the file)."""
    return _contains(data, b"\r") and _count(data, b"\r") != _count(data, b"\r\n")


def _has_quote(data: bytes | memoryview) -> bool:
    return _contains(data, b'"')


def _any_leading_zero(data: bytes | memoryview, delimiter: str, *, start: int = 1) -> bool:
    """A cell anywhere that may start with 0 and another digit (00123).

    Over-approximates (a quoted "a,01" counts): a hit only sends the file to the slower
    text path, which checks column by column. ``data`` may be a piece of the file cut
    after a line end: ``start=0`` then checks its first byte too.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    before = np.zeros(256, dtype=bool)
    before[list((delimiter + '\n\r\t "').encode("utf-8"))] = True
    # "0 then a digit" (rare at a cell's start, common inside 100 or 2005) is found
    # before the byte in front of it is looked at.
    for offset in range(start, max(len(buffer) - 1, start), _SCAN_SLICE):
        window = buffer[offset : offset + _SCAN_SLICE + 1]
        zero = window[:-1] == _ZERO
        zero &= (window[1:] - np.uint8(_ZERO)) <= np.uint8(_NINE - _ZERO)
        hits = np.flatnonzero(zero) + offset
        if hits.size == 0:
            continue
        if hits[0] == 0:
            return True  # the first byte of a piece starts a line, so a cell
        if before[buffer[hits - 1]].any():
            return True
    return False


def _count_blank_lines(data: bytes | memoryview) -> int:
    """Empty lines (a line end right after a line end, \\n or \\r\\n), counted by numpy."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    total = 0
    for offset in range(0, len(buffer), _SCAN_SLICE):
        window = buffer[offset : offset + _SCAN_SLICE + 2]
        end = window[:-1] == 10
        total += int(np.count_nonzero(end[:_SCAN_SLICE] & (window[1:][:_SCAN_SLICE] == 10)))
        crlf = end[:-1] & (window[1:-1] == 13) & (window[2:] == 10)
        total += int(np.count_nonzero(crlf[:_SCAN_SLICE]))
    return total
