"""Step 3's live charts (ui.live_charts): the colours, the pictures and the data they carry."""

from __future__ import annotations

import base64
import io

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


def test_the_boundary_picture_is_the_networks_probability_with_x2_upwards(run):
    grid, probe = plane_grid(run.model, resolution=30), plane_grid(run.model, resolution=10)
    chart = charts.boundary_chart(grid, probe, run.data.X, run.data.y)
    picture = decode_png(chart.datasets["picture"]["url"][0])
    assert picture.shape == (30, 30, 3)
    p = grid.class_probability(1)  # row 0 is the lowest x2
    faded = charts.diverging_rgb(p) * 0.85 + 0.15 * 255  # as an opacity of 0.85 over white shows it
    np.testing.assert_allclose(picture[0], faded[-1], atol=0.51)  # the image's top row: highest x2
    np.testing.assert_allclose(picture[-1], faded[0], atol=0.51)
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
    # Under the picture, the probe's cells show the same values (while a new picture is decoded).
    np.testing.assert_allclose(probe_rows["shade"], probe_rows["value"])
    layers = chart.spec["layer"]
    assert [layer["data"]["name"] for layer in layers] == ["probe", "picture", "probe", "points"]
    assert layers[1]["encoding"]["x"]["title"] == "x1" and layers[1]["encoding"]["y"]["title"] == "x2"
    assert layers[2]["encoding"]["color"]["title"] == "P(class 1)"


def test_discretize_shows_the_decided_class(run):
    grid, probe = plane_grid(run.model, resolution=12), plane_grid(run.model, resolution=6)
    chart = charts.boundary_chart(grid, probe, run.data.X, run.data.y, discretize=True)
    picture = decode_png(chart.datasets["picture"]["url"][0])
    decided = (grid.class_probability(1) >= 0.5)[::-1]
    colours = {tuple(c) for c in picture.reshape(-1, 3)}
    assert len(colours) <= 2  # only the two class colours
    np.testing.assert_array_equal(picture[decided][:1], picture[decided][-1:])
    np.testing.assert_array_equal(chart.datasets["probe"]["shade"], (probe.class_probability(1) >= 0.5).ravel())


def test_the_spec_stays_the_same_while_training_runs(run):
    """The browser keeps the chart and swaps its data only while the spec is unchanged."""
    before = (charts.boundary_chart(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
              charts.curves_chart(run.history))
    run.step_once()
    run.step_once()
    after = (charts.boundary_chart(plane_grid(run.model, 20), plane_grid(run.model, 8), run.data.X, run.data.y),
             charts.curves_chart(run.history))
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
