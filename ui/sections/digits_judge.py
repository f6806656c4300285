"""Draw a digit: how good the chosen model is on held-out digits, and retraining it on the full MNIST.

The evaluation is nnlib.digits.report; the download and retraining are services.mnist.FullMnistJob,
run in slices with a progress bar by ui.fragments.
"""

import streamlit as st

from i18n import _, ngettext
from nnlib import digits as dg
from services import mnist
from services.digits import DEFAULT, FULL
from ui.fragments import run_in_slices
from ui.sections.digits_models import full_stamp, held_out, shared_report
from ui.views import digits_figures as figs

PLOT_CONFIG = {"displayModeBar": False}


def show_quality(which: str, model, taught: bool) -> None:
    with st.expander(_("How good is this model?"), expanded=False, key="digits_quality"):
        X_test, y_test = held_out(which)
        if which in (DEFAULT, FULL) and not taught:
            rep = shared_report(which, full_stamp() if which == FULL else 0)
        else:
            rep = dg.report(model, X_test, y_test)
        label = (_("Accuracy on MNIST's {n} test digits") if which == FULL
                 else _("Accuracy on the {n} held-out test digits"))
        st.metric(label.format(n=f"{len(y_test):,}"), f"{rep.accuracy:.1%}")
        st.caption(_("None of these digits was used for training or for choosing the settings."))
        st.plotly_chart(figs.confusion_figure(rep.confusion, height=380), config=PLOT_CONFIG, width="content",
                        key="digits_confusion")
        wrong = rep.wrong[:24]
        st.write(ngettext("**{n} digit it gets wrong** (most confident mistakes first):",
                          "**{n} digits it gets wrong** (most confident mistakes first):", len(rep.wrong)).format(
            n=len(rep.wrong)))
        read_as = _("{true} read as {read} ({confidence})")
        st.image([figs.upscale(X_test[i].reshape(16, 16), 4) for i in wrong],
                 caption=[read_as.format(true=y_test[i], read=rep.predicted[i], confidence=f"{rep.confidence[i]:.0%}")
                          for i in wrong])


def show_full_mnist() -> None:
    with st.expander(_("Retrain on the full MNIST (70,000 digits)"), expanded=False, key="digits_full_mnist"):
        st.write(_("The default model learned from 4,000 digits. The full MNIST has 60,000 training and "
                   "10,000 test digits ({mb} MB). Downloading checks the published SHA-256, then the same "
                   "network is retrained at 16 × 16 pixels (about half a minute).").format(
            mb=f"{mnist.MNIST_BYTES / 1e6:.1f}"))
        if full_stamp():
            st.success(_("Done on this server already: choose **Full MNIST** as the model above."),
                       icon=":material/check:")
            st.session_state["digits_mnist_job"] = None
            return
        job = st.session_state["digits_mnist_job"]
        if st.button(_("Download MNIST and retrain"), key="digits_mnist_button"):
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
