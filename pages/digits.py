"""Draw a digit and watch the network read it; then teach it, judge it, or retrain it on full MNIST.

UI only: preprocessing, reading, teaching, evaluation and the MNIST download live in
nnlib.digits (plain NumPy, tested without Streamlit). The default model is shared by every
session through st.cache_resource and is never changed here: teaching works on the
student's own copy in st.session_state.
"""

import hashlib

import numpy as np
import streamlit as st

from nnlib import datasets
from nnlib import digits as dg
from nnlib.digits.images import MAX_UPLOAD_BYTES
from nnlib.digits.model import read_only
from services import mnist
from ui.views import digits_figures as figs

CANVAS_SIDE = 280
STAGE_PX = 168  # each stage image is shown this wide (168 = 6 × 28)
RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]  # η for the one-example step
PLOT_CONFIG = {"displayModeBar": False}
DEFAULT, FULL, STEP3 = "default", "full", "step3"
MODEL_NAMES = {DEFAULT: "Default · 4,000 digits", FULL: "Full MNIST · 60,000 digits", STEP3: "Your Step 3 network"}


# --- shared, read-only resources -------------------------------------------------------------
@st.cache_resource(show_spinner="Training the digit network once (a few seconds)…")
def shared_default_model():
    """The default model, shared by every session. Read-only: teaching copies it first."""
    return read_only(dg.default_model())


@st.cache_resource(show_spinner=False)
def shared_full_model(stamp: int):
    """The model retrained on full MNIST on this server, or None; ``stamp`` (the file's mtime) reloads it."""
    model = mnist.cached_full_model() if stamp else None
    return None if model is None else read_only(model)


def full_stamp() -> int:
    """When the full-MNIST model file was written (0: never), so every session sees a new one."""
    path = mnist.full_model_path()
    return path.stat().st_mtime_ns if path.exists() else 0


@st.cache_resource(show_spinner=False)
def test_set(which: str, stamp: int = 0):
    """Held-out digits: the bundled 1,000, or MNIST's own 10,000 test digits for the full model."""
    X, y = mnist.mnist16()[1] if which == FULL else datasets.digits()[1]
    X.setflags(write=False)  # shared by every session: nobody may change them
    y.setflags(write=False)
    return X, y


@st.cache_data(show_spinner=False, max_entries=8)
def shared_report(which: str, stamp: int):
    model = shared_full_model(stamp) if which == FULL else shared_default_model()
    return dg.report(model, *test_set(which, stamp))


def held_out(which: str):
    """The test set that judges the model ``which``."""
    return test_set(FULL, full_stamp()) if which == FULL else test_set(DEFAULT)


# --- session state helpers -------------------------------------------------------------------
def persistent(name: str) -> str:
    """A widget key that starts from session_state[name] and writes back to it (survives page changes)."""
    key = f"{name}_widget"
    if key not in st.session_state:
        st.session_state[key] = st.session_state[name]
    return key


def keep(name: str) -> None:
    st.session_state[name] = st.session_state[f"{name}_widget"]


def step3_model():
    model = st.session_state.get("model")
    if st.session_state.get("model_dataset") == "digits" and model is not None \
            and model.n_in == 256 and model.n_out == 10:
        return model
    return None


def chosen_model():
    """(key, model to read with, is it the student's taught copy?)."""
    choices = [DEFAULT]
    if shared_full_model(full_stamp()) is not None:
        choices.append(FULL)
    if step3_model() is not None:
        choices.append(STEP3)
    if st.session_state["digits_model_choice"] not in choices:
        st.session_state["digits_model_choice"] = DEFAULT
        st.session_state.pop("digits_model_choice_widget", None)
    if len(choices) > 1:
        st.radio("Model", choices, format_func=MODEL_NAMES.get, horizontal=True,
                 key=persistent("digits_model_choice"), on_change=keep, args=("digits_model_choice",))
    which = st.session_state["digits_model_choice"]
    taught = st.session_state["digits_taught"]
    if taught is not None and taught["source"] == which:
        return which, taught["model"], True
    base = {DEFAULT: shared_default_model, STEP3: step3_model,
            FULL: lambda: shared_full_model(full_stamp())}[which]()
    return which, base, False


# --- input: canvas or upload -----------------------------------------------------------------
def canvas_image():
    from streamlit_drawable_canvas import st_canvas  # registers only under streamlit run / AppTest

    st.slider("Pen width (pixels)", 6, 40, step=2, key=persistent("digits_pen"), on_change=keep,
              args=("digits_pen",))
    result = st_canvas(fill_color="rgba(0, 0, 0, 0)", stroke_width=st.session_state["digits_pen"],
                       stroke_color="#FFFFFF", background_color="#000000", width=CANVAS_SIDE,
                       height=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       key=f"digits_canvas_{st.session_state['digits_canvas_version']}")
    if st.button("Clear", key="digits_clear", icon=":material/ink_eraser:"):
        st.session_state["digits_canvas_version"] += 1  # a new key is a new, empty canvas
        st.session_state["digits_teach_result"] = None
        st.session_state["digits_teach_label"] = None  # a new drawing needs its own answer
        st.rerun(scope="fragment")
    return result.image_data


def uploaded_image():
    file = st.file_uploader("A photo or scan of one digit (PNG or JPEG)", type=["png", "jpg", "jpeg"],
                            key="digits_upload", max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    st.caption("Dark ink on light paper works too: it is detected and inverted. "
               f"At most {MAX_UPLOAD_BYTES // 2**20} MB and 25 megapixels.")
    if file is None:
        return None
    try:
        return dg.load_image(file.getvalue())
    except dg.ImageError as exc:
        st.error(str(exc))
        return None


# --- output ----------------------------------------------------------------------------------
def show_answer(reading) -> None:
    st.metric("Prediction", str(reading.digit), border=True)
    if reading.unsure:
        a, b = reading.candidates
        st.warning(f"**Not sure**: maybe a **{a}** ({reading.probabilities[a]:.0%}), "
                   f"maybe a **{b}** ({reading.probabilities[b]:.0%}).", icon=":material/help:")
    else:
        st.caption(f"{reading.confidence:.0%} sure · entropy {reading.entropy:.2f} nats "
                   f"(0 = certain, {np.log(10):.2f} = no idea)")
    st.plotly_chart(figs.probability_figure(reading.probabilities, reading.digit), config=PLOT_CONFIG,
                    key="digits_probabilities")


def show_stages(stages) -> None:
    st.subheader("What the network sees")
    c1, c2, c3 = st.columns(3)
    with c1:
        h, w = stages.crop.shape
        st.image(figs.fit_image(stages.crop, STAGE_PX), width=STAGE_PX,
                 caption=f"1 · cropped to the ink: {w} × {h} pixels, pen ≈ {stages.pen_width:.0f}"
                 + (" (inverted: dark ink on light paper)" if stages.inverted else ""))
    with c2:
        st.image(figs.upscale(stages.centred, STAGE_PX // 28), width=STAGE_PX,
                 caption="2 · scaled into MNIST's 20 × 20 box, centred by its centre of mass in 28 × 28")
    with c3:
        st.plotly_chart(figs.grid_figure(stages.grid, height=STAGE_PX + 70), config=PLOT_CONFIG,
                        key="digits_grid")
        st.caption("3 · area-averaged to 16 × 16: these 256 values are the input x")
    if stages.pen_limited:
        st.caption("The pen is thick for a drawing this small, so the digit was kept smaller than the box "
                   "(its strokes would otherwise be bolder than any training digit).")
    elif stages.thickened >= 3:  # a small touch-up (1-2 of 112 frame pixels) is not worth a note
        st.caption("The pen is thin for a drawing this large, so the strokes were thickened to the width "
                   "of a typical training digit (they would otherwise fade to grey at 16 × 16).")


def show_teach(which, model, x, reading) -> None:
    st.subheader("Teach it this digit")
    st.write("Tell the network the right answer. It computes how wrong it was on this one drawing, "
             "the cross-entropy C = −ln y, and takes one gradient-descent step θ ← θ − η∇C on "
             "**your own copy** of the model. That is all three steps on your drawing.")
    c1, c2 = st.columns([3, 2])
    label = c1.pills("The correct digit", list(range(10)), key="digits_teach_label")
    rate = c2.select_slider("Learning rate η", RATES, key=persistent("digits_teach_lr"),
                            on_change=keep, args=("digits_teach_lr",))
    fingerprint = hashlib.sha1(x.tobytes()).hexdigest()
    if label is not None:
        c = dg.cross_entropy(model, x, label)
        st.write(f"Now the network gives **{label}** a probability of "
                 f"{reading.probabilities[label]:.1%}, so this example's loss is "
                 f"C = −ln {reading.probabilities[label]:.3f} = **{c:.3f}**.")
        if st.button(f"Take one gradient step towards {label}", key="digits_teach_step", type="primary"):
            taught = st.session_state["digits_taught"]
            if taught is None or taught["source"] != which:
                # The first step copies the model; the shared one is never touched.
                taught = {"source": which, "model": model.copy(), "steps": 0}
            tests = held_out(which)
            accuracy_before = dg.report(taught["model"], *tests).accuracy
            result = dg.teach(taught["model"], x, label, learning_rate=rate)
            accuracy_after = dg.report(taught["model"], *tests).accuracy
            taught["steps"] += 1
            st.session_state["digits_taught"] = taught
            st.session_state["digits_teach_result"] = (fingerprint, result, accuracy_before, accuracy_after)
            st.rerun()  # the whole page: the evaluation below now judges the taught copy
    saved = st.session_state["digits_teach_result"]
    if saved is not None and saved[0] == fingerprint:
        _, r, accuracy_before, accuracy_after = saved
        c1, c2, c3, c4 = st.columns(4)
        c1.metric("Loss before", f"{r.loss_before:.3f}")
        c2.metric("Loss after", f"{r.loss_after:.3f}", delta=f"{r.loss_after - r.loss_before:+.3f}",
                  delta_color="inverse")
        c3.metric(f"P({r.label}) after", f"{r.after.probabilities[r.label]:.1%}",
                  delta=f"{(r.after.probabilities[r.label] - r.before.probabilities[r.label]) * 100:+.1f} points")
        c4.metric("Test accuracy after", f"{accuracy_after:.1%}",
                  delta=f"{(accuracy_after - accuracy_before) * 100:+.1f} points")
        st.plotly_chart(figs.before_after_figure(r.before.probabilities, r.after.probabilities, r.label),
                        config=PLOT_CONFIG, key="digits_before_after")
        st.caption(f"‖∇C‖ = {r.gradient_norm:.2f}, so the step moved θ by η‖∇C‖ = "
                   f"{r.learning_rate * r.gradient_norm:.3f}. A large step fits this one drawing but can "
                   "make the network forget what 4,000 digits taught it: watch the test accuracy.")
    taught = st.session_state["digits_taught"]
    if taught is not None:
        st.caption(f"Your copy of the {MODEL_NAMES[taught['source']].split(' ·')[0].lower()} model has taken "
                   f"{taught['steps']} step(s); the prediction above uses it.")
        if st.button("Forget what I taught", key="digits_teach_reset"):
            st.session_state["digits_taught"] = None
            st.session_state["digits_teach_result"] = None
            st.rerun()


def show_quality(which, model, taught) -> None:
    with st.expander("How good is this model?", expanded=False):
        X_test, y_test = held_out(which)
        if which in (DEFAULT, FULL) and not taught:
            rep = shared_report(which, full_stamp() if which == FULL else 0)
        else:
            rep = dg.report(model, X_test, y_test)
        what = (f"MNIST's {len(y_test):,} test digits" if which == FULL
                else f"the {len(y_test):,} held-out test digits")
        st.metric(f"Accuracy on {what}", f"{rep.accuracy:.1%}")
        st.caption("None of these digits was used for training or for choosing the settings.")
        st.plotly_chart(figs.confusion_figure(rep.confusion, height=380), config=PLOT_CONFIG, width="content",
                        key="digits_confusion")
        wrong = rep.wrong[:24]
        st.write(f"**{len(rep.wrong)} digits it gets wrong** (most confident mistakes first):")
        st.image([figs.upscale(X_test[i].reshape(16, 16), 4) for i in wrong],
                 caption=[f"{y_test[i]} read as {rep.predicted[i]} ({rep.confidence[i]:.0%})" for i in wrong])


def show_full_mnist() -> None:
    with st.expander("Retrain on the full MNIST (70,000 digits)", expanded=False):
        st.write(f"The default model learned from 4,000 digits. The full MNIST has 60,000 training and "
                 f"10,000 test digits ({mnist.MNIST_BYTES / 1e6:.1f} MB). Downloading checks the published "
                 "SHA-256, then the same network is retrained at 16 × 16 (about half a minute).")
        if full_stamp():
            st.success("Done on this server already: choose **Full MNIST** as the model above.",
                       icon=":material/check:")
            return
        if st.button("Download MNIST and retrain", key="digits_mnist_button"):
            bar = st.progress(0.0, text="Connecting…")
            shown = [-1]

            def on_bytes(done, total):
                total = total or mnist.MNIST_BYTES
                pct = int(100 * min(done / total, 1.0))
                if pct != shown[0]:  # one update per percent, not one per network packet
                    shown[0] = pct
                    bar.progress(pct / 100, text=f"Downloading MNIST: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

            try:
                mnist.download_mnist(progress=on_bytes)
            except mnist.DownloadError as exc:
                bar.empty()
                st.error(f"{exc} Nothing was saved; the app keeps using its bundled digits.")
                return
            bar.progress(0.0, text="Retraining on 60,000 digits…")
            try:
                mnist.train_full_model(progress=lambda e, n, p: bar.progress(
                    e / n, text=f"Retraining: epoch {e} of {n}, training accuracy {p.train_accuracy:.1%}"))
            except mnist.DownloadError as exc:
                bar.empty()
                st.error(f"{exc} The app keeps using its bundled digits.")
                return
            st.session_state["digits_model_choice"] = FULL
            st.session_state.pop("digits_model_choice_widget", None)
            st.rerun()


@st.fragment
def draw_and_read(which: str, model) -> None:
    """Input, answer, stages and teaching. A fragment: a new stroke reruns only this part,
    so the prediction comes back without redrawing the evaluation below."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        source = st.segmented_control("Input", ["Draw", "Upload a photo"], key=persistent("digits_source"),
                                      on_change=keep, args=("digits_source",), required=True)
        image = canvas_image() if source == "Draw" else uploaded_image()
    stages = dg.preprocess_stages(image) if image is not None else None
    with right:
        if stages is None:
            # Nothing to read: ask for a drawing, predict nothing.
            if source == "Draw":
                st.info("**Draw a digit** on the black square with the mouse or a finger. "
                        "The prediction appears when you lift the pen.", icon=":material/draw:")
            elif image is not None:
                st.warning("No ink found in this picture: it looks blank. Upload a picture of one digit.")
            else:
                st.info("**Upload a picture** of one handwritten digit.", icon=":material/upload:")
            return
        reading = dg.read(model, stages.x)
        show_answer(reading)
    show_stages(stages)
    show_teach(which, model, stages.x, reading)


# --- the page --------------------------------------------------------------------------------
st.title("Draw a digit")
st.write("Draw a digit from 0 to 9, as large or small as you like. The network trained in the "
         "lecture's way reads the 16 × 16 = 256 values below and outputs ten probabilities.")

which, model, taught = chosen_model()
draw_and_read(which, model)
show_quality(which, model, taught)
show_full_mnist()
