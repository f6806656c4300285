"""User-supplied text (a file's name, a value from a link) shown as plain text, never as Markdown.

``st.error``, ``st.success``, ``st.caption`` and friends render Markdown: a file named
``![t](http://host/x.png).npz`` would make every viewer's browser fetch that address, and
``[click me](url).npz`` would become a link. :func:`plain` escapes every character that
Markdown, Streamlit's ``:icon:`` shortcodes, ``$…$`` LaTeX or HTML would act on, so the
text shows exactly as it was received.
"""

from __future__ import annotations

import re

# CommonMark lets any ASCII punctuation be escaped with a backslash; ':' stops
# Streamlit's emoji and icon shortcodes, '$' its LaTeX. Newlines would start new blocks.
_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&=\"'])")


def plain(text: str, max_chars: int = 200) -> str:
    """``text`` escaped for a Markdown element, cut to ``max_chars`` characters (with an ellipsis)."""
    text = str(text)
    if len(text) > max_chars:
        text = text[:max_chars] + "…"
    text = " ".join(text.split())  # no line breaks, tabs or runs of spaces
    return _ACTIVE.sub(r"\\\1", text)
