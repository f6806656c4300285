"""Step 3's live charts (ui.live_charts): the colours, the pictures and the data they carry."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image

import nnlib
from lessons.grid import plane_grid
from services import training as tr
from ui.views import live_charts as charts

ORANGE, GREY, BLUE = (0xF5, 0x93, 0x22), (0xE8, 0xEA, 0xEB), (0x08, 0x77, 0xBD)


def decode_png(uri: str) -> np.ndarray:
    assert uri.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


@pytest.fixture(scope="module")
def run() -> tr.TrainingRun:
    settings = tr.RunSettings("circle", 0.1, 0, (4, 3), "tanh", "adam", 0.03, 16, 20)
    run = tr.TrainingRun(settings, tr.load_data("circle", 0.1, 0))
    for _ in range(5):
        run.step_once()
    return run


def test_the_colour_scale_runs_orange_grey_blue():
    rgb = charts.diverging_rgb(np.array([[0.0, 0.25, 0.5, 1.0, np.nan, 7.0]]))
    assert rgb.shape == (1, 6, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == ORANGE and tuple(rgb[0, 2]) == GREY and tuple(rgb[0, 3]) == BLUE
    assert tuple(rgb[0, 1]) == tuple(round((a + b) / 2) for a, b in zip(ORANGE, GREY))  # halfway to grey
    assert tuple(rgb[0, 4]) == GREY  # no value: neutral
    assert tuple(rgb[0, 5]) == BLUE  # beyond the scale: clipped


def test_a_picture_survives_the_trip_through_png():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_png(charts.png_data_uri(rgb)), rgb)


def test_the_boundary_picture_is_the_networks_probability_with_x2_upwards(run):
    grid, probe = plane_grid(run.model, resolution=30), plane_grid(run.model, resolution=10)
    chart = charts.boundary_chart(grid, probe, run.data.X, run.data.y)
    picture = decode_png(chart.datasets["picture"]["url"][0])
    assert picture.shape == (30, 30, 3)
    p = grid.class_probability(1)  # row 0 is the lowest x2
    np.testing.assert_array_equal(picture[0], charts.diverging_rgb(p[-1]))  # the image's top row: highest x2
    np.testing.assert_array_equal(picture[-1], charts.diverging_rgb(p[0]))
    # The picture covers the plane; each pixel is centred on its grid point.
    half = (grid.xs[-1] - grid.xs[0]) / 58
    assert chart.datasets["picture"]["left"][0] == pytest.approx(grid.xs[0] - half)
    assert chart.datasets["picture"]["top"][0] == pytest.approx(grid.xs[-1] + half)
    # Hover values are the network's own, at the probe's points.
    probe_rows = chart.datasets["probe"]
    x = np.stack([probe_rows["x1"], probe_rows["x2"]], axis=1).astype(np.float32)
    expected = run.model.predict(x)[:, 1]
    np.testing.assert_allclose(probe_rows["value"], expected, atol=1e-5)
    # Its cells tile the plane.
    np.testing.assert_allclose(probe_rows["x_hi"] - probe_rows["x_lo"], probe.xs[1] - probe.xs[0])
    # The data points and their classes.
    np.testing.assert_allclose(chart.datasets["points"]["x1"], run.data.X[:, 0])
    assert chart.datasets["points"]["class"][:3] == [f"class {k}" for k in run.data.y[:3]]
    layers = chart.spec["layer"]
    assert layers[0]["encoding"]["x"]["title"] == "x1" and layers[0]["encoding"]["y"]["title"] == "x2"
    assert layers[1]["encoding"]["color"]["title"] == "P(class 1)"


def test_the_spec_stays_the_same_while_training_runs(run):
    """The browser keeps the chart and swaps its data only while the spec is unchanged."""
    before = (charts.boundary_chart(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
              charts.neuron_pictures_chart(plane_grid(run.model, 12)), charts.curves_chart(run.history))
    run.step_once()
    run.step_once()
    after = (charts.boundary_chart(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
             charts.neuron_pictures_chart(plane_grid(run.model, 12)), charts.curves_chart(run.history))
    for a, b in zip(before, after):
        assert a.spec == b.spec
    assert before[0].datasets["picture"]["url"] != after[0].datasets["picture"]["url"]


def test_the_curves_carry_every_report(run):
    chart = charts.curves_chart(run.history)
    rows = chart.datasets["history"]
    n = len(run.history)
    assert len(rows["epoch"]) == len(rows["value"]) == len(rows["set"]) == 4 * n
    panel, which = np.array(rows["panel"]), np.array(rows["set"])
    np.testing.assert_allclose(rows["value"][(panel == "loss") & (which == "train")], [p.loss for p in run.history])
    np.testing.assert_allclose(rows["value"][(panel == "accuracy") & (which == "test")],
                               [100 * p.test_accuracy for p in run.history])
    loss, accuracy = chart.spec["vconcat"]
    assert loss["encoding"]["y"]["title"] == "mean cross-entropy L/N"
    assert accuracy["encoding"]["y"]["title"] == "accuracy (%)" and accuracy["encoding"]["x"]["title"] == "epoch"
    assert loss["mark"]["point"] is False  # more than two reports: lines
    assert charts.curves_chart(run.history[:1]).spec["vconcat"][0]["mark"]["point"] is True


def test_neuron_pictures_show_each_neuron_on_its_own_scale(run):
    grid = plane_grid(run.model, resolution=12)
    chart = charts.neuron_pictures_chart(grid)
    pictures = chart.datasets["pictures"]
    assert chart.datasets["titles"]["text"] == ["layer 1", "layer 2", "output"]
    assert chart.datasets["side_titles"]["text"] == ["neuron 1", "neuron 2", "neuron 3", "neuron 4"]
    assert len(pictures["url"]) == 4 + 3 + 2
    assert pictures["name"][4] == "layer 2, neuron 1"
    a = grid.layers[1][0]
    assert pictures["low"][4] == pytest.approx(float(a.min())) and pictures["high"][4] == pytest.approx(float(a.max()))
    # The strongest value of each picture reaches the end of the scale (blue or orange).
    image = decode_png(pictures["url"][4])
    strongest = charts.diverging_rgb(np.array([0.5 + 0.5 * np.sign(a.flat[np.argmax(np.abs(a))])]))[0]
    assert any(np.array_equal(pixel, strongest) for pixel in image.reshape(-1, 3))
    # Tiles sit side by side without overlapping, within the chart.
    x0, x1 = np.array(pictures["x0"]), np.array(pictures["x1"])
    assert np.all(x1 - x0 > 20) and x1.max() <= chart.spec["width"]


def test_wide_networks_shrink_their_pictures_to_fit_a_phone():
    spec = nnlib.NetworkSpec(n_in=2, hidden=(3,) * 8, n_out=2, activation="relu")
    chart = charts.neuron_pictures_chart(plane_grid(spec.build(seed=0), resolution=8))
    assert chart.spec["width"] <= 380 + 8
    assert len(chart.datasets["titles"]["text"]) == 9


def test_first_layer_weights_are_drawn_pixel_for_pixel():
    model = nnlib.NetworkSpec(n_in=16, hidden=(3,), n_out=2, activation="relu").build(seed=1)
    chart = charts.first_layer_chart(model)
    W = model.layers[0].get_weights()[0]
    assert chart.datasets["titles"]["text"] == ["neuron 1", "neuron 2", "neuron 3"]
    image = decode_png(chart.datasets["pictures"]["url"][2])
    m = np.abs(W[2]).max()
    np.testing.assert_array_equal(image, charts.diverging_rgb(0.5 + 0.5 * W[2].reshape(4, 4) / m))
    assert chart.spec["layer"][0]["mark"]["smooth"] is False


def test_large_networks_get_a_coarser_plane_so_they_still_redraw_quickly():
    assert charts.plane_resolution(42) == 50  # the default network: the finest grid
    assert charts.plane_resolution(265_218) == 27  # two layers of 512
    assert charts.plane_resolution(2_000_000) == 20  # the largest network the server allows
    sizes = [charts.plane_resolution(n) for n in (10, 10_000, 100_000, 1_000_000, 10_000_000)]
    assert sizes == sorted(sizes, reverse=True)
    # The forward pass over the grid stays bounded: points × parameters.
    assert max(charts.plane_resolution(n) ** 2 * n for n in (80_000, 265_218, 500_000)) <= 2e8


def test_a_layer_wider_than_the_grid_says_only_its_first_neurons_are_shown():
    wide = nnlib.NetworkSpec(n_in=2, hidden=(12,), n_out=2, activation="relu").build(seed=0)
    chart = charts.neuron_pictures_chart(plane_grid(wide, resolution=8))
    assert chart.spec["title"]["text"] == "The first 8 neurons of each layer"
    assert len(chart.datasets["pictures"]["url"]) == 8 + 2
    narrow = nnlib.NetworkSpec(n_in=2, hidden=(4,), n_out=2, activation="relu").build(seed=0)
    assert "title" not in charts.neuron_pictures_chart(plane_grid(narrow, resolution=8)).spec
