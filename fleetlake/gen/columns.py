"""Arrow column builders from numpy arrays: exact decimals, timestamps, dates and coded strings.

Everything is vectorised: no Python loop per row.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


def _four_digit_words() -> np.ndarray:
    """The ASCII digits of 0000..9999, four bytes each, as one uint32 word per number."""
    n = np.arange(10_000)
    digits = np.stack([n // 1000, n // 100 % 10, n // 10 % 10, n % 10], axis=1) + ord("0")
    return digits.astype(np.uint8).view(np.uint32).reshape(-1)


_FOUR_DIGITS = _four_digit_words()


def decimal_from_cents(cents: np.ndarray, type_: pa.Decimal128Type, mask=None) -> pa.Array:
    """Exact decimal(p, 2) values from integer cents (no float rounding on the way)."""
    cents = np.ascontiguousarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = cents >> 63  # sign extension into the high 64 bits
    array = pa.Array.from_buffers(type_, len(cents), [None, pa.py_buffer(words)])
    if mask is not None:
        array = pc.if_else(pa.array(mask), pa.nulls(len(cents), type_), array)
    return array


def timestamps(seconds_since_epoch: np.ndarray, mask=None) -> pa.Array:
    """Naive microsecond timestamps from integer seconds since 1970-01-01 00:00."""
    micros = np.asarray(seconds_since_epoch, dtype=np.int64) * 1_000_000
    return pa.array(micros, type=pa.timestamp("us"), mask=mask)


def dates(ordinals: np.ndarray, mask=None) -> pa.Array:
    """date32 values from proleptic Gregorian ordinals (``date.toordinal()``)."""
    days = np.asarray(ordinals, dtype=np.int64) - _EPOCH_ORDINAL
    return pa.array(days.astype(np.int32), type=pa.date32(), mask=mask)


def day_start_seconds(day: date) -> int:
    """Seconds from 1970-01-01 00:00 to ``day`` 00:00."""
    return (day.toordinal() - _EPOCH_ORDINAL) * 86_400


def day_starts(days: list[date]) -> np.ndarray:
    """``day_start_seconds`` of each day."""
    return np.array([day_start_seconds(day) for day in days], dtype=np.int64)


def padded(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers``, e.g. EMP000042 (ASCII prefix, numbers >= 0).

    When every number fits the width, all values have the same length and the strings are one
    numpy block of characters, with no per-value formatting; a wider number keeps all its digits.
    """
    numbers = np.asarray(numbers, dtype=np.int64)
    if numbers.max(initial=0) >= 10**width:
        digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")
        return pc.binary_join_element_wise(prefix, digits, "")
    n, groups = len(numbers), -(-width // 4)
    words = np.empty((n, groups), dtype=np.uint32)  # four digits a word, from a table
    for g in range(groups - 1, -1, -1):
        quotient = numbers // 10_000
        words[:, g] = _FOUR_DIGITS[numbers - quotient * 10_000]
        numbers = quotient
    size = len(prefix) + width
    if size == 4 * groups:  # the prefix takes the leading zeros' place: the words are the text
        keep = np.frombuffer(bytes(len(prefix)) + b"\xff" * (4 - len(prefix)), dtype=np.uint32)
        head = np.frombuffer(prefix.encode("ascii").ljust(4, b"\0"), dtype=np.uint32)
        words[:, 0] = (words[:, 0] & keep) | head
        chars = words.reshape(-1)
    else:
        chars = np.empty((n, size), dtype=np.uint8)
        chars[:, : len(prefix)] = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
        chars[:, len(prefix) :] = words.view(np.uint8).reshape(n, 4 * groups)[:, -width:]
    offsets = np.arange(0, (n + 1) * size, size, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.reshape(-1)))


def join(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of string arrays and literals."""
    return pc.binary_join_element_wise(*parts, "")


def number_strings(numbers: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())


@lru_cache(maxsize=256)
def _vocabulary(pool: tuple[str, ...]) -> pa.Array:
    return pa.array(pool, pa.string())


def pick(pool: pa.Array | tuple[str, ...], indexes: np.ndarray) -> pa.Array:
    """Values of a vocabulary at the given indexes."""
    if not isinstance(pool, pa.Array):
        pool = _vocabulary(pool)
    return pool.take(pa.array(np.asarray(indexes, dtype=np.int64)))
