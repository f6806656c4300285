"""Inside the digit network (issue 12): the numbers of lessons.digit_insides, the Vega-Lite specs of
ui.views.digit_insides_view, and ui.sections.digits_insides headless (AppTest.from_function)."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image
from streamlit.testing.v1 import AppTest

import nnlib
from lessons.digit_insides import TOP_K, insides, most_active, square_side, strip_shape
from nnlib.digits import default_model, preprocess
from tests.drawn_digits import draw_digit
from ui.views import digit_insides_view as view


def small_model(activations=("tanh", "relu", "sigmoid"), n_in=16, widths=(6, 5, 3), seed=3):
    """A random network 16 (a 4×4 picture) → 6 → 5 → 3 → 4 in float64, one activation per hidden layer."""
    sizes = [n_in, *widths]
    layers = [nnlib.Dense(a, b, act, dtype="float64", seed=seed + i)
              for i, (a, b, act) in enumerate(zip(sizes, sizes[1:], activations))]
    layers.append(nnlib.Dense(sizes[-1], 4, "softmax", dtype="float64", seed=seed + 9))
    model = nnlib.Sequential(layers)
    rng = np.random.default_rng(seed)  # biases too, so a forgotten b would show
    model.set_weights([w if w.ndim == 2 else rng.normal(0, 0.5, w.shape) for w in model.get_weights()])
    return model


ACTIVATION = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z))}


@pytest.fixture(scope="module")
def digit_model():
    return default_model()


@pytest.fixture(scope="module")
def three(digit_model):
    return preprocess(draw_digit(3, seed=21, slant=0.05, rotation=0, height=0.75, pen=22))


# --- the numbers ------------------------------------------------------------------------------------
def test_every_hidden_layer_matches_a_forward_pass_by_hand():
    model = small_model()
    x = np.random.default_rng(0).uniform(0, 1, 16)
    inside = insides(model, x, k=4)
    weights = model.get_weights()
    a = x
    for layer, name, W, b in zip(inside.hidden, ("tanh", "relu", "sigmoid"), weights[0::2], weights[1::2]):
        z = W @ a + b  # nnlib keeps W as (n_out, n_in): z_j = w_j · x + b_j
        a = ACTIVATION[name](z)
        assert layer.activation == name
        np.testing.assert_allclose(layer.z, z, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.a, a, rtol=1e-12, atol=1e-12)
        assert layer.n_lit == int(np.sum(z > 0))
    assert [layer.number for layer in inside.hidden] == [1, 2, 3]  # the output layer is not a hidden one
    logits = weights[6] @ a + weights[7]
    np.testing.assert_allclose(inside.output, np.exp(logits) / np.exp(logits).sum(), rtol=1e-12)


def test_top_neurons_by_hand_order_ties_and_why_each_fired():
    # 2×2 input, five ReLU neurons with hand-set weights: z = [2, -1, 3, 3, 1].
    model = nnlib.Sequential([nnlib.Dense(4, 5, "relu", dtype="float64", seed=0),
                              nnlib.Dense(5, 2, "softmax", dtype="float64", seed=0)])
    W = np.array([[1, 0, 0, 0], [0, -1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, -2]], dtype=float)
    b = np.array([1.0, 0.0, 0.0, 0.0, 3.0])
    model.set_weights([W, b, *model.get_weights()[2:]])
    x = np.array([1.0, 1.0, 3.0, 1.0])
    inside = insides(model, x, k=3)
    np.testing.assert_array_equal(inside.hidden[0].z, [2, -1, 2, 3, 1])
    # a = [2, 0, 2, 3, 1]: neuron 3 first, then the tie between 0 and 2 in index order
    assert [(n.index, n.rank, n.a) for n in inside.top] == [(3, 1, 3.0), (0, 2, 2.0), (2, 3, 2.0)]
    n = inside.top[0]
    np.testing.assert_array_equal(n.weights, [[0, 0], [1, 0]])         # w_3 as a 2×2 picture, row by row
    np.testing.assert_array_equal(n.evidence, [[0, 0], [3, 0]])        # w_3 ⊙ x
    assert (n.excitation, n.inhibition, n.bias, n.z) == (3.0, 0.0, 0.0, 3.0)
    worst = insides(model, x, k=5).top[-1]                              # the silent neuron comes last
    assert (worst.index, worst.a, worst.z, worst.inhibition) == (1, 0.0, -1.0, -1.0)
    assert len(insides(model, x, k=50).top) == 5                        # k is capped at the layer's width


def test_most_active_and_strip_shape():
    assert list(most_active([0.5, 2.0, 2.0, -1.0], 3)) == [1, 2, 0]
    assert list(most_active([1.0], 0)) == []
    assert strip_shape(512) == (16, 32)   # the default model's hidden layer: a full 16 × 32 grid
    assert strip_shape(64) == (2, 32)
    assert strip_shape(33) == (2, 32)     # the last row holds one neuron
    assert strip_shape(10) == (1, 10)     # a narrow layer is one row
    assert square_side(256) == 16
    with pytest.raises(ValueError, match="at least one neuron"):
        strip_shape(0)
    with pytest.raises(ValueError, match="square input. Received 10 inputs"):
        square_side(10)


def test_the_default_model_on_a_drawn_three(digit_model, three):
    inside = insides(digit_model, three)
    (layer,) = inside.hidden
    assert (layer.n, layer.activation) == (512, "relu")
    # ReLU: lit (z > 0) is exactly a > 0; about half of the 512 neurons fire for a digit
    assert layer.n_lit == int(np.sum(layer.a > 0))
    assert 100 < layer.n_lit < 450
    assert len(inside.top) == TOP_K
    a_top = [n.a for n in inside.top]
    assert a_top == sorted(a_top, reverse=True) and a_top[0] == pytest.approx(layer.a.max())
    W, b = (w.astype(np.float64) for w in digit_model.layers[0].get_weights())
    for n in inside.top:
        np.testing.assert_array_equal(n.weights, W[n.index].reshape(16, 16))
        z = W[n.index] @ three.astype(np.float64) + b[n.index]
        assert n.z == pytest.approx(z, abs=1e-5)                       # float32 forward vs float64 by hand
        assert n.excitation + n.inhibition + n.bias == pytest.approx(z, abs=1e-9)
        assert n.excitation > 0 >= n.inhibition
        assert np.all(n.evidence.ravel()[three == 0] == 0)             # pixels without ink add nothing
    np.testing.assert_allclose(inside.output.sum(), 1.0, rtol=1e-6)


def test_no_hidden_layer_and_a_non_square_input():
    flat = nnlib.NetworkSpec(n_in=256, hidden=(), n_out=10).build(seed=0)
    inside = insides(flat, np.zeros(256))
    assert inside.hidden == [] and inside.top == [] and inside.output.shape == (10,)
    with pytest.raises(ValueError, match="square input"):
        insides(nnlib.NetworkSpec(n_in=10, hidden=(4,), n_out=2).build(seed=0), np.zeros(10))
    with pytest.raises(ValueError, match="shape"):
        insides(flat, np.zeros(255))


# --- the specs ---------------------------------------------------------------------------------------
def valid_vega_lite(chart) -> dict:
    """The spec with its datasets, checked against Vega-Lite's JSON schema (altair's copy)."""
    import altair as alt

    spec = chart.to_vega_lite()
    tables = spec["datasets"]  # Arrow tables, as Streamlit gets them
    records = {name: table.to_pylist() for name, table in tables.items()}
    plain = {k: v for k, v in spec.items() if k != "usermeta"}
    alt.LayerChart.from_dict({**plain, "datasets": records})  # raises on anything the schema refuses
    columns = {name: {c: table[c].to_numpy() for c in table.column_names} for name, table in tables.items()}
    return {**spec, "datasets": columns}


def test_strip_spec_512_neurons(digit_model, three):
    inside = insides(digit_model, three)
    marked = [n.index for n in inside.top]
    chart = view.layer_strip_chart(inside.hidden[0], marked)
    spec = valid_vega_lite(chart)
    data = chart.datasets["neurons"]
    assert len(data["neuron"]) == 512 and list(data["neuron"][:3]) == [1, 2, 3]   # shown from 1
    assert (data["row"].max(), data["column"].max()) == (15, 31)
    assert data["row"][40] == 1 and data["column"][40] == 8
    np.testing.assert_array_equal(data["a"], inside.hidden[0].a)
    assert [int(np.flatnonzero(data["rank"] == r)[0]) for r in range(1, TOP_K + 1)] == marked
    assert spec["title"]["text"] == f"Hidden layer 1: {inside.hidden[0].n_lit} of 512 relu neurons lit"
    # 32 cells of 11 px: the strip fits a 420 px phone; ReLU never goes below 0: grey → blue
    assert spec["width"] == {"step": view.CELL_PX} and 32 * view.CELL_PX <= 370
    color = spec["layer"][0]["encoding"]["color"]["scale"]
    assert color["domain"] == [0, pytest.approx(inside.hidden[0].a.max())] and color["type"] == "sqrt"
    tips = [t["field"] for t in spec["layer"][0]["encoding"]["tooltip"]]
    assert tips == ["neuron", "a", "z"]


def test_strip_of_a_tanh_layer_is_diverging():
    inside = insides(small_model(), np.random.default_rng(1).uniform(0, 1, 16), k=2)
    spec = valid_vega_lite(view.layer_strip_chart(inside.hidden[0]))
    scale = spec["layer"][0]["encoding"]["color"]["scale"]
    m = np.abs(inside.hidden[0].a).max()
    assert scale["domain"] == [pytest.approx(-m), 0, pytest.approx(m)] and len(scale["range"]) == 3
    assert np.all(spec["datasets"]["neurons"]["rank"] == 0)                # nothing marked
    assert spec["width"] == {"step": view.CELL_PX}


def test_top_neurons_spec(digit_model, three):
    inside = insides(digit_model, three)
    chart = view.top_neurons_chart(inside.top)
    spec = valid_vega_lite(chart)
    assert spec["title"]["text"] == "What layer 1's 8 most active neurons look for"
    assert chart.datasets["names"]["text"] == [f"neuron {n.index + 1}" for n in inside.top]
    assert chart.datasets["values"]["text"] == [f"a = {n.a:.2f}" for n in inside.top]
    pics = chart.datasets["pictures"]
    assert len(pics["url"]) == 2 * TOP_K and all(u.startswith("data:image/png;base64,") for u in pics["url"])
    assert pics["what"][:2] == ["weights w", "w × x"]
    assert pics["z"][0] == inside.top[0].z and pics["excitation"][0] == inside.top[0].excitation
    # four neurons to a row, two rows: at most 370 px wide (a 420 px phone), each picture 64 px square
    assert spec["width"] <= 370
    assert pics["x1"][0] - pics["x0"][0] == view.TILE_PX == pics["y1"][0] - pics["y0"][0]
    assert sorted(set(pics["x0"])) == pics["x0"][0:8:2] and len(set(pics["y0"])) == 4
    assert view.top_title(inside.top[:1]) == "What layer 1's most active neuron looks for"


def test_a_picture_is_scaled_to_its_own_range():
    url = view.weight_picture(np.array([[-2.0, 0.0], [1.0, 2.0]]))
    rgb = np.asarray(Image.open(io.BytesIO(base64.b64decode(url.split(",")[1]))))
    assert tuple(rgb[0, 0]) == (0xF5, 0x93, 0x22) and tuple(rgb[1, 1]) == (0x08, 0x77, 0xBD)  # orange −, blue +
    assert tuple(rgb[0, 1]) == (0xE8, 0xEA, 0xEB)                                            # grey 0


# --- the section, headless -------------------------------------------------------------------------
def _section_script(hidden):
    import nnlib
    from nnlib.digits import default_model, preprocess
    from tests.drawn_digits import draw_digit
    from ui.sections import digits_insides

    x = preprocess(draw_digit(3, seed=21, slant=0.05, rotation=0, height=0.75, pen=22))
    if hidden is None:
        model = default_model()
    else:  # a network from Step 3: several hidden layers, any activation
        model = nnlib.NetworkSpec(n_in=256, hidden=hidden, n_out=10, activation="tanh").build(seed=5)
    digits_insides.render(model, x)


def vega_charts(at) -> dict:
    """Every Vega-Lite chart by its usermeta name: (spec, datasets as columns)."""
    import pyarrow as pa

    charts = {}
    for element in at.get("vega_lite_chart"):
        spec = json.loads(element.proto.spec)
        tables = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pydict() for d in element.proto.datasets}
        charts[spec["usermeta"]["chart"]] = (spec, tables)
    return charts


def test_the_section_shows_one_strip_and_the_top_neurons(digit_model, three):
    at = AppTest.from_function(_section_script, args=(None,), default_timeout=60).run()
    assert not at.exception, at.exception
    assert [s.value for s in at.subheader] == ["Inside the network"]
    assert "feature extractor" in at.markdown[0].value
    charts = vega_charts(at)
    assert sorted(charts) == ["layer_1", "top_neurons"]
    inside = insides(digit_model, three)
    spec, data = charts["layer_1"]
    assert spec["title"]["text"].endswith("of 512 relu neurons lit") and len(data["neurons"]["a"]) == 512
    spec, data = charts["top_neurons"]
    assert data["names"]["text"] == [f"neuron {n.index + 1}" for n in inside.top]
    assert data["values"]["text"][0] == f"a = {inside.top[0].a:.2f}"
    why = next(m.value for m in at.markdown if m.value.startswith("Why neuron"))
    assert why.startswith(f"Why neuron {inside.top[0].index + 1} fires most")
    assert f"a = relu(z) = **{inside.top[0].a:.2f}**" in why


def test_the_section_draws_every_hidden_layer_of_a_deeper_network():
    at = AppTest.from_function(_section_script, args=((64, 32, 16),), default_timeout=60).run()
    assert not at.exception, at.exception
    charts = vega_charts(at)
    assert sorted(charts) == ["layer_1", "layer_2", "layer_3", "top_neurons"]
    assert [charts[f"layer_{i}"][0]["title"]["text"].split(" of ")[1] for i in (1, 2, 3)] == [
        "64 tanh neurons lit", "32 tanh neurons lit", "16 tanh neurons lit"]
    assert "Orange: a negative activation" in " ".join(c.value for c in at.caption)  # tanh goes below 0


def test_the_section_without_a_hidden_layer():
    def script():
        import numpy as np

        import nnlib
        from ui.sections import digits_insides

        digits_insides.render(nnlib.NetworkSpec(n_in=256, hidden=(), n_out=10).build(seed=0), np.zeros(256))

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert "no hidden layer" in at.info[0].value and not at.get("vega_lite_chart")
