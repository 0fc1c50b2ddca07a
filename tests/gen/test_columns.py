"""Column builders give exactly the strings their formatting rule says."""

from __future__ import annotations

import numpy as np

from fleetlake.gen.columns import padded


def test_padded_numbers_are_zero_filled_to_the_width_after_the_prefix():
    got = padded("FL", np.array([1, 42, 9_999_999_999]), 10).to_pylist()
    assert got == ["FL0000000001", "FL0000000042", "FL9999999999"]
    assert padded("", np.array([7]), 3).to_pylist() == ["007"]
    assert padded("EMP", np.array([], dtype=np.int64), 6).to_pylist() == []


def test_a_number_wider_than_the_width_keeps_its_digits_and_the_others_their_width():
    assert padded("X", np.array([3, 123456]), 4).to_pylist() == ["X0003", "X123456"]
