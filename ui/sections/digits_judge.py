"""Draw a digit: how good the chosen model is on held-out digits, and retraining it on the full MNIST.

The evaluation is nnlib.digits.report; the download and retraining are services.mnist.FullMnistJob,
run in slices with a progress bar by ui.fragments.
"""

import streamlit as st

from nnlib import digits as dg
from services import mnist
from services.digits import DEFAULT, FULL
from ui.fragments import run_in_slices
from ui.sections.digits_models import full_stamp, held_out, shared_report
from ui.views import digits_figures as figs

PLOT_CONFIG = {"displayModeBar": False}


def show_quality(which: str, model, taught: bool) -> None:
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
            st.session_state["digits_mnist_job"] = None
            return
        job = st.session_state["digits_mnist_job"]
        if st.button("Download MNIST and retrain", key="digits_mnist_button"):
            st.session_state["digits_mnist_job"] = job = mnist.FullMnistJob()
        elif job is not None and job.error:  # shown once; the button offers another try
            st.error(job.error)
            st.session_state["digits_mnist_job"] = job = None
        if job is not None:
            run_in_slices(lambda report: _advance(job, report), active=lambda: job.active, tick_s=None)


def _advance(job: mnist.FullMnistJob, report) -> None:
    job.advance(report)
    if job.done:  # read with the new model from the next run on
        st.session_state["digits_model_choice"] = FULL
