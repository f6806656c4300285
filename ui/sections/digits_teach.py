"""Draw a digit: teach the network this one drawing, one gradient step on the student's own copy.

The step and its bookkeeping are services.digits.teach_step (on nnlib.digits.teach); this module
shows the choice of answer and rate, and the loss, probability and test accuracy before and after.
"""

import streamlit as st

from i18n import _
from nnlib import digits as dg
from services import digits as sd
from ui.sections.digits_models import held_out
from ui.views import digits_figures as figs
from ui.widgets import persistent

RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3]  # η for the one-example step
PLOT_CONFIG = {"displayModeBar": False}


def show_teach(which: str, model, x, reading) -> None:
    st.subheader(_("Teach it this digit"))
    st.write(_("Tell the network the right answer. It computes how wrong it was on this one drawing, "
               "the cross-entropy C = −ln y, and takes one gradient descent step θ ← θ − η∇C on "
               "**your own copy** of the model. That is all three steps on your drawing."))
    c1, c2 = st.columns([3, 2])
    label = c1.pills(_("The correct digit"), list(range(10)), key="digits_teach_label")
    rate = c2.select_slider(_("Learning rate η"), RATES, **persistent("digits_teach_lr"))
    if label is not None:
        c = dg.cross_entropy(model, x, label)
        st.write(_("Now the network gives **{label}** a probability of {p}, so this example's loss is "
                   "C = −ln {y} = **{c}**.").format(label=label, p=f"{reading.probabilities[label]:.1%}",
                                                    y=f"{reading.probabilities[label]:.3f}", c=f"{c:.3f}"))
        if st.button(_("Take one gradient step towards {label}").format(label=label), key="digits_teach_step",
                     type="primary"):
            taught, result = sd.teach_step(st.session_state["digits_taught"], which, model, x, label, rate,
                                           held_out(which))
            st.session_state["digits_taught"], st.session_state["digits_teach_result"] = taught, result
            st.rerun()  # the whole page: the evaluation below now judges the taught copy
    saved = st.session_state["digits_teach_result"]
    if saved is not None and saved[0] == sd.fingerprint(x):
        show_step(*saved[1:])
    taught = st.session_state["digits_taught"]
    if taught is not None:
        st.caption(sd.taught_note(taught))
        if st.button(_("Forget what I taught"), key="digits_teach_reset"):
            st.session_state["digits_taught"] = None
            st.session_state["digits_teach_result"] = None
            st.rerun()


def show_step(r, accuracy_before: float, accuracy_after: float) -> None:
    """The last step's effect: loss, the label's probability and the test accuracy, before and after."""
    c1, c2, c3, c4 = st.columns(4)
    points = _("{change} points")  # percentage points
    c1.metric(_("Loss before"), f"{r.loss_before:.3f}")
    c2.metric(_("Loss after"), f"{r.loss_after:.3f}", delta=f"{r.loss_after - r.loss_before:+.3f}",
              delta_color="inverse")
    c3.metric(_("P({label}) after").format(label=r.label), f"{r.after.probabilities[r.label]:.1%}",
              delta=points.format(
                  change=f"{(r.after.probabilities[r.label] - r.before.probabilities[r.label]) * 100:+.1f}"))
    c4.metric(_("Test accuracy after"), f"{accuracy_after:.1%}",
              delta=points.format(change=f"{(accuracy_after - accuracy_before) * 100:+.1f}"))
    st.plotly_chart(figs.before_after_figure(r.before.probabilities, r.after.probabilities, r.label),
                    config=PLOT_CONFIG, key="digits_before_after")
    st.caption(_("‖∇C‖ = {norm}, so the step moved θ by η‖∇C‖ = {moved}. A large step fits this one drawing "
                 "but can make the network forget what 4,000 digits taught it: watch the test accuracy.").format(
        norm=f"{r.gradient_norm:.2f}", moved=f"{r.learning_rate * r.gradient_norm:.3f}"))
