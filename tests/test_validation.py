"""The shared argument check: whole numbers only, in range, and the error names what it got."""

import numpy as np
import pytest

from nnlib.validation import check_int


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
