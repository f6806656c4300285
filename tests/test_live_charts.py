"""Step 3's live charts (ui.live_charts): the colours, the pictures and the data they carry."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

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


def decode_rgb(picture: dict) -> np.ndarray:
    """A picture as the playground's canvases paint it (charts.rgb_bytes' dict): (h, w, 3) bytes, row 0 at the top."""
    return np.frombuffer(base64.b64decode(picture["rgb"]), dtype=np.uint8).reshape(picture["h"], picture["w"], 3)


def shade(picture: dict) -> np.ndarray:
    """The plane's picture."""
    return decode_rgb(picture["shade"])


def test_a_picture_survives_the_trip_through_rgb_bytes():
    rgb = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_rgb(charts.rgb_bytes(rgb)), rgb)


def test_the_plane_picture_is_the_networks_probability_with_x2_upwards(run):
    grid, probe = plane_grid(run.model, resolution=30), plane_grid(run.model, resolution=10)
    plane = charts.plane_picture(grid, probe, run.data.X, run.data.y)
    json.dumps(plane)  # plain JSON: the component's data
    picture = shade(plane)
    assert picture.shape == (30, 30, 3)
    p = grid.class_probability(1)  # row 0 is the lowest x2
    faded = charts.diverging_rgb(p) * 0.85 + 0.15 * 255  # as an opacity of 0.85 over white shows it
    np.testing.assert_allclose(picture[0], faded[-1], atol=0.51)  # the image's top row: highest x2
    np.testing.assert_allclose(picture[-1], faded[0], atol=0.51)
    # The picture covers the plane; each pixel is centred on its grid point.
    half = (grid.xs[-1] - grid.xs[0]) / 58
    assert plane["lo"] == pytest.approx(grid.xs[0] - half) and plane["hi"] == pytest.approx(grid.xs[-1] + half)
    # Hover values are the network's own, at the probe's points (rows: x2 from the lowest).
    xs, ys, values = (np.array(plane["probe"][k]) for k in ("xs", "ys", "values"))
    assert values.shape == (10, 10)
    gx, gy = np.meshgrid(xs, ys)
    expected = run.model.predict(np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32))[:, 1]
    np.testing.assert_allclose(values.ravel(), expected, atol=2e-4)  # sent with 4 decimals
    # The data points, their classes and colours; all training points (circles).
    points = plane["points"]
    np.testing.assert_allclose(points["x1"], run.data.X[:, 0], atol=1e-4)
    assert points["value"] == run.data.y.tolist() and "fill" not in points
    assert plane["class_colors"] == ["#f59322", "#0877bd"]  # class 0 orange, class 1 blue
    assert set(points["test"]) == {0}
    texts = plane["texts"]
    assert texts["value"] == "P(class 1)" and texts["classes"] == ["class 0", "class 1"]
    assert texts["sets"] == ["training", "test"] and plane["tick_labels"][0] == "−1.0"


def test_test_points_are_added_as_diamonds_and_regression_colours_by_target(run):
    grid, probe = plane_grid(run.model, resolution=8), plane_grid(run.model, resolution=4)
    X_test, y_test = run.data.X_test[:5], run.data.y_test[:5]
    plane = charts.plane_picture(grid, probe, run.data.X[:3], run.data.y[:3], X_test=X_test, y_test=y_test)
    assert plane["points"]["test"] == [0, 0, 0, 1, 1, 1, 1, 1]
    assert plane["points"]["value"][3:] == y_test.tolist()
    targets = np.array([-1.0, 0.0, 1.0])
    reg = charts.plane_picture(grid, probe, run.data.X[:3], targets, regression=True)
    assert reg["points"]["fill"] == ["#f59322", "#e8eaeb", "#0877bd"]  # orange −1, grey 0, blue +1
    assert reg["points"]["value"] == [-1.0, 0.0, 1.0]
    assert reg["texts"]["value"] == "output ŷ" and reg["texts"]["target"] == "target"
    np.testing.assert_allclose(reg["probe"]["values"], np.round(probe.output[0], 4))


def test_discretize_shows_the_decided_class(run):
    grid, probe = plane_grid(run.model, resolution=12), plane_grid(run.model, resolution=6)
    picture = shade(charts.plane_picture(grid, probe, run.data.X, run.data.y, discretize=True))
    decided = (grid.class_probability(1) >= 0.5)[::-1]
    colours = {tuple(c) for c in picture.reshape(-1, 3)}
    assert len(colours) <= 2  # only the two class colours
    np.testing.assert_array_equal(picture[decided][:1], picture[decided][-1:])


def test_training_changes_the_pictures_and_not_the_curves_spec(run):
    """The browser keeps the curves chart and swaps its data while the spec is unchanged; the plane's
    picture changes and its layout does not."""
    before = (charts.plane_picture(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
              charts.curves_chart(run.history))
    run.step_once()
    run.step_once()
    after = (charts.plane_picture(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
             charts.curves_chart(run.history))
    assert before[1].spec == after[1].spec
    assert before[0]["shade"]["rgb"] != after[0]["shade"]["rgb"]
    for same in ("lo", "hi", "size", "ticks", "points"):
        assert before[0][same] == after[0][same]


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
    curve = loss["layer"][0]  # the loss panel also has a layer for the point that blew up
    assert curve["encoding"]["y"]["title"] == "mean cross-entropy L/N"
    assert accuracy["encoding"]["y"]["title"] == "accuracy (%)" and accuracy["encoding"]["x"]["title"] == "epoch"
    assert curve["mark"]["point"] is False  # more than two reports: lines
    assert charts.curves_chart(run.history[:1]).spec["vconcat"][0]["layer"][0]["mark"]["point"] is True
    assert chart.datasets["blowup"] == {"epoch": [], "value": [], "label": []}


def test_the_loss_curve_shows_the_step_that_blew_up():
    """Issue 12: the loss curve shows the blow-up; its real value is in the label, the point stays on the chart."""
    settings = tr.RunSettings("circle", 0.1, 0, (4, 4), "relu", "gd", 100.0, 16, 50)
    run = tr.TrainingRun(settings, tr.load_data("circle", 0.1, 0))
    run.running = True
    for _ in range(20):
        run.run_slice(0.05)
        if run.error:
            break
    assert run.error and run.blowup is not None and not run.running
    assert run.blowup.step > run.progress.step  # it blew up after the last good report
    assert f"at step {run.blowup.step:,}:" in run.error and f"at step {run.blowup.step:,}" in run.state
    crash = charts.curves_chart(run.history, compact=True, blowup=run.blowup).datasets["blowup"]
    assert crash["epoch"] == [run.blowup.epoch]
    ceiling = 3 * max(p.loss for p in run.history)
    assert crash["value"][0] == min(run.blowup.loss, ceiling) if np.isfinite(run.blowup.loss) else ceiling
    assert crash["label"][0].startswith(f"blew up at step {run.blowup.step:,}: L/N = ")


def test_large_networks_get_a_coarser_plane_so_they_still_redraw_quickly():
    assert charts.plane_resolution(42) == 50  # the default network: the finest grid
    assert charts.plane_resolution(265_218) == 27  # two layers of 512
    assert charts.plane_resolution(2_000_000) == 20  # the largest network the server allows
    sizes = [charts.plane_resolution(n) for n in (10, 10_000, 100_000, 1_000_000, 10_000_000)]
    assert sizes == sorted(sizes, reverse=True)
    # The forward pass over the grid stays bounded: points × parameters.
    assert max(charts.plane_resolution(n) ** 2 * n for n in (80_000, 265_218, 500_000)) <= 2e8




def test_the_datasets_go_to_streamlit_as_arrow_tables_with_the_same_values(run):
    """Streamlit sends an Arrow table as it is (a dict of columns would go through pandas first)."""
    import pyarrow as pa
    from streamlit import dataframe_util

    chart = charts.curves_chart(run.history)
    spec = chart.to_vega_lite()
    assert set(spec["datasets"]) == set(chart.datasets)
    for name, table in spec["datasets"].items():
        assert isinstance(table, pa.Table)
        assert table.column_names == list(chart.datasets[name])
        for column, values in chart.datasets[name].items():
            np.testing.assert_array_equal(table[column].to_numpy(zero_copy_only=False), np.asarray(values))
        # and Streamlit takes it as Arrow bytes that read back to the same table
        assert pa.ipc.open_stream(dataframe_util.convert_anything_to_arrow_bytes(table)).read_all().equals(table)
