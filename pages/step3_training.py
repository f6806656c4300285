"""Step 3 · Pick the best function: train the network, watch gradient descent, follow backprop.

UI only, one tab per section: ui/sections/step3_train.py (live training), step3_path.py (the path of
gradient descent) and step3_backprop.py (backprop, neuron by neuron, then step3_total.py's total gradient).
"""

import streamlit as st

from ui import navigation
from ui.sections import step3_backprop, step3_path, step3_train

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

step3_train.compact_page()  # the playground fits one screen
st.title("Step 3 · Pick the best function")
train_tab, path_tab, backprop_tab = st.tabs(["Playground: train a network", "The path of gradient descent",
                                             "Backprop, step by step"])
with train_tab:
    step3_train.render()
with path_tab:
    step3_path.render()
with backprop_tab:
    step3_backprop.render()
