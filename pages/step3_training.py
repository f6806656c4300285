"""Step 3 · Pick the best function: train the network, watch gradient descent, follow backprop.

UI only, one tab per section: ui/sections/step3_train.py (live training), step3_path.py (the path of
gradient descent) and step3_backprop.py (backprop, neuron by neuron, then step3_total.py's total gradient).
"""

import streamlit as st

import i18n
from i18n import N_, _
from ui import navigation
from ui.sections import step3_backprop, step3_path, step3_train

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

# The tabs, by a code that does not depend on the language: switching the language keeps the open tab.
TABS = {"train": N_("Playground: train a network"), "path": N_("The path of gradient descent"),
        "backprop": N_("Backprop, step by step")}
TAB_KEY = "step3_tab"


def open_tab() -> str:
    """The open tab's code, read from the tabs' own value: the label the student clicked, in either language."""
    label = st.session_state.get(TAB_KEY)
    return next((code for code, text in TABS.items()
                 if label in {i18n.in_language(lang, text) for lang in i18n.LANGUAGES}), "train")


step3_train.compact_page()  # the playground fits one screen
st.title(_("Step 3 · Pick the best function"))
# Stateful tabs (a click reruns the page) so that the page knows the open tab and keeps it in the other language.
train_tab, path_tab, backprop_tab = st.tabs([_(text) for text in TABS.values()], key=TAB_KEY,
                                            default=_(TABS[open_tab()]), on_change="rerun")
with train_tab:
    step3_train.render()
with path_tab:
    step3_path.render()
with backprop_tab:
    step3_backprop.render()
