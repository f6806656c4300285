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
from i18n import _  # noqa: E402
from services import memory  # noqa: E402
from ui import fragments, language, navigation, share, sidebar, state  # noqa: E402

memory.start_trimmer()  # freed arrays go back to the system when sessions end (once per process)

fragments.keep_fragment_reruns_on_their_page()  # a late fragment rerun must not blank the page just opened

state.init()
share.apply_once()  # a shared link's setup, read on the session's first run only
language.init()     # the link's language, else the browser's (first run only)
st.set_page_config(
    page_title=_("Deep Learning in Three Steps"),  # the browser tab's title, in the session's language
    page_icon="🧠",
    layout="wide",
    initial_sidebar_state="auto",  # open on wide screens, closed on phones
)

# The pages, their sections and url paths are listed in ui/navigation.py; each url_path differs from
# its file's name on purpose. While a folder called pages/ exists, Streamlit runs a freshly started
# server in its legacy multipage mode until some session has run st.navigation; in that mode a URL
# that names a file in pages/ runs that file without this frame (the page then hands over, see
# navigation.enter), while a URL that names no file falls through to app.py. Streamlit's own menu is
# off (client.showSidebarNavigation in .streamlit/config.toml: it would show the legacy mode's list of
# file names to the first visitor); navigation.menu draws the app's menu instead.
PAGES = navigation.pages()
_legacy_first_run = bool(getattr(PagesManager, "uses_pages_directory", False))
page = st.navigation(PAGES, position="hidden")  # from here on, the whole server runs in the normal mode
if _legacy_first_run and page.url_path:
    # The first session after a server start that arrives by a direct link runs in the legacy
    # mode, where the digit canvas never receives a stroke. Nothing has happened in this session
    # yet, so the browser simply loads the same address again, as a new session in the normal mode.
    st.html("<script>window.location.reload()</script>", unsafe_allow_javascript=True)
    st.stop()
navigation.mark_frame()

navigation.menu(PAGES)
with st.sidebar:
    st.caption(_("Computing on **{device}**").format(device=nnlib.backend.device_description()))
share_slot = st.sidebar.empty()
sidebar.model_files()

# Notices (e.g. a shared link that could not be used) are shown once, above the page.
for notice in st.session_state["notices"]:
    st.warning(notice, icon=":material/warning:")
st.session_state["notices"] = []

share.sync()
language.switch()
st.session_state["full_run"] = True   # a fragment's own reruns (which skip this file) see False
page.run()
st.session_state["full_run"] = False
language.end_of_run()
# The page may have changed the setup: refresh the address bar and the link.
share.sync()
share.share_box(share_slot)
