"""Step 3's network drawing (ui.views.playground_network) and the pictures in it (lessons.neuron_pictures)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import nnlib
from lessons import features as feats
from lessons import neuron_pictures
from lessons.grid import plane_grid
from ui.views import live_charts as charts
from ui.views import playground_network as pn


def decode_png(uri: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


@pytest.fixture
def model():
    return nnlib.NetworkSpec(n_in=3, hidden=(4, 3), n_out=2, activation="tanh").build(seed=2)


NAMES = ("x1", "x2", "x1_squared")


def test_plane_pictures_are_each_neurons_output_and_each_features_values(model):
    pictures = neuron_pictures.plane_pictures(model, NAMES, resolution=9)
    assert [len(column) for column in pictures] == [3, 4, 3, 2]
    grid = plane_grid(model, resolution=9, inputs=lambda points: feats.transform(points, NAMES))
    np.testing.assert_allclose(pictures[2][1], grid.layers[1][1])
    np.testing.assert_allclose(pictures[0][2], feats.feature_grid(NAMES, resolution=9)[2])
    # The second hidden layer's neuron 1 at the plane's corner (-1, -1), by hand.
    x = np.array([[-1.0, -1.0, 1.0]], dtype=np.float32)
    (W1, b1), (W2, b2) = [layer.get_weights() for layer in model.layers[:2]]
    a2 = np.tanh(W2 @ np.tanh(W1 @ x[0] + b1) + b2)
    assert pictures[2][1][0, 0] == pytest.approx(a2[1], abs=1e-5)


def test_every_neuron_has_its_picture_and_every_weight_its_link(model):
    pictures = neuron_pictures.plane_pictures(model, NAMES, resolution=9)
    chart = pn.network_chart(model, pictures, feats.labels(NAMES))
    neurons, links = chart.datasets["neurons"], chart.datasets["links"]
    assert neurons["name"][:3] == ["x₁", "x₂", "x₁²"] and neurons["name"][3] == "layer 1, neuron 1"
    assert len(neurons["url"]) == 3 + 4 + 3 + 2
    assert len(links["w"]) == 3 * 4 + 4 * 3 + 3 * 2
    W1 = model.layers[0].get_weights()[0]  # (n_out, n_in): link j → k carries W[k, j]
    assert links["name"][1] == "x₁ → layer 1·2" and links["w"][1] == pytest.approx(W1[1, 0])
    assert links["sign"][1] == ("+" if W1[1, 0] >= 0 else "−")
    # The widest link is the layer's largest |w|.
    first = np.array(links["width"][:12])
    assert first.max() == pytest.approx(6.0) and np.argmax(first) == np.argmax(np.abs(W1.T.ravel()))
    # Each picture is on its own scale: its strongest value reaches the end of the colour scale.
    image = decode_png(neurons["url"][4])
    a = pictures[1][1]
    strongest = charts.diverging_rgb(np.array([0.5 + 0.5 * np.sign(a.flat[np.argmax(np.abs(a))])]))[0]
    assert any(np.array_equal(pixel, strongest) for pixel in image.reshape(-1, 3))
    assert neurons["low"][4] == pytest.approx(a.min()) and neurons["high"][4] == pytest.approx(a.max())


def test_coarse_cells_sit_exactly_under_each_picture(model):
    """While the browser decodes a new picture, the cells under it show the same neuron (no blank frame)."""
    chart = pn.network_chart(model, neuron_pictures.plane_pictures(model, NAMES, resolution=12), feats.labels(NAMES))
    neurons, cells = chart.datasets["neurons"], chart.datasets["cells"]
    per = pn.COARSE ** 2
    assert len(cells["v"]) == per * len(neurons["url"])
    for i in range(len(neurons["url"])):
        block = slice(i * per, (i + 1) * per)
        assert np.min(cells["x0"][block]) == pytest.approx(neurons["x0"][i])
        assert np.max(cells["x1"][block]) == pytest.approx(neurons["x1"][i])
        assert np.min(cells["y0"][block]) == pytest.approx(neurons["y0"][i])
        assert np.max(cells["y1"][block]) == pytest.approx(neurons["y1"][i])
    assert np.all(np.abs(cells["v"]) <= 1 + 1e-12)
    layers = chart.spec["layer"]
    assert [layer["data"]["name"] for layer in layers[:3]] == ["links", "cells", "neurons"]


def test_the_spec_depends_only_on_the_networks_shape(model):
    """Training changes the data, not the spec, so the browser swaps data and never rebuilds the chart."""
    before = pn.network_chart(model, neuron_pictures.plane_pictures(model, NAMES), feats.labels(NAMES))
    trained = model.copy()
    for p in trained.params:
        p += 0.1
    after = pn.network_chart(trained, neuron_pictures.plane_pictures(trained, NAMES), feats.labels(NAMES))
    assert before.spec == after.spec and before.datasets["links"]["w"] != after.datasets["links"]["w"]


def test_a_layer_wider_than_eight_says_how_many_more():
    wide = nnlib.NetworkSpec(n_in=2, hidden=(12, 3), n_out=2).build(seed=0)
    chart = pn.network_chart(wide, neuron_pictures.plane_pictures(wide, ("x1", "x2"), resolution=6), ["x₁", "x₂"])
    assert len(chart.datasets["neurons"]["url"]) == 2 + 8 + 3 + 2
    assert chart.datasets["more"]["text"] == ["+ 4 more"] and chart.datasets["more"]["x"] == [1.0]
    assert chart.datasets["heads"]["text"] == ["inputs", "layer 1 (12)", "layer 2 (3)", "output"]


def test_digit_pictures_are_first_layer_weights_then_class_means():
    model = nnlib.NetworkSpec(n_in=256, hidden=(5, 3), n_out=10).build(seed=1)
    rng = np.random.default_rng(0)
    X = rng.random((40, 256)).astype(np.float32)
    y = np.arange(40) % 10
    pictures = neuron_pictures.digit_pictures(model, X, y)
    assert pictures[0] == [] and [len(c) for c in pictures[1:]] == [5, 3, 10]
    W1 = model.layers[0].get_weights()[0]
    np.testing.assert_array_equal(pictures[1][2], W1[2].reshape(16, 16)[::-1])  # upright when drawn
    a2 = model.trace(X)[1].a
    means = np.array([a2[y == k].mean(axis=0) for k in range(10)])  # (10 classes, 3 neurons)
    np.testing.assert_allclose(pictures[2][1], neuron_pictures.class_grid(means[:, 1]), rtol=1e-5)
    assert neuron_pictures.class_grid(np.arange(10))[1].tolist() == [0, 1, 2, 3, 4]  # 0–4 on top when drawn
    chart = pn.network_chart(model, pictures, [f"pixel {i}" for i in range(256)])
    assert chart.datasets["heads"]["text"][0] == "inputs (256)"
    assert len(chart.datasets["links"]["w"]) == 5 * 3 + 3 * 8  # no links from the undrawn pixels
