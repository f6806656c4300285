"""Draw a digit: the input (canvas or photo), the network's answer, and what it sees at each stage.

Preprocessing and reading are nnlib.digits' (plain NumPy); the figures are ui.views.digits_figures'.
"""

import numpy as np
import streamlit as st

from i18n import _
from nnlib import digits as dg
from nnlib.digits.images import MAX_PIXELS, MAX_UPLOAD_BYTES
from services.digits import error_text
from ui.views import digits_figures as figs
from ui.widgets import persistent

CANVAS_SIDE = 280
STAGE_PX = 168  # each stage image is shown this wide (168 = 6 × 28)
PLOT_CONFIG = {"displayModeBar": False}


def canvas_image():
    """The drawing as an RGBA array, or None; Clear gives a fresh canvas (a new key)."""
    from streamlit_drawable_canvas import st_canvas  # registers only under streamlit run / AppTest

    st.slider(_("Pen width (pixels)"), 6, 40, step=2, **persistent("digits_pen"))
    result = st_canvas(fill_color="rgba(0, 0, 0, 0)", stroke_width=st.session_state["digits_pen"],
                       stroke_color="#FFFFFF", background_color="#000000", width=CANVAS_SIDE,
                       height=CANVAS_SIDE, drawing_mode="freedraw", return_image_data=True,
                       key=f"digits_canvas_{st.session_state['digits_canvas_version']}")
    if st.button(_("Clear"), key="digits_clear", icon=":material/ink_eraser:"):
        st.session_state["digits_canvas_version"] += 1  # a new key is a new, empty canvas
        st.session_state["digits_teach_result"] = None
        st.session_state["digits_teach_label"] = None  # a new drawing needs its own answer
        st.rerun(scope="fragment")
    return result.image_data


def uploaded_image():
    """The uploaded photo as an array, or None (with a message when the file cannot be read)."""
    file = st.file_uploader(_("A photo or scan of one digit (PNG or JPEG)"), type=["png", "jpg", "jpeg"],
                            key="digits_upload", max_upload_size=MAX_UPLOAD_BYTES // 2**20)
    st.caption(_("Dark ink on light paper works too: it is detected and inverted. "
                 "At most {mb} MB and {megapixels} megapixels.").format(mb=MAX_UPLOAD_BYTES // 2**20,
                                                                       megapixels=f"{MAX_PIXELS / 1e6:g}"))
    if file is None:
        return None
    try:
        return dg.load_image(file.getvalue())
    except dg.ImageError as exc:
        st.error(error_text(exc))
        return None


def show_answer(reading) -> None:
    st.metric(_("Prediction"), str(reading.digit), border=True)
    if reading.unsure:
        a, b = reading.candidates
        st.warning(_("**Not sure**: maybe a **{a}** ({p_a}), maybe a **{b}** ({p_b}).").format(
            a=a, b=b, p_a=f"{reading.probabilities[a]:.0%}", p_b=f"{reading.probabilities[b]:.0%}"),
            icon=":material/help:")
    else:
        st.caption(_("{confidence} sure · entropy {entropy} nats (0 = certain, {most} = no idea)").format(
            confidence=f"{reading.confidence:.0%}", entropy=f"{reading.entropy:.2f}", most=f"{np.log(10):.2f}"))
    st.plotly_chart(figs.probability_figure(reading.probabilities, reading.digit), config=PLOT_CONFIG,
                    key="digits_probabilities")


def show_stages(stages) -> None:
    st.subheader(_("What the network sees"))
    c1, c2, c3 = st.columns(3)
    with c1:
        h, w = stages.crop.shape
        st.image(figs.fit_image(stages.crop, STAGE_PX), width=STAGE_PX,
                 caption=(_("1 · cropped to the ink: {w} × {h} pixels, pen ≈ {pen} (inverted: dark ink on "
                            "light paper)") if stages.inverted else
                          _("1 · cropped to the ink: {w} × {h} pixels, pen ≈ {pen}")).format(
                     w=w, h=h, pen=f"{stages.pen_width:.0f}"))
    with c2:
        st.image(figs.upscale(stages.centred, STAGE_PX // 28), width=STAGE_PX,
                 caption=_("2 · scaled into MNIST's 20 × 20 box, centred by its centre of mass in 28 × 28"))
    with c3:
        st.plotly_chart(figs.grid_figure(stages.grid, height=STAGE_PX + 70), config=PLOT_CONFIG,
                        key="digits_grid")
        st.caption(_("3 · area-averaged to 16 × 16 pixels: these 256 values are the input x"))
    if stages.pen_limited:
        st.caption(_("The pen is thick for a drawing this small, so the digit was kept smaller than the box "
                     "(its strokes would otherwise be bolder than any training digit)."))
    elif stages.thickened >= 3:  # a small touch-up (1-2 of 112 frame pixels) is not worth a note
        st.caption(_("The pen is thin for a drawing this large, so the strokes were thickened to the width "
                     "of a typical training digit (they would otherwise fade to grey at 16 × 16)."))
