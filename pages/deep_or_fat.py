"""Deep or fat? The lecture's closing question, answered by experiment, both ways.

1. Universality: N sigmoid neurons in one hidden layer fit a continuous 1-D curve.
2. Deep (k layers of n) against fat (1 layer of m) at equal parameter counts on the digits,
   beside the lecture's speech table.
3. Where depth wins: a sawtooth that k layers of 2 ReLUs draw exactly, and one layer cannot.
4. Where depth hurts: sigmoid gradients vanish layer by layer, and a deep sigmoid stack stalls.
The sections are ui.sections.deep_or_fat_*; the math is lessons.deep_or_fat, lessons.depth_wins and
lessons.depth_hurts.
"""

import streamlit as st

from i18n import _
from ui import navigation
from ui.sections import deep_or_fat_fit, deep_or_fat_hurts, deep_or_fat_run, deep_or_fat_wins

navigation.enter(__file__)  # run alone (a fresh server's legacy mode), the page hands over to app.py

st.title(_("Deep or fat?"))
st.markdown(_("One hidden layer with enough neurons can represent any *continuous* function (the *universality "
              "theorem*). So why go deep? And is deeper always better? Try both halves of the argument yourself."))

deep_or_fat_fit.section()
deep_or_fat_run.section()
deep_or_fat_wins.section()
deep_or_fat_hurts.section()
