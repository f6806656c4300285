"""Make AppTest run app.py the way a live server does (shared by tests/conftest.py and benchmarks/)."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def app_py_in_charge():
    """Run AppTests as a live server runs once any page has been viewed: app.py's st.navigation in charge.

    A folder called pages/ puts Streamlit into its legacy multipage mode until some session has run
    st.navigation, and AppTest re-arms that mode before every run: each rerun after the first would
    then run the page file alone and skip app.py (and app.py's first run reloads the browser page,
    which AppTest has not got). Turning the legacy flag off after Streamlit sets it makes every
    AppTest run go through app.py, as every request on a running server does.
    """
    from streamlit.runtime.pages_manager import PagesManager

    original_init = PagesManager.__init__

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    try:
        yield
    finally:
        PagesManager.__init__ = original_init
