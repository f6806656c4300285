"""Shareable links, the Streamlit side: read a link once, keep the address bar current, offer the link.

Parsing and writing the query parameters is pure and lives in :mod:`services.links`.
"""

from __future__ import annotations

import streamlit as st

import i18n
from i18n import _
from services.links import PARAMS, decode, encode, share_url
from ui import language, state


def apply_once() -> None:
    """On a session's first run, copy a shared link's settings into session state."""
    if st.session_state["links_applied"]:
        return
    st.session_state["links_applied"] = True
    try:
        query = st.query_params.to_dict()
    except Exception:
        query = {}
    if not any(param in query for param in PARAMS):
        return
    # The notices are written in the session's language, chosen first: the link's own, else the browser's.
    chosen = i18n.normalize(query.get("lang"))
    if chosen is not None:
        st.session_state[language.LANG_KEY] = chosen
    language.init()
    settings, notices = decode(query, state.DEFAULTS)
    settings["lang"] = st.session_state[language.LANG_KEY]  # a bad lang in the link keeps the chosen one
    st.session_state.update(settings)
    st.session_state["notices"].extend(notices)


def sync() -> None:
    """Write the session's setup into the address bar when it changed (other parameters are kept)."""
    try:
        wanted = encode(st.session_state)
        current = st.query_params.to_dict()
        changed = {k: v for k, v in wanted.items() if current.get(k) != v}
        if changed:
            st.query_params.update(changed)
    except Exception:  # the address bar is a convenience; it must never break a page
        pass


SHARE_OPEN = "share_open"  # the share box's expander: True while it is open


def is_stale() -> bool:
    """True when the setup changed since the share box was drawn (see :func:`follow`)."""
    try:
        return encode(st.session_state) != st.session_state.get("shared_setup")
    except Exception:  # a setup that cannot be encoded is the full run's to report
        return False


def follow() -> None:
    """For a fragment that changed the setup in a rerun of its own (Step 3's playground).

    The address bar follows at once (the query parameters can be set from a fragment). The sidebar's share
    box is app.py's, drawn in full runs only: while it is folded it holds no link (opening it reruns the
    whole app, which draws the link anew); while it is open and shows an old link, the whole app reruns now.
    So a control change costs a full rerun only when the student is looking at the link.
    """
    sync()
    if st.session_state.get(SHARE_OPEN) and is_stale():
        st.rerun()


def share_box(container) -> None:
    """A "Copy link" control: the link in a code box, whose corner button copies it."""
    # Opening the box reruns the app, which draws the link of that moment; a folded box holds no link, so
    # it can never show an old one (a fragment's rerun cannot redraw the sidebar).
    with container.expander(_("Share this setup"), expanded=False, icon=":material/link:", key=SHARE_OPEN,
                            on_change="rerun"):
        if not st.session_state.get(SHARE_OPEN):
            return
        url = share_url(st.context.url, st.session_state)
        st.session_state["shared_setup"] = encode(st.session_state)  # what the box shows (see is_stale)
        st.code(url, language=None, wrap_lines=True)
        st.caption(_("Copy the link with the button in the box's corner. Whoever opens it gets the same "
                     "network, data, optimizer and seed, so the same training run, in the same language."))
