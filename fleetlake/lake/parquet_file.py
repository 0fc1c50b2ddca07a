"""Day-sized Parquet files encoded straight from Arrow buffers, a block of days at a time.

A lake file holds one day of one table: a few to a few thousand rows. pyarrow's writer spends
about 0.4 ms more than this encoder on such a file (its set-up per file, and a new zstd context
per column chunk, whose CPU detection traps to the hypervisor on this project's VM). This encoder
writes the files of consecutive days from one table that holds them all (``encode_ranges``): each
column is encoded once for the whole block, and each day's page is a slice of it.

Every file has one row group and, per column, one version-1 data page: PLAIN values, RLE
definition levels for nullable columns, zstd (Arrow's default level) from one context kept per
thread, and min/max statistics on the columns asked for. Readers see what pyarrow's writer gives
them for these Arrow types: the same Parquet physical and logical types, no embedded Arrow schema
(the lake never stored it). Types outside the lake's flat ones (the routes' list of waypoints)
go through pyarrow's writer with the same settings.

Format: https://github.com/apache/parquet-format (parquet.thrift, Encodings.md); the footer and
page headers are Thrift compact protocol structs.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import zstandard

from fleetlake import __version__

ZSTD_LEVEL = 1  # Arrow's default: 12-18 % less encoding than level 3 for files 1-7 % larger
CREATED_BY = f"fleetlake version {__version__}"
MAGIC = b"PAR1"

# Thrift compact protocol type codes
_TRUE, _FALSE, _I32, _I64, _BINARY, _LIST, _STRUCT = 1, 2, 5, 6, 8, 9, 12
# Parquet enums (parquet.thrift)
BOOLEAN, INT32, INT64, DOUBLE, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY = 0, 1, 2, 5, 6, 7
REQUIRED, OPTIONAL = 0, 1
PLAIN, RLE = 0, 3
ZSTD = 6
DATA_PAGE = 0
UTF8, DECIMAL, DATE = 0, 5, 6  # converted types


def _varint(n: int) -> bytes:
    """Unsigned LEB128, unrolled for the sizes a footer holds."""
    if n < 0x80:
        return bytes((n,))
    if n < 0x4000:
        return bytes((n & 0x7F | 0x80, n >> 7))
    if n < 0x200000:
        return bytes((n & 0x7F | 0x80, n >> 7 & 0x7F | 0x80, n >> 14))
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _zigzag(n: int) -> bytes:
    """A Thrift i32 or i64."""
    if 0 <= n < _SMALL_SIZE:
        return _SMALL[n]
    return _varint(n << 1 if n >= 0 else (-n << 1) - 1)


_SMALL_SIZE = 1 << 13  # most sizes and offsets of a day's file: looked up, not computed
_SMALL = [_varint(n << 1) for n in range(_SMALL_SIZE)]


def _field(delta: int, kind: int) -> bytes:
    """A field header, ``delta`` (1-15) after the previous field's id."""
    return bytes((delta << 4 | kind,))


def _list_header(size: int, element: int) -> bytes:
    """A list's size and element type."""
    return bytes((size << 4 | element,)) if size < 15 else bytes((0xF0 | element,)) + _varint(size)


def _struct(*fields: tuple[int, int, object], last: int = 0, stop: bool = True) -> bytes:
    """A Thrift compact struct of (field id, type, value); ids ascend, None values are left out.

    An _I32/_I64 value is an int, _BINARY bytes or str, _STRUCT an encoded struct, _LIST a pair
    (element type, encoded elements), _TRUE a bool. ``last`` is the id of the field before
    these (a struct encoded in pieces); ``stop=False`` leaves the struct open for more fields.
    """
    out = bytearray()
    for field, kind, value in fields:
        if value is None:
            continue
        if kind == _TRUE:
            kind = _TRUE if value else _FALSE
        delta = field - last
        if 0 < delta <= 15:
            out += _field(delta, kind)
        else:
            out += bytes((kind,)) + _zigzag(field)
        last = field
        if kind in (_I32, _I64):
            out += _zigzag(value)
        elif kind == _BINARY:
            data = value.encode() if isinstance(value, str) else value
            out += _varint(len(data)) + data
        elif kind == _STRUCT:
            out += value
        elif kind == _LIST:
            element, items = value
            out += _list_header(len(items), element)
            for item in items:
                out += _zigzag(item) if element in (_I32, _I64) else item
    if stop:
        out.append(0)
    return bytes(out)


_EMPTY = _struct()  # an empty struct: the logical types without parameters


@dataclass(frozen=True)
class _Column:
    """How one Arrow field is stored: its schema element, and the start of its chunk metadata."""

    name: str
    physical: int
    numpy_type: str | None  # PLAIN values are these little-endian numbers; None: see ``_plain``
    width: int  # FIXED_LEN_BYTE_ARRAY bytes (decimals), else 0
    nullable: bool
    statistics: bool
    element: bytes  # SchemaElement
    metadata_head: bytes  # ColumnMetaData fields 1-4 (type, encodings, path, codec), left open

    @property
    def itemsize(self) -> int:
        """Bytes per value of a numeric column ("<i4" -> 4)."""
        return int(self.numpy_type[2:])


def _decimal_bytes(precision: int) -> int:
    """The fewest bytes whose two's complement holds every ``precision``-digit number."""
    return next(n for n in range(1, 17) if 2 ** (8 * n - 1) > 10**precision)


def _column(field: pa.Field, statistics: bool) -> _Column | None:
    """The field's storage, as pyarrow's writer chooses it; None for a type not written here."""
    kind = field.type
    width, converted, scale, precision, logical = 0, None, None, None, None
    if pa.types.is_boolean(kind):
        physical, numpy_type = BOOLEAN, None
    elif pa.types.is_int32(kind):
        physical, numpy_type = INT32, "<i4"
    elif pa.types.is_int64(kind):
        physical, numpy_type = INT64, "<i8"
    elif pa.types.is_float64(kind):
        physical, numpy_type = DOUBLE, "<f8"
    elif pa.types.is_date32(kind):
        physical, numpy_type, converted = INT32, "<i4", DATE
        logical = _struct((6, _STRUCT, _EMPTY))
    elif pa.types.is_timestamp(kind) and kind.unit == "us" and kind.tz is None:
        physical, numpy_type = INT64, "<i8"
        micros = _struct((2, _STRUCT, _EMPTY))
        logical = _struct((8, _STRUCT, _struct((1, _TRUE, False), (2, _STRUCT, micros))))
    elif pa.types.is_string(kind):
        physical, numpy_type, converted = BYTE_ARRAY, None, UTF8
        logical = _struct((1, _STRUCT, _EMPTY))
    elif pa.types.is_decimal128(kind):
        physical, numpy_type, width = FIXED_LEN_BYTE_ARRAY, None, _decimal_bytes(kind.precision)
        converted, scale, precision = DECIMAL, kind.scale, kind.precision
        logical = _struct((5, _STRUCT, _struct((1, _I32, scale), (2, _I32, precision))))
    else:
        return None
    if statistics and physical not in (INT32, INT64):  # floats' NaN, strings' order: not here
        raise ValueError(
            f"min/max statistics are written for integer, date and time columns, "
            f"not {field.name} ({kind})"
        )
    element = _struct(
        (1, _I32, physical),
        (2, _I32, width or None),
        (3, _I32, OPTIONAL if field.nullable else REQUIRED),
        (4, _BINARY, field.name),
        (6, _I32, converted),
        (7, _I32, scale),
        (8, _I32, precision),
        (10, _STRUCT, logical),
    )
    head = _struct(
        (1, _I32, physical),
        (2, _LIST, (_I32, [PLAIN, RLE] if field.nullable else [PLAIN])),
        (3, _LIST, (_BINARY, [_varint(len(field.name.encode())) + field.name.encode()])),
        (4, _I32, ZSTD),
        stop=False,
    )
    return _Column(
        field.name, physical, numpy_type, width, field.nullable, statistics, element, head
    )


@dataclass(frozen=True)
class _Layout:
    """A schema's columns, and the parts of its files' footers that do not change."""

    columns: tuple[_Column, ...]
    schema: bytes  # FileMetaData field 2 (after field 1)
    column_orders: bytes  # FileMetaData field 7 (after field 6), and the footer's end


@lru_cache(maxsize=64)
def _layout(schema: pa.Schema, statistics: frozenset[str]) -> _Layout | None:
    columns = [_column(field, field.name in statistics) for field in schema]
    if any(column is None for column in columns):
        return None
    root = _struct((4, _BINARY, "schema"), (5, _I32, len(columns)))
    elements = [root] + [column.element for column in columns]
    type_defined = _struct((1, _STRUCT, _EMPTY))  # ColumnOrder: min/max by the logical type
    return _Layout(
        tuple(columns),
        _struct((2, _LIST, (_STRUCT, elements)), last=1, stop=False),
        _struct((7, _LIST, (_STRUCT, [type_defined] * len(columns))), last=6),
    )


def _bytes(array: pa.Array, buffer: int) -> np.ndarray:
    """One of the array's buffers as bytes (none: empty)."""
    data = array.buffers()[buffer]
    return np.frombuffer(data, np.uint8) if data is not None else np.zeros(0, np.uint8)


def _bits(array: pa.Array, buffer: int) -> np.ndarray:
    """A bitmap of the array (0: validity, 1: boolean values), one 0/1 byte per row."""
    bits = np.unpackbits(_bytes(array, buffer), bitorder="little")
    return bits[array.offset : array.offset + len(array)]


def _fixed(array: pa.Array, itemsize: int) -> np.ndarray:
    """The values of a fixed-width array, as bytes."""
    return _bytes(array, 1)[array.offset * itemsize : (array.offset + len(array)) * itemsize]


def _plain_strings(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """PLAIN byte arrays of a string array without nulls (each value's length as 4 bytes, little
    endian, then its bytes), and where each row's value starts in them, the end last."""
    n = len(array)
    if n == 0:
        return np.zeros(0, np.uint8), np.zeros(1, np.int64)
    offsets = np.frombuffer(array.buffers()[1], np.int32)[array.offset : array.offset + n + 1]
    starts = offsets - offsets[0] + 4 * np.arange(n + 1, dtype=np.int64)
    lengths = np.diff(offsets).astype("<i4")
    if lengths.min() == lengths.max():  # codes, plates, tracking numbers: one width
        body = _bytes(array, 2)[offsets[0] : offsets[-1]]
        rows = np.empty((n, 4 + int(lengths[0])), np.uint8)
        rows[:, :4] = lengths[:1].view(np.uint8)
        rows[:, 4:] = body.reshape(n, -1)
        return rows.reshape(-1), starts
    # Each length as a 4-byte value after the strings, and Arrow's take interleaves the two:
    # 2-3x faster than a numpy scatter or Arrow's element-wise join.
    head_offsets = pa.py_buffer(4 * np.arange(n + 1, dtype=np.int32))
    heads = pa.Array.from_buffers(pa.binary(), n, [None, head_offsets, pa.py_buffer(lengths)])
    order = np.empty(2 * n, np.int32)
    order[0::2] = np.arange(n, dtype=np.int32)
    order[1::2] = order[0::2] + n
    interleaved = pa.concat_arrays([heads, array.view(pa.binary())]).take(pa.array(order))
    return _bytes(interleaved, 2)[: starts[-1]], starts


def _plain(column: _Column, dense: pa.Array, kept: np.ndarray) -> list:
    """Each row range's PLAIN values: ``dense`` holds the column's non-null values, range r
    ``dense[kept[r]:kept[r + 1]]``."""
    if column.physical == BOOLEAN:  # bit-packed: each page's values start on a byte
        bits = _bits(dense, 1)
        return [np.packbits(bits[lo:hi], bitorder="little") for lo, hi in pairwise(kept.tolist())]
    if column.physical == BYTE_ARRAY:
        encoded, starts = _plain_strings(dense)
        ends = starts[kept]
    elif column.numpy_type is not None:
        encoded, ends = _fixed(dense, column.itemsize), kept * column.itemsize
    else:  # decimal128: the low ``width`` bytes of each 16-byte little-endian value, big-endian
        words = _fixed(dense, 16).reshape(-1, 16)[:, column.width - 1 :: -1]
        encoded, ends = np.ascontiguousarray(words).reshape(-1), kept * column.width
    view = memoryview(encoded)
    return [view[lo:hi] for lo, hi in pairwise(ends.tolist())]


@lru_cache(maxsize=4096)
def _all_defined(rows: int) -> bytes:
    """The definition levels of a page without nulls: one RLE run of 1s, its length first."""
    runs = _varint(rows << 1) + b"\x01"
    return struct.pack("<i", len(runs)) + runs


def _levels(valid: np.ndarray) -> bytes:
    """A page's definition levels with nulls: one bit-packed run in groups of 8, length first."""
    packed = np.packbits(valid, bitorder="little").tobytes()
    runs = _varint(len(packed) << 1 | 1) + packed
    return struct.pack("<i", len(runs)) + runs


# ColumnMetaData field 12 (after field 9): Statistics{1: max, 2: min (the deprecated pair, for
# older readers; right for signed integers), 3: null_count, 5: max_value, 6: min_value, 7 and 8:
# both exact}, as pyarrow writes them
_STATISTICS = _field(3, _STRUCT)
_NULL_COUNT_FIRST, _NEXT_BINARY, _SECOND_NEXT_BINARY = (
    _field(3, _I64),
    _field(1, _BINARY),
    _field(2, _BINARY),
)
_BOTH_EXACT = _field(1, _TRUE) + _field(1, _TRUE) + b"\0"


def _statistics(nulls: int, extremes: tuple[bytes, bytes] | None) -> bytes:
    if extremes is None:  # no value in the page: the null count only
        return b"".join((_STATISTICS, _NULL_COUNT_FIRST, _zigzag(nulls), b"\0"))
    size = _varint(len(extremes[0]))
    high, low = size + extremes[0], size + extremes[1]
    return b"".join(
        (_STATISTICS, _NEXT_BINARY, high, _NEXT_BINARY, low, _NEXT_I64, _zigzag(nulls))
        + (_SECOND_NEXT_BINARY, high, _NEXT_BINARY, low, _BOTH_EXACT)
    )


def _pages(column: _Column, array: pa.Array, bounds: np.ndarray) -> list[tuple[tuple, bytes]]:
    """For each row range ``bounds[r]:bounds[r + 1]`` of the column: its uncompressed data page
    (definition levels, then the PLAIN values of its non-null rows) as pieces to join, and its
    statistics field (b"" if the column has none)."""
    ranges = range(len(bounds) - 1)
    if array.null_count and not column.nullable:
        raise ValueError(f"column {column.name} is not nullable but holds {array.null_count} nulls")
    if array.null_count:
        valid = _bits(array, 0)
        kept = np.concatenate(([0], np.cumsum(valid, dtype=np.int64)))[bounds]
        dense = array.drop_null()
    else:
        valid, kept, dense = None, bounds, array
    values = _plain(column, dense, kept)
    rows, present = np.diff(bounds).tolist(), np.diff(kept).tolist()
    levels = [b""] * len(ranges)
    if column.nullable:
        levels = [
            _all_defined(rows[r])
            if present[r] == rows[r]
            else _levels(valid[bounds[r] : bounds[r + 1]])
            for r in ranges
        ]
    statistics = [b""] * len(ranges)
    if column.statistics:
        numbers = _fixed(dense, column.itemsize).view(column.numpy_type)
        filled = [r for r in ranges if present[r]]
        starts = kept[filled]  # each filled range runs to the next one's start, the last to the end
        size = column.itemsize
        highs = np.maximum.reduceat(numbers, starts).tobytes() if filled else b""
        lows = np.minimum.reduceat(numbers, starts).tobytes() if filled else b""
        extremes = {
            r: (highs[i * size : (i + 1) * size], lows[i * size : (i + 1) * size])
            for i, r in enumerate(filled)
        }
        statistics = [_statistics(rows[r] - present[r], extremes.get(r)) for r in ranges]
    return [((levels[r], values[r]), statistics[r]) for r in ranges]


# The fixed parts of each chunk's page header and metadata, between the numbers ``_file`` fills in
_NEXT_I32, _NEXT_I64, _SECOND_NEXT_I64 = _field(1, _I32), _field(1, _I64), _field(2, _I64)
_PAGE_START = _field(1, _I32) + _zigzag(DATA_PAGE) + _NEXT_I32  # PageHeader.type, then sizes
_DATA_PAGE_HEADER = _field(2, _STRUCT) + _NEXT_I32  # field 5, then its num_values
_DATA_PAGE_END = _struct((2, _I32, PLAIN), (3, _I32, RLE), (4, _I32, RLE), last=1) + b"\0"
_CHUNK_OFFSET, _CHUNK_METADATA = _field(2, _I64), _field(1, _STRUCT)
_FILE_VERSION = _struct((1, _I32, 2), stop=False)
_ROW_GROUPS = _field(1, _LIST) + _list_header(1, _STRUCT)
_COLUMNS = _field(1, _LIST)
_CREATED_BY = _struct((6, _BINARY, CREATED_BY), last=4, stop=False)

_compressors = threading.local()


def _compress() -> zstandard.ZstdCompressor:
    """This thread's zstd context: creating one costs 13 us on this VM, compressing a small page
    a few."""
    compressor = getattr(_compressors, "zstd", None)
    if compressor is None:
        compressor = _compressors.zstd = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    return compressor


def _file(layout: _Layout, pages: list[tuple[tuple, bytes]], rows: int) -> bytes:
    """A Parquet file of ``rows`` rows from each column's page pieces and statistics field."""
    compress = _compress().compress
    count = _zigzag(rows)
    parts, position, chunks, total = [MAGIC], len(MAGIC), [], 0
    for column, (pieces, statistics) in zip(layout.columns, pages, strict=True):
        page = b"".join(pieces)
        compressed = compress(page)
        size, compressed_size = len(page), len(compressed)
        header = b"".join(
            (
                _PAGE_START,
                _zigzag(size),
                _NEXT_I32,
                _zigzag(compressed_size),
                _DATA_PAGE_HEADER,
                count,
                _DATA_PAGE_END,
            )
        )
        offset = _zigzag(position)
        chunk = (
            _CHUNK_OFFSET,  # ColumnChunk 2: file_offset
            offset,
            _CHUNK_METADATA,  # 3: meta_data, a ColumnMetaData
            column.metadata_head,  # its fields 1-4
            _NEXT_I64,  # 5: num_values
            count,
            _NEXT_I64,  # 6: total_uncompressed_size
            _zigzag(len(header) + size),
            _NEXT_I64,  # 7: total_compressed_size
            _zigzag(len(header) + compressed_size),
            _SECOND_NEXT_I64,  # 9: data_page_offset
            offset,
            statistics,  # 12
            b"\0\0",  # the ends of ColumnMetaData and ColumnChunk
        )
        chunks.append(b"".join(chunk))
        parts += (header, compressed)
        position += len(header) + compressed_size
        total += len(header) + size
    footer = (
        _FILE_VERSION,
        layout.schema,
        _NEXT_I64,  # 3: num_rows
        count,
        _ROW_GROUPS,  # 4: one RowGroup
        _COLUMNS,  # its 1: columns
        _list_header(len(chunks), _STRUCT),
        *chunks,
        _NEXT_I64,  # 2: total_byte_size
        _zigzag(total),
        _NEXT_I64,  # 3: num_rows
        count,
        b"\0",  # the RowGroup's end
        _CREATED_BY,  # 6
        layout.column_orders,  # 7, and the end
    )
    data = b"".join(footer)
    parts += (data, struct.pack("<i", len(data)), MAGIC)
    return b"".join(parts)


def pyarrow_file(table: pa.Table, statistics: frozenset[str] = frozenset()) -> bytes:
    """The table through pyarrow's writer with the same settings: for the types this module
    does not write, and the reference its tests and benchmark compare with."""
    sink = pa.BufferOutputStream()
    pq.write_table(
        table,
        sink,
        compression="zstd",
        compression_level=ZSTD_LEVEL,
        use_dictionary=False,
        store_schema=False,
        write_statistics=sorted(statistics),
    )
    return sink.getvalue().to_pybytes()


def encode_ranges(
    table: pa.Table, counts: Sequence[int], statistics: frozenset[str] = frozenset()
) -> list[bytes | None]:
    """One Parquet file per consecutive row range of ``table``, ``counts[r]`` rows each (None
    for an empty range); ``statistics`` names the columns that get min/max (integers, dates,
    times). A range's file depends only on its rows, not on the other ranges."""
    if min(counts, default=0) < 0:
        raise ValueError(f"a range cannot hold a negative number of rows: {min(counts)}")
    bounds = np.concatenate(([0], np.cumsum(counts, dtype=np.int64)))
    if bounds[-1] != table.num_rows:
        raise ValueError(f"the ranges hold {bounds[-1]} rows, the table {table.num_rows}")
    layout = _layout(table.schema, statistics)
    if layout is None or table.num_rows == 0:
        return [
            pyarrow_file(table.slice(lo, hi - lo), statistics) if hi > lo else None
            for lo, hi in pairwise(bounds.tolist())
        ]
    columns = [
        _pages(
            column, chunked.combine_chunks() if chunked.num_chunks > 1 else chunked.chunk(0), bounds
        )
        for column, chunked in zip(layout.columns, table.columns, strict=True)
    ]
    return [
        _file(layout, [pages[r] for pages in columns], rows) if rows else None
        for r, rows in enumerate(counts)
    ]


def encode_table(table: pa.Table, statistics: frozenset[str] = frozenset()) -> bytes:
    """The table as one Parquet file (a table without rows, through pyarrow's writer)."""
    if table.num_rows == 0:
        return pyarrow_file(table, statistics)
    (data,) = encode_ranges(table, [table.num_rows], statistics)
    return data
