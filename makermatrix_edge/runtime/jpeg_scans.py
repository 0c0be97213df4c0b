"""What a JPEG's headers say about the memory libjpeg needs to decode it, read from the bytes.

A baseline JPEG whose first scan carries every component is decoded a few rows at a time, and at a
reduced scale when asked (draft). A progressive JPEG, or one whose components come in separate
scans, cannot be: libjpeg keeps every DCT coefficient of the whole picture (2 bytes for each of
64 per 8x8 block and component, at full size whatever the output scale) until the last scan. A
465 KB progressive 6000x6600 4:4:4 file takes 227 MB that way.
"""

from __future__ import annotations

import math

_COEFFICIENT_BYTES = 64 * 2  # one 8x8 block of 16-bit coefficients
_STANDALONE = {0x01, *range(0xD0, 0xD9)}  # TEM, RSTn, SOI: markers without a length


def first_scan_components(data: bytes) -> int | None:
    """How many components the first scan (SOS) carries, or None when the markers cannot be followed.

    Walks the segments the way libjpeg does (fill bytes and stray bytes between segments skipped).
    """
    at = 2  # after SOI
    end = len(data)
    while True:
        at = data.find(b"\xff", at)
        if at < 0 or at + 1 >= end:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte before a marker
            at += 1
            continue
        if marker == 0x00 or marker in _STANDALONE:
            at += 2
            continue
        if at + 4 >= end:
            return None
        if marker == 0xDA:
            return data[at + 4]
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")


def coefficient_bytes(size: tuple[int, int], sampling: list[tuple[int, int]]) -> int:
    """The whole-image coefficient buffer libjpeg allocates for a multi-scan JPEG of `size`.

    `sampling` is (horizontal, vertical) per component; as libjpeg does, each component's blocks
    are rounded up to whole MCUs.
    """
    width, height = size
    sampling = [(max(1, h), max(1, v)) for h, v in sampling] or [(1, 1)]  # libjpeg refuses 0 anyway
    h_max = max(h for h, _ in sampling)
    v_max = max(v for _, v in sampling)
    total = 0
    for h, v in sampling:
        blocks_wide = math.ceil(width * h / (h_max * 8))
        blocks_high = math.ceil(height * v / (v_max * 8))
        total += _round_up(blocks_wide, h) * _round_up(blocks_high, v) * _COEFFICIENT_BYTES
    return total


def _round_up(n: int, step: int) -> int:
    return -(-n // step) * step
