"""lessons.slide_network: one parameter of the slide network, picked, read, changed; what changed."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from lessons import slide_network as slide
from lessons.landscape import ParamRef


def test_the_slide_parameters_are_the_lecture_networks():
    for mine, nnlibs in zip(slide.SLIDE_PARAMS, nnlib.presets.lecture_network().get_weights()):
        np.testing.assert_array_equal(mine, nnlibs)
    assert slide.changed(slide.SLIDE_PARAMS) == []


def test_a_pick_counts_from_one_as_on_the_slide():
    assert slide.parameter(1, 1, "w2") == ParamRef(0, 0, 1)
    assert slide.parameter(3, 2, "b") == ParamRef(2, 1, None)
    with pytest.raises(ValueError, match="source"):
        slide.parameter(1, 1, "w3")
    with pytest.raises(ValueError, match="source"):
        slide.parameter(1, 1, "weight from input 2")  # the label a student reads is not the stored code
    assert [slide.source_label(s) for s in slide.SOURCES] == [
        "weight from input 1", "weight from input 2", "bias b"]


def test_reading_and_changing_one_parameter():
    w = slide.parameter(1, 1, "w2")      # the slide's −2 from x2 into neuron 1
    b = slide.parameter(3, 1, "b")       # the slide's −2 on layer 3, neuron 1
    assert slide.value(slide.SLIDE_PARAMS, w) == -2.0 and slide.value(slide.SLIDE_PARAMS, b) == -2.0
    edited = slide.with_value(slide.with_value(slide.SLIDE_PARAMS, w, 0.0), b, 0.5)
    assert slide.value(edited, w) == 0.0 and edited[5].tolist() == [0.5, 2.0]
    assert slide.value(slide.SLIDE_PARAMS, w) == -2.0          # the slide's numbers are not changed
    assert slide.changed(edited) == ["layer 1 W", "layer 3 b"]
    # z¹₁ = 1·x1 + 0·x2 + 1 = 2 for x = (1, −1): the network runs with the edited weights.
    assert slide.network(edited).trace(np.array([[1.0, -1.0]]))[0].z[0, 0] == pytest.approx(2.0)
