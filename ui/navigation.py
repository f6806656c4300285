"""The app's pages, its menu, and the guard that keeps every page inside app.py's frame.

While a folder called pages/ sits beside app.py, Streamlit serves a freshly started server in its
legacy multipage mode until some session has run ``st.navigation``. In that first run it sends the
browser a page list made of the files' names ("step1 network", "digits"), and a click on one of them,
or an address that names a file (``/digits``), runs that file alone, without app.py: no session state,
no sidebar, and a legacy list the app cannot replace. Two things make that impossible:

- ``client.showSidebarNavigation = false`` (.streamlit/config.toml) hides Streamlit's own menu, the
  legacy list included, and :func:`menu` draws the app's menu instead, from the same ``st.Page``\\ s.
- :func:`enter` is the first thing each page file does. Run alone, the page hands over: it switches
  the server out of the legacy mode and sends the browser to the page's own address, where app.py runs.
"""

from __future__ import annotations

import json
from pathlib import Path

import streamlit as st

from i18n import N_, _

# Section → (file, title, icon, url_path). Each url_path differs from its file's name on purpose: an
# address that names no file falls through to app.py even in the legacy mode (see app.py). Sections and
# titles are in English here; :func:`pages` shows them in the session's language, run by run.
SECTIONS: dict[str, list[tuple[str, str, str, str]]] = {
    N_("Start"): [
        ("pages/home.py", N_("Home"), ":material/home:", ""),
        ("pages/glossary.py", N_("Glossary · 术语表"), ":material/translate:", "glossary-of-terms"),
    ],
    N_("The three steps"): [
        ("pages/step1_network.py", N_("Step 1 · Define the network"), ":material/hub:", "define-the-network"),
        ("pages/step2_loss.py", N_("Step 2 · Goodness of a function"), ":material/functions:",
         "goodness-of-a-function"),
        ("pages/step3_training.py", N_("Step 3 · Pick the best function"), ":material/trending_down:",
         "pick-the-best-function"),
    ],
    N_("Use it"): [
        ("pages/digits.py", N_("Draw a digit"), ":material/draw:", "draw-a-digit"),
        ("pages/deep_or_fat.py", N_("Deep or fat?"), ":material/stacks:", "deep-or-fat"),
    ],
}

FRAME_KEY = "_app_frame"  # set in session state by app.py's run: the pages run inside its frame
MENU_KEY = "app_menu"     # the menu's container: class "st-key-app_menu" in the browser

# The look of Streamlit's own menu: section headers in 14 px medium grey, one link every 34 px, a rule
# below. (31, 41, 55) is the theme's textColor, #1f2937 in .streamlit/config.toml.
_MENU_CSS = """<style>
.st-key-app_menu { padding-bottom: 16px; margin-bottom: 8px; border-bottom: 1px solid rgba(31, 41, 55, 0.2); }
.st-key-app_menu [data-testid="stCaptionContainer"], .st-key-app_menu [data-testid="stCaptionContainer"] * {
    font-size: 14px; font-weight: 500; line-height: 21px; margin: 0; color: rgba(31, 41, 55, 0.8); opacity: 1; }
.st-key-app_menu > [data-testid="stElementContainer"]:has([data-testid="stCaptionContainer"]) { margin: 14px 0 4px; }
.st-key-app_menu > [data-testid="stElementContainer"]:first-child { margin-top: 0; }
.st-key-app_menu > [data-testid="stElementContainer"]:has([data-testid="stPageLink"]) { margin: 1px 0; }
.st-key-app_menu [data-testid="stPageLink-NavLink"] span { color: rgba(31, 41, 55, 0.8); }
</style>"""

# On a phone the open sidebar covers the page: as with Streamlit's own menu, a click on a page closes it.
# (Registered once per browser page; Streamlit's layout puts the sidebar over the page below 768 px.)
_MENU_JS = """<script>
if (!window.__appMenuCloses) {
    window.__appMenuCloses = true;
    document.addEventListener("click", (event) => {
        if (!event.target.closest(".st-key-app_menu a") || !window.matchMedia("(max-width: 768px)").matches) return;
        const close = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
        if (close) setTimeout(() => close.click(), 0);
    }, true);
}
</script>"""


def pages() -> dict[str, list[st.Page]]:
    """The app's pages for ``st.navigation``, grouped in sections, titled in the session's language (so
    this runs on every run); Home is the default page."""
    return {_(section): [st.Page(file, title=_(title), icon=icon, url_path=url_path or None, default=not url_path)
                         for file, title, icon, url_path in entries]
            for section, entries in SECTIONS.items()}


def title_of(url_path: str) -> str:
    """The title of the page at ``url_path`` ("" is Home), in the session's language; "" for no page."""
    return next((_(title) for entries in SECTIONS.values() for _file, title, _icon, url in entries
                 if url == url_path), "")


def menu(sections: dict[str, list[st.Page]]) -> None:
    """The app's menu at the top of the sidebar, in sections, as Streamlit's own menu looks."""
    with st.sidebar.container(key=MENU_KEY, gap=None):
        for section, entries in sections.items():
            st.caption(section)
            for page in entries:
                st.page_link(page, label=page.title, icon=page.icon, width="stretch")
        st.html(_MENU_CSS)
        st.html(_MENU_JS, unsafe_allow_javascript=True)


def mark_frame() -> None:
    """Called by app.py once it has run ``st.navigation``: from now on pages run inside its frame."""
    st.session_state[FRAME_KEY] = True


def enter(page_file: str) -> None:
    """The first line of every page file: when Streamlit ran the file alone, hand over to app.py.

    A page runs alone only in a session whose first run was in the legacy mode, before app.py had
    registered its pages (a click on the legacy list, or an address naming a file). Then this run ends
    the legacy mode for the whole server, sends the browser to the page's own address with the same
    query (a shared link's setup), and stops. The browser opens a new session there, in the normal
    mode, so app.py runs it from its first run.
    """
    if st.session_state.get(FRAME_KEY):
        return
    from streamlit.runtime.pages_manager import PagesManager

    from ui import state

    state.init()  # nothing below may fail on a missing key
    # What st.navigation does first, without its page lookup (which would show "Page not found" here):
    # the next session on this server, the one this page reloads into, runs app.py from its first run.
    PagesManager.uses_pages_directory = False
    name = Path(page_file).name
    url_path = next((url for entries in SECTIONS.values() for file, _title, _icon, url in entries
                     if Path(file).name == name), "")
    # Replace the address's last part (the file's name) with the page's url_path; keep any base path.
    st.html(f"""<script>
        const base = window.location.pathname.replace(/[^/]*\\/?$/, "");
        window.location.replace(base + {json.dumps(url_path)} + window.location.search + window.location.hash);
    </script>""", unsafe_allow_javascript=True)
    st.stop()
