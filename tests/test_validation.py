"""The shared argument check: whole numbers only, in range, and the error names what it got."""

import numpy as np
import pytest

from nnlib.validation import check_choice, check_int, check_number


def test_accepts_whole_numbers_in_range_and_returns_int():
    assert check_int("n", np.int64(5), 1, 10) == 5 and type(check_int("n", np.int64(5))) is int
    assert check_int("steps", 0, 0) == 0


@pytest.mark.parametrize("value, low, high, message", [
    (0, 1, None, "n must be a positive whole number. Received: n=0"),
    (True, 1, None, "Received: n=True"),
    (2.0, 1, None, "Received: n=2.0"),
    (11, 1, 10, "n must be a whole number from 1 to 10. Received: n=11"),
    (-1, 0, None, "n must be a whole number of at least 0. Received: n=-1"),
])
def test_rejects_with_a_message_naming_the_value(value, low, high, message):
    with pytest.raises(ValueError) as info:
        check_int("n", value, low, high)
    assert message in str(info.value)


def test_check_number_accepts_finite_numbers_within_the_bounds():
    assert check_number("lr", 1, 0, low_open=True) == 1.0 and type(check_number("lr", np.float32(0.5))) is float
    assert check_number("p", 0.0, 0.0, 1.0, high_open=True) == 0.0


@pytest.mark.parametrize("value, kwargs, message", [
    (0.0, {"low": 0.0, "low_open": True}, "lr must be a positive number. Received: lr=0.0"),
    (float("nan"), {}, "lr must be a finite number. Received: lr=nan"),
    ("0.1", {}, "Received: lr='0.1'"),
    (True, {}, "Received: lr=True"),
    (1.0, {"low": 0.0, "high": 1.0, "high_open": True}, "lr must be a finite number >= 0 and < 1. Received: lr=1.0"),
    (200.0, {"low": 1e-6, "high": 100.0}, "lr must be a finite number >= 1e-06 and <= 100. Received: lr=200.0"),
])
def test_check_number_names_the_bounds_and_the_value(value, kwargs, message):
    with pytest.raises(ValueError) as info:
        check_number("lr", value, **kwargs)
    assert message in str(info.value)


def test_check_choice():
    assert check_choice("reduction", "sum", ("mean", "sum")) == "sum"
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum'. Received: reduction='max'"):
        check_choice("reduction", "max", ("mean", "sum"))
