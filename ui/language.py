"""The session's language on the Streamlit side: where it comes from, and the 中文 / English switch.

The texts and catalogs are :mod:`i18n`'s (no Streamlit there). This module tells :mod:`i18n` to read each
session's language from that session's own state, so two students on one server, one in each language,
never see each other's. The language is chosen, in this order, by:

1. the ``lang`` parameter of a shared link (read with the rest of the link's setup, ``ui.share``);
2. on a session's first run, the browser's language (``st.context.locale``): Chinese for ``zh-*``;
3. English.

The switch sits at the top of every page (on a phone too, where the sidebar is folded away). Changing
it reruns the page in the other language and keeps everything else: the network, a training run, a
drawn digit all live in session state under keys that do not depend on the language.
"""

from __future__ import annotations

import json

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import i18n
from i18n import _

LANG_KEY = "lang"            # session state: "en" | "zh" (None until the first run has chosen)
SWITCH_KEY = "lang_switch"   # the switch widget (class "st-key-lang_switch" in the browser)
SWITCHED_KEY = "lang_switched"  # True during the run that follows a click on the switch

# In the page's header bar, left of Streamlit's menu: out of the page's flow, so it takes no height from
# the page (Step 3's playground fits one 1280×800 screen), and on a phone it stays on screen (the
# sidebar, and the menu in it, is folded away there).
_SWITCH_CSS = """<style>
.st-key-lang_bar { position: fixed; top: 0.75rem; right: 3.75rem; z-index: 999991; width: auto; }
.st-key-lang_bar [data-testid="stButtonGroup"] button { min-height: 2rem; padding: 0 0.7rem; }
</style>"""


def _framework_words() -> str:
    """CSS that shows Streamlit's own button word on file uploaders in the session's language.

    Streamlit's frontend has no translations: its uploaders say "Upload" in every app. The word is
    replaced on screen (the size line, e.g. "20MB per file • NPZ", stays as Streamlit writes it).
    """
    word = _("Upload")
    if word == "Upload":
        return ""
    return ("<style>[data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] p "
            "{ font-size: 0; } [data-testid='stFileUploaderDropzone'] button [data-testid='stMarkdownContainer'] "
            f"p::after {{ content: {json.dumps(word, ensure_ascii=False)}; font-size: 0.875rem; }}</style>")


def _session_language() -> str | None:
    """The language in this thread's session state (None outside a session's script run)."""
    if get_script_run_ctx(suppress_warning=True) is None:
        return None
    return st.session_state.get(LANG_KEY)


i18n.set_language_source(_session_language)  # once per process; the value read is per session


def init() -> None:
    """Choose the session's language on its first run (after a shared link's ``lang`` was applied)."""
    if i18n.normalize(st.session_state.get(LANG_KEY)) is not None:
        return
    try:
        browser = st.context.locale
    except Exception:  # no browser (a test harness): English
        browser = None
    st.session_state[LANG_KEY] = i18n.normalize(browser) or i18n.DEFAULT


def _on_switch() -> None:
    chosen = i18n.normalize(st.session_state.get(SWITCH_KEY))
    if chosen is not None:  # a click on the language already chosen deselects it: keep that language
        st.session_state[LANG_KEY] = chosen
        st.session_state[SWITCHED_KEY] = True


def just_switched() -> bool:
    """True in the run right after the student changed the language (app.py clears it after the page).

    Streamlit keeps a choice widget's value across the switch, but the browser would go on showing the
    old language's label until the value is set again from the script: ``ui.widgets`` does that then.
    """
    return bool(st.session_state.get(SWITCHED_KEY))


def end_of_run() -> None:
    """Called by app.py after the page ran: the labels have been redrawn in the new language."""
    st.session_state[SWITCHED_KEY] = False


def switch() -> None:
    """The 中文 / English switch, right-aligned at the top of the page."""
    current = i18n.current()
    st.session_state[SWITCH_KEY] = current  # follows a link or the browser, and undoes a deselection
    with st.container(key="lang_bar"):
        st.segmented_control(
            _("Language"), options=tuple(i18n.LANGUAGES), format_func=i18n.LANGUAGES.get, key=SWITCH_KEY,
            on_change=_on_switch, label_visibility="collapsed",
            help=_("中文 / English: the whole app in either language; your network, training and drawing stay "
                   "as they are"))
        st.html(_SWITCH_CSS + _framework_words())
