"""The digits page's notes on the lecture: the input coding (ink bits or grey levels) and how the model was trained.

Every number comes from the library: the training settings from ``nnlib.digits.DEFAULT_CONFIG``,
the accuracies from running the model on the test digits.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from i18n import _
from lessons.digit_input import INK_THRESHOLD, binary_ink, compare_codings
from nnlib import datasets
from nnlib.digits import DEFAULT_CONFIG, read
from ui.sections.digits_models import shared_default_model
from ui.views import digits_figures as figs


def how_it_was_trained(config=DEFAULT_CONFIG) -> None:
    """What was done to train the default reader, and why each step helps, read off its config."""
    sizes = " → ".join(str(n) for n in config.spec().sizes)
    st.markdown(_(
        "The network is **{sizes}** with {activation} hidden neurons and a softmax output, and it "
        "minimises the **cross-entropy** of Step 2, as the lecture does. Its training goes beyond the "
        "lecture's plain gradient descent in five ways, each a later improvement you will meet in the course:"
    ).format(sizes=sizes, activation=config.activation))
    st.markdown("\n".join([
        _("- **Mini-batches of {batch}** instead of the whole data set per step: each step is cheaper, so many "
          "more steps fit in the same time (stochastic gradient descent).").format(batch=config.batch_size),
        _("- **Adam** instead of θ ← θ − η∇L: each parameter gets its own step size from running averages of its "
          "gradient, which copes with gradients of very different sizes. Peak rate η = {rate}.").format(
            rate=f"{config.learning_rate:g}"),
        _("- **A cosine learning-rate schedule** over {epochs} epochs: large steps first to get near a good θ "
          "quickly, then ever smaller ones (down to 0) to settle into it.").format(epochs=config.epochs),
        _("- **Weight decay** λ = {decay} (L2 regularisation, ½λ‖W‖² added to L): keeps the weights small, so "
          "the network generalises better to digits it has not seen.").format(decay=f"{config.weight_decay:g}"),
        _("- **Augmentation** ({augment}): every epoch each training digit is slightly rotated, scaled and "
          "sheared at random, so the network learns the shapes rather than the exact pixels, and reads real "
          "handwriting (yours) better.").format(augment=config.augment),
    ]))


@st.cache_data(max_entries=1, show_spinner=False)
def default_model_codings():
    """The default model's test accuracy with grey levels and with ink bits (the same for every session)."""
    _, (X_test, y_test) = datasets.digits()
    return compare_codings(shared_default_model(), X_test, y_test)


def ink_or_grey(x, model) -> None:
    """The lecture's 0/1 ink coding next to the grey levels fed here: the student's digit, and the test set."""
    comparison = default_model_codings()
    st.markdown(_(
        "**Ink = 1, no ink = 0?** The lecture codes each of the 16 × 16 = 256 pixels as 1 (ink) or 0 (no ink). "
        "This app feeds **grey levels** from 0 to 1 instead: where a stroke only partly covers a pixel, the grey "
        "says how much, so 256 numbers keep more of the stroke's position and thickness. The digits the network "
        "learned from (MNIST) are grey as well, so it reads grey best."))
    bits = binary_ink(x)
    grey_read, bits_read = read(model, x), read(model, bits)
    left, right = st.columns(2)
    left.image(figs.fit_image(np.asarray(x).reshape(16, 16), 140), width=140,
               caption=_("grey levels: read as {digit} ({confidence})").format(
                   digit=grey_read.digit, confidence=f"{grey_read.confidence:.0%}"))
    right.image(figs.fit_image(bits.reshape(16, 16), 140), width=140,
                caption=_("ink bits (grey ≥ {threshold} → 1): read as {digit} ({confidence})").format(
                    threshold=f"{INK_THRESHOLD:g}", digit=bits_read.digit, confidence=f"{bits_read.confidence:.0%}"))
    st.caption(_("On the {n} test digits the default network reads **{grey}** correctly from grey levels and "
                 "**{bits}** from ink bits.").format(n=f"{comparison.n:,}", grey=f"{comparison.grey_accuracy:.1%}",
                                                    bits=f"{comparison.binary_accuracy:.1%}"))
