"""Deep Learning in Three Steps: the app's frame (navigation, state, sidebar).

Run it with ``streamlit run app.py``. Pages live in ``pages/`` and are listed
here explicitly with ``st.navigation``; they call ``nnlib`` for every number.
"""

import os

# One BLAS thread per server process: a hosted app serves many sessions at once, and OpenBLAS
# threads that wait for each other spin on a busy CPU (10-30x slower on 2 shared cores, measured
# while training on digits). This must run before NumPy loads; a host can override it.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import streamlit as st  # noqa: E402
from streamlit.runtime.pages_manager import PagesManager  # noqa: E402

import nnlib  # noqa: E402
from ui import share, sidebar, state  # noqa: E402

st.set_page_config(
    page_title="Deep Learning in Three Steps",
    page_icon="🧠",
    layout="wide",
    initial_sidebar_state="auto",  # open on wide screens, closed on phones
)
state.init()
share.apply_once()  # a shared link's setup, read on the session's first run only

# Each url_path differs from its file's name on purpose. While a folder called pages/ exists,
# Streamlit runs a freshly started server in its legacy multipage mode until some session has run
# st.navigation; in that mode a URL that names a file in pages/ would run that file without this
# frame. A URL that names no file falls through to app.py, so shared links work from the first visit.
PAGES = {
    "Start": [
        st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    ],
    "The three steps": [
        st.Page("pages/step1_network.py", title="Step 1 · Define the network", icon=":material/hub:",
                url_path="define-the-network"),
        st.Page("pages/step2_loss.py", title="Step 2 · Goodness of a function", icon=":material/functions:",
                url_path="goodness-of-a-function"),
        st.Page("pages/step3_training.py", title="Step 3 · Pick the best function", icon=":material/trending_down:",
                url_path="pick-the-best-function"),
    ],
    "Use it": [
        st.Page("pages/digits.py", title="Draw a digit", icon=":material/draw:", url_path="draw-a-digit"),
        st.Page("pages/deep_or_fat.py", title="Deep or fat?", icon=":material/stacks:", url_path="deep-or-fat"),
    ],
}
_legacy_first_run = bool(getattr(PagesManager, "uses_pages_directory", False))
page = st.navigation(PAGES)  # from here on, the whole server runs in the normal mode
if _legacy_first_run and page.url_path:
    # The first session after a server start that arrives by a direct link runs in the legacy
    # mode, where the digit canvas never receives a stroke. Nothing has happened in this session
    # yet, so the browser simply loads the same address again, as a new session in the normal mode.
    st.html("<script>window.location.reload()</script>", unsafe_allow_javascript=True)
    st.stop()

with st.sidebar:
    st.caption(f"Computing on **{nnlib.backend.device_description()}**")
share_slot = st.sidebar.empty()
sidebar.model_files()

# Notices (e.g. a shared link that could not be used) are shown once, above the page.
for notice in st.session_state["notices"]:
    st.warning(notice, icon=":material/warning:")
st.session_state["notices"] = []

share.sync()
share.share_box(share_slot)
page.run()
# The page may have changed the setup: refresh the address bar and the link.
share.sync()
share.share_box(share_slot)
