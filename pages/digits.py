"""Draw a digit and watch the network read it; then teach it, judge it, or retrain it on full MNIST.

UI only: preprocessing, reading, teaching and evaluation live in nnlib.digits, the page's logic in
services.digits and the MNIST download in services.mnist (all tested without Streamlit). The
sections are ui/sections/digits_*.py. The default model is shared by every session through
st.cache_resource and is never changed here: teaching works on the student's own copy.
"""

import streamlit as st

from i18n import N_, _, bound
from nnlib import digits as dg
from services.digits import error_text
from ui import navigation
from ui.sections import digits_draw, digits_insides, digits_judge, digits_lecture, digits_models, digits_teach
from ui.widgets import persistent

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

# Where the digit comes from: the stored value is the code, the label is shown in the session's language.
SOURCES = {"draw": N_("Draw"), "photo": N_("Upload a photo")}


@st.fragment
def draw_and_read(which: str, model) -> None:
    """Input, answer, stages and teaching. A fragment: a new stroke reruns only this part,
    so the prediction comes back without redrawing the evaluation below."""
    left, right = st.columns([1, 1], gap="large")
    with left:
        if st.session_state["digits_source"] not in SOURCES:
            st.session_state["digits_source"] = "draw"
        source = st.segmented_control(_("Input"), list(SOURCES), format_func=bound(lambda code: _(SOURCES[code])),
                                      required=True, **persistent("digits_source"))
        image = digits_draw.canvas_image() if source == "draw" else digits_draw.uploaded_image()
    stages = dg.preprocess_stages(image) if image is not None else None
    with right:
        if stages is None:
            # Nothing to read: ask for a drawing, predict nothing.
            if source == "draw":
                st.info(_("**Draw a digit** on the black square with the mouse or a finger. "
                          "The prediction appears when you lift the pen."), icon=":material/draw:")
            elif image is not None:
                st.warning(_("No ink found in this picture: it looks blank. Upload a picture of one digit."))
            else:
                st.info(_("**Upload a picture** of one handwritten digit."), icon=":material/upload:")
            return
        try:
            reading = dg.read(model, stages.x)
        except ValueError as exc:  # outputs that overflowed (NaN, inf) are never shown as a digit
            st.warning(_("This network gives no reading for the drawing: {reason}").format(reason=error_text(exc)),
                       icon=":material/warning:")
            return
        digits_draw.show_answer(reading)
    digits_draw.show_stages(stages)
    with st.expander(_("Ink = 1, no ink = 0? The lecture's input next to the grey levels fed here"),
                     icon=":material/grid_on:", key="digits_ink_or_grey"):  # a key: kept open in either language
        digits_lecture.ink_or_grey(stages.x, model)
    digits_insides.render(model, stages.x)  # every hidden layer lighting up, and what layer 1 looks for
    digits_teach.show_teach(which, model, stages.x, reading)


st.title(_("Draw a digit"))
st.write(_("**Handwritten digit recognition**, the lecture's example: draw a digit from 0 to 9, as large or "
           "small as you like. A fully connected network reads the 16 × 16 = 256 pixel values below and outputs "
           "ten probabilities, one per digit."))
with st.expander(_("How this network was trained, and where that goes beyond the lecture"),
                 icon=":material/school:", key="digits_how_trained"):
    digits_lecture.how_it_was_trained()

which, model, taught = digits_models.chosen_model()
draw_and_read(which, model)
digits_judge.show_quality(which, model, taught)
digits_judge.show_full_mnist()
