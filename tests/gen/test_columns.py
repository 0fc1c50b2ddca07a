"""Column builders give exactly the strings their formatting rule says."""

from __future__ import annotations

import numpy as np

from fleetlake.gen.columns import padded


def test_padded_numbers_are_zero_filled_to_the_width_after_the_prefix():
    got = padded("FL", np.array([1, 42, 9_999_999_999]), 10).to_pylist()
    assert got == ["FL0000000001", "FL0000000042", "FL9999999999"]
    assert padded("", np.array([7]), 3).to_pylist() == ["007"]
    assert padded("EMP", np.array([], dtype=np.int64), 6).to_pylist() == []
    # every prefix length, with and without the prefix filling a four-byte word exactly
    for prefix, width in [("", 8), ("A", 3), ("AB", 6), ("ABC", 5), ("EMP", 6), ("AB", 1)]:
        numbers = np.array([0, 7, 10**width - 1, 10 ** (width - 1)])
        expected = [f"{prefix}{n:0{width}d}" for n in numbers]
        assert padded(prefix, numbers, width).to_pylist() == expected, (prefix, width)


def test_a_number_wider_than_the_width_keeps_its_digits_and_the_others_their_width():
    assert padded("X", np.array([3, 123456]), 4).to_pylist() == ["X0003", "X123456"]
