"""Arrow record batches -> PostgreSQL binary COPY format, vectorised with numpy.

Why not psycopg's ``write_row``: it needs one Python object per value, and turning Arrow
decimals into ``Decimal`` objects alone costs seconds at sf=1. Here every column becomes, with
numpy, an Arrow binary array holding each row's complete field (length header and value); Arrow's
``binary_join_element_wise`` kernel then concatenates the fields of each row, and the joined
array's data buffer is the COPY stream. No Python loop runs per row.

Format (PostgreSQL docs, "COPY ... BINARY"): a signature header, then per row an int16 field
count and per field an int32 byte length (-1 for NULL) and the value in the type's binary
``send`` representation (big-endian), then an int16 -1 trailer.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00\x00\x00\x00" + b"\x00\x00\x00\x00"
TRAILER = b"\xff\xff"

_PG_EPOCH_DAYS = 10_957  # 2000-01-01 - 1970-01-01 in days
_PG_EPOCH_US = _PG_EPOCH_DAYS * 86_400 * 1_000_000
_NUMERIC_NEG = 0x4000


def _valid(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return np.asarray(arr.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _binary(offsets: np.ndarray, data: np.ndarray) -> pa.Array:
    """An Arrow binary array over numpy offsets (int32, n + 1) and bytes, without copying."""
    return pa.Array.from_buffers(
        pa.binary(),
        len(offsets) - 1,
        [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(np.ascontiguousarray(data))],
    )


def _headers(lengths: np.ndarray) -> pa.Array:
    """Each row's int32 big-endian field length (-1 for NULL), as a binary array."""
    n = len(lengths)
    return _binary(np.arange(n + 1, dtype=np.int32) * 4, lengths.astype(">i4").view(np.uint8))


def _fields(matrix: np.ndarray, valid: np.ndarray) -> list[pa.Array]:
    """Fixed-width values (a rows x width byte matrix) -> complete fields (header + value)."""
    n, width = matrix.shape
    header = np.where(valid, width, -1).astype(">i4").view(np.uint8).reshape(n, 4)
    fields = np.concatenate([header, matrix], axis=1)
    if valid.all():
        return [_binary(np.arange(n + 1, dtype=np.int32) * (4 + width), fields)]
    keep = np.ones(fields.shape, dtype=bool)
    keep[~valid, 4:] = False  # a NULL is its header alone
    sizes = np.where(valid, 4 + width, 4)
    return [_binary(np.concatenate([[0], np.cumsum(sizes)]), fields[keep])]


def _fixed(values: np.ndarray, valid: np.ndarray, big_endian: str) -> list[pa.Array]:
    return _fields(values.astype(big_endian).view(np.uint8).reshape(len(values), -1), valid)


def _zero_filled(arr: pa.Array) -> pa.Array:
    """``arr`` with NULLs replaced by zero of its type (their bytes are never written)."""
    if not arr.null_count:
        return arr
    return pc.fill_null(arr, pa.array([0], pa.int8()).cast(arr.type)[0])


def _numbers(arr: pa.Array, dtype: str) -> np.ndarray:
    arr = _zero_filled(arr)
    return np.asarray(arr.to_numpy(zero_copy_only=False), dtype=dtype)


def _numeric(arr: pa.Array) -> list[pa.Array]:
    """decimal128(p, s), s <= 4, p <= 18 -> PostgreSQL ``numeric`` with a fixed digit count.

    PostgreSQL strips leading and trailing zero digits on receive, so a fixed number of base-10000
    digits per value is accepted and stored normalised.
    """
    precision, scale = arr.type.precision, arr.type.scale
    if scale > 4 or precision > 18:
        raise TypeError(f"binary COPY supports decimal(p<=18, s<=4), got {arr.type}")
    valid = _valid(arr)
    arr = _zero_filled(arr)
    # Low 64 bits of each little-endian int128 hold the unscaled value (p <= 18 fits in int64).
    buffer = arr.buffers()[1]
    unscaled = np.frombuffer(buffer, dtype="<i8")[2 * arr.offset : 2 * (arr.offset + len(arr)) : 2]
    magnitude = np.abs(unscaled)
    integer, fraction = np.divmod(magnitude, 10**scale)
    int_groups = max(1, -(-(precision - scale) // 4))
    digits = [(integer // 10_000 ** (int_groups - 1 - g)) % 10_000 for g in range(int_groups)]
    if scale:
        digits.append(fraction * 10 ** (4 - scale))
    n = len(arr)
    words = np.empty((n, 4 + len(digits)), dtype=">i2")
    words[:, 0] = len(digits)
    words[:, 1] = int_groups - 1
    words[:, 2] = np.where(unscaled < 0, _NUMERIC_NEG, 0)
    words[:, 3] = scale
    for i, column in enumerate(digits):
        words[:, 4 + i] = column
    return _fields(words.view(np.uint8).reshape(n, -1), valid)


def _text(arr: pa.Array) -> list[pa.Array]:
    """UTF-8 text: a header array and the bytes (NULL -> header -1 and no bytes)."""
    valid = _valid(arr)
    values = pc.fill_null(arr.cast(pa.string()), "").cast(pa.binary())
    lengths = np.where(valid, pc.binary_length(values).to_numpy(zero_copy_only=False), -1)
    return [_headers(lengths), values]


def encode_column(arr: pa.Array) -> list[pa.Array]:
    """One Arrow column as binary arrays whose per-row concatenation is the row's COPY field."""
    kind = arr.type
    if pa.types.is_dictionary(kind):
        arr, kind = arr.dictionary_decode(), kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _text(arr)
    if pa.types.is_decimal(kind):
        return _numeric(arr)
    valid = _valid(arr)
    if pa.types.is_int16(kind):
        return _fixed(_numbers(arr, "int16"), valid, ">i2")
    if pa.types.is_int32(kind):
        return _fixed(_numbers(arr, "int32"), valid, ">i4")
    if pa.types.is_int64(kind):
        return _fixed(_numbers(arr, "int64"), valid, ">i8")
    if pa.types.is_float64(kind):
        return _fixed(_numbers(arr, "float64"), valid, ">f8")
    if pa.types.is_boolean(kind):
        return _fixed(_numbers(arr, "bool").astype(np.uint8), valid, "u1")
    if pa.types.is_date32(kind):
        days = _numbers(arr.cast(pa.int32()), "int32") - _PG_EPOCH_DAYS
        return _fixed(days, valid, ">i4")
    if pa.types.is_timestamp(kind) and kind.tz is None:
        micros = _numbers(arr.cast(pa.timestamp("us")).cast(pa.int64()), "int64") - _PG_EPOCH_US
        return _fixed(micros, valid, ">i8")
    raise TypeError(f"binary COPY does not support Arrow type {kind}")


def encode_batch(batch: pa.RecordBatch) -> memoryview:
    """The rows of ``batch`` in binary COPY format (without the stream header and trailer)."""
    n = batch.num_rows
    if n == 0:
        return memoryview(b"")
    count = np.full(n, batch.num_columns, dtype=">i2").view(np.uint8)
    pieces = [_binary(np.arange(n + 1, dtype=np.int32) * 2, count)]
    for column in batch.columns:
        pieces.extend(encode_column(column))
    rows = pc.binary_join_element_wise(*pieces, pa.scalar(b"", pa.binary()))
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)[rows.offset : rows.offset + n + 1]
    return memoryview(rows.buffers()[2])[offsets[0] : offsets[-1]]
