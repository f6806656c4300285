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


@pytest.fixture
def chinese():
    """The test runs as a Chinese session's run does."""
    import i18n

    with i18n.using("zh"):
        yield


def test_the_drawings_speak_the_sessions_language(chinese):
    """In a Chinese session the layer names, hover texts and legends are Chinese; the numbers are the same."""
    from i18n_texts import english_leftovers

    from lessons import landscape
    from lessons.grid import plane_grid
    from ui.views import figures

    fig = network_figure([2, 3, 12, 2], [np.ones((3, 2)), np.ones((12, 3)), np.ones((2, 12))], max_neurons=8)
    notes = [a.text for a in fig.layout.annotations if not a.bgcolor]  # not the weights on the links
    layers = [n for n in notes if n.startswith("<b>")]
    assert layers[:2] == ["<b>输入层</b><br>2 个输入", "<b>隐藏层 1</b><br>3 个神经元"]
    assert "另有 4 个" in notes
    assert "第 1 层，神经元 1" in _trace(fig, "neurons").hovertext[2]
    model = nnlib.NetworkSpec(hidden=(3,)).build(seed=0)
    tiles = figures.neuron_tiles_figure(plane_grid(model, resolution=8))
    assert [a.text for a in tiles.layout.annotations] == ["第 1 层", "输出层"]
    assert tiles.data[0].hovertemplate.startswith("第 %{customdata[1]} 层（第 2 层为输出层），神经元 %{customdata[2]}")
    grid = plane_grid(model, resolution=8)
    points = figures.loss_points_figure(np.zeros((4, 2)), np.array([0, 1, 0, 1]), np.arange(4.0), top=[3], grid=grid)
    assert [t.name for t in points.data] == ["P(类别 1)", "类别 0", "类别 1", "最大的 Cⁿ"]
    X, y = nnlib.datasets.toy("circle", n=20, seed=0)[0]
    refs = landscape.parameter_refs(model)
    land = figures.landscape_figure(landscape.loss_landscape(model, X, y, refs[0], refs[1], resolution=5), "p", "q")
    assert land.data[1].name == "当前 θ" and land.layout.annotations[0].text.startswith("当前 θ，L = ")
    shown = [t.hovertemplate or "" for f in (tiles, points, land) for t in f.data] + [t.name or "" for t in points.data]
    assert not english_leftovers(shown + notes)
