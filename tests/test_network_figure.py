"""ui.network_figure: the drawing shows the numbers it is given, in the right places."""

from __future__ import annotations

import numpy as np
import pytest

import nnlib
from ui.views.network_figure import model_figure, network_figure


def _trace(fig, name):
    return next(t for t in fig.data if t.name == name)


def test_lecture_network_shows_trace_values_z_and_biases():
    model = nnlib.presets.lecture_network()
    fig = model_figure(model, [1.0, -1.0])
    trace = model.trace(np.array([[1.0, -1.0]]))
    expected_a = ["1.00", "-1.00"] + [f"{v:.2f}" for t in trace for v in t.a[0]]
    assert list(_trace(fig, "neurons").text) == expected_a
    assert list(_trace(fig, "details").text) == [f"z={v:.2f}" for t in trace for v in t.z[0]]
    assert list(_trace(fig, "biases").text) == ["b=1.00", "b=0.00", "b=0.00", "b=0.00", "b=-2.00", "b=2.00"]
    # Every link's weight is written on it (4 per layer) and hovers with its value.
    labels = [a.text for a in fig.layout.annotations if a.bgcolor]
    assert sorted(labels) == sorted(f"{w:.2f}" for W, _ in nnlib.presets.LECTURE_WEIGHTS for row in W for w in row)
    assert any("w = -2" in h for h in _trace(fig, "weights").hovertext)


def test_links_are_coloured_by_sign_and_sized_by_weight():
    fig = network_figure([2, 1], [np.array([[0.1, -3.0]])], [np.array([0.0])])
    lines = [t for t in fig.data if t.mode == "lines"]
    assert len(lines) == 2
    pos = next(t for t in lines if "8,119,189" in t.line.color)
    neg = next(t for t in lines if "245,147,34" in t.line.color)
    assert neg.line.width > pos.line.width


def test_highlight_and_wide_layers():
    fig = model_figure(nnlib.presets.lecture_network(), [0.0, 0.0], highlight=(1, 0, None))
    assert any(c == "#d62728" for c in _trace(fig, "neurons").marker.line.color)
    wide = model_figure(nnlib.NetworkSpec(hidden=(30,)).build(seed=0), max_neurons=8)
    assert any("+22 more" in a.text for a in wide.layout.annotations)
    assert len(_trace(wide, "neurons").x) == 2 + 8 + 2


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="weights\\[0\\] must have shape \\(3, 2\\)"):
        network_figure([2, 3], [np.zeros((2, 3))])


def test_columns_carry_the_lectures_layer_names():
    """Input layer (values, not neurons), hidden layers, output layer, as the article names them."""
    fig = network_figure([2, 3, 4, 2], [np.ones((3, 2)), np.ones((4, 3)), np.ones((2, 4))])
    captions = [a.text for a in fig.layout.annotations if a.yanchor == "top"]
    assert captions == ["<b>input layer</b><br>2 inputs", "<b>hidden layer 1</b><br>3 neurons",
                        "<b>hidden layer 2</b><br>4 neurons", "<b>output layer</b><br>2 neurons"]
