"""Step 3's network drawing (ui.views.playground_network) and the pictures in it (lessons.neuron_pictures)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import nnlib
from lessons import features as feats
from lessons import neuron_pictures
from lessons.grid import plane_grid
from tests.test_live_charts import decode_rgb
from ui.views import live_charts as charts
from ui.views import playground_network as pn


def tile(neurons: dict, i: int) -> np.ndarray:
    """Neuron i's picture as the canvas paints it: (h, w, 3) bytes, row 0 at the top."""
    return decode_rgb({field: neurons[field][i] for field in ("rgb", "w", "h")})


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
    picture = pn.network_picture(model, pictures, feats.labels(NAMES))
    json.dumps(picture)  # plain JSON: the component's data
    neurons, links = picture["neurons"], picture["links"]
    assert neurons["name"][:3] == ["x₁", "x₂", "x₁²"] and neurons["name"][3] == "layer 1, neuron 1"
    assert len(neurons["rgb"]) == 3 + 4 + 3 + 2 and neurons["c"] == [0] * 3 + [1] * 4 + [2] * 3 + [3] * 2
    assert neurons["row"][3:7] == [1.5, 0.5, -0.5, -1.5]  # centred on the middle, the first on top
    assert len(links["w"]) == 3 * 4 + 4 * 3 + 3 * 2
    W1 = model.layers[0].get_weights()[0]  # (n_out, n_in): link j → k carries W[k, j]
    assert links["name"][1] == "x₁ → layer 1·2" and links["w"][1] == pytest.approx(W1[1, 0])
    assert (links["c"][1], links["j"][1], links["k"][1]) == (0, 0, 1)
    assert (links["y1"][1], links["y2"][1]) == (1.0, 0.5)  # input 1 of 3 → neuron 2 of 4
    W2 = model.layers[1].get_weights()[0]
    last = 12 + 11  # layer 1 · 4 → layer 2 · 3
    assert (links["c"][last], links["j"][last], links["k"][last]) == (1, 3, 2)
    assert links["w"][last] == pytest.approx(W2[2, 3])
    # The widest link is the layer's largest |w|, the narrowest its smallest.
    first = np.array(links["width"][:12])
    assert first.max() == pytest.approx(pn.LINK_WIDTH[1]) and np.argmax(first) == np.argmax(np.abs(W1.T.ravel()))
    # Each picture is on its own scale: its strongest value reaches the end of the colour scale.
    image = tile(neurons, 4)
    a = pictures[1][1]
    assert image.shape == (9, 9, 3)
    strongest = charts.diverging_rgb(np.array([0.5 + 0.5 * np.sign(a.flat[np.argmax(np.abs(a))])]))[0]
    assert any(np.array_equal(pixel, strongest) for pixel in image.reshape(-1, 3))
    # Row 0 of a picture is the plane's lowest x₂: painted at the bottom.
    np.testing.assert_array_equal(image[-1], pn.tile_rgb(a)[-1])
    np.testing.assert_array_equal(image, charts.diverging_rgb(0.5 + 0.5 * a[::-1] / np.abs(a).max()))
    assert neurons["low"][4] == pytest.approx(a.min()) and neurons["high"][4] == pytest.approx(a.max())


def test_training_changes_the_pictures_and_links_not_the_layout(model):
    """The canvas repaints the same layout with new weights and pictures."""
    before = pn.network_picture(model, neuron_pictures.plane_pictures(model, NAMES), feats.labels(NAMES))
    trained = model.copy()
    for p in trained.params:
        p += 0.1
    after = pn.network_picture(trained, neuron_pictures.plane_pictures(trained, NAMES), feats.labels(NAMES))
    for same in ("columns", "rows", "heads", "more"):
        assert before[same] == after[same]
    assert before["neurons"]["row"] == after["neurons"]["row"] and before["links"]["y2"] == after["links"]["y2"]
    assert before["links"]["w"] != after["links"]["w"] and before["neurons"]["rgb"] != after["neurons"]["rgb"]


def test_a_layer_wider_than_eight_says_how_many_more():
    wide = nnlib.NetworkSpec(n_in=2, hidden=(12, 3), n_out=2).build(seed=0)
    picture = pn.network_picture(wide, neuron_pictures.plane_pictures(wide, ("x1", "x2"), resolution=6),
                                 ["x₁", "x₂"])
    assert len(picture["neurons"]["rgb"]) == 2 + 8 + 3 + 2 and picture["rows"] == 8
    assert picture["more"] == ["", "+ 4 more", "", ""]
    assert picture["heads"] == ["inputs", "layer 1 (12)", "layer 2 (3)", "output"]
    assert len(picture["links"]["w"]) == 2 * 8 + 8 * 3 + 3 * 2  # links of the neurons drawn


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
    picture = pn.network_picture(model, pictures, [f"pixel {i}" for i in range(256)])
    assert picture["heads"][0] == "inputs (256)" and picture["more"] == ["", "", "", "+ 2 more"]
    assert len(picture["links"]["w"]) == 5 * 3 + 3 * 8  # no links from the undrawn pixels
    assert picture["links"]["c"][0] == 1  # the first drawn links leave layer 1
    assert tile(picture["neurons"], 0).shape == (16, 16, 3) and tile(picture["neurons"], 5).shape == (2, 5, 3)
