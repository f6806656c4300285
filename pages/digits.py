"""Draw a digit and watch the network read it; then teach it, judge it, or retrain it on full MNIST.

UI only: preprocessing, reading, teaching and evaluation live in nnlib.digits, the page's logic in
services.digits and the MNIST download in services.mnist (all tested without Streamlit). The
sections are ui/sections/digits_*.py. The default model is shared by every session through
st.cache_resource and is never changed here: teaching works on the student's own copy.
"""

import streamlit as st

from nnlib import digits as dg
from ui import navigation
from ui.sections import digits_draw, digits_insides, digits_judge, digits_lecture, digits_models, digits_teach
from ui.widgets import persistent

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py


@st.fragment
def draw_and_read(which: str, model) -> None:
    """Input, answer, stages and teaching. A fragment: a new stroke reruns only this part,
    so the prediction comes back without redrawing the evaluation below."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        source = st.segmented_control("Input", ["Draw", "Upload a photo"], required=True,
                                      **persistent("digits_source"))
        image = digits_draw.canvas_image() if source == "Draw" else digits_draw.uploaded_image()
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
        try:
            reading = dg.read(model, stages.x)
        except ValueError as exc:  # outputs that overflowed (NaN, inf) are never shown as a digit
            st.warning(f"This network gives no reading for the drawing: {exc}", icon=":material/warning:")
            return
        digits_draw.show_answer(reading)
    digits_draw.show_stages(stages)
    with st.expander("Ink = 1, no ink = 0? The lecture's input next to the grey levels fed here",
                     icon=":material/grid_on:"):
        digits_lecture.ink_or_grey(stages.x, model)
    digits_insides.render(model, stages.x)  # every hidden layer lighting up, and what layer 1 looks for
    digits_teach.show_teach(which, model, stages.x, reading)


st.title("Draw a digit")
st.write("Draw a digit from 0 to 9, as large or small as you like. A fully connected network reads the "
         "16 × 16 = 256 values below and outputs ten probabilities, as in the lecture.")
with st.expander("How this network was trained, and where that goes beyond the lecture", icon=":material/school:"):
    digits_lecture.how_it_was_trained()

which, model, taught = digits_models.chosen_model()
draw_and_read(which, model)
digits_judge.show_quality(which, model, taught)
digits_judge.show_full_mnist()
