"""One way for a widget to keep its value while the student visits other pages.

Streamlit forgets a widget's own key when a page without that widget runs. So the value lives in
session state under a name declared in ui/state.py, and the widget mirrors it:

    st.slider("Pen width (pixels)", 6, 40, step=2, **persistent("digits_pen"))

``persistent`` gives the widget its key, sets it from the stored value whenever the two differ (the
first time the widget is made on a visit, or after a button, a shared link or a loaded file changed
the stored value), and writes the student's changes back. Give such a widget no ``value=``,
``index=`` or ``default=``: its value comes from session state.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui import language

_MISSING = object()


def persistent(name: str, key: str | None = None, *, part: int | None = None, options: Sequence | None = None,
               show: Callable[[Any], Any] | None = None,
               keep: Callable[[Any, Any], Any] | None = None) -> dict[str, Any]:
    """Keyword arguments (``key``, ``on_change``, ``args``) for a widget whose value is session_state[name].

    key: the widget's own key, ``f"{name}_widget"`` unless given (tests and links may name it).
    part: the widget shows item ``part`` of the tuple session_state[name] (one of several inputs).
    options: the widget's options; a stored value between them (from a shared link) snaps to the
        nearest one, on a log scale as the stops of a learning-rate slider are, and is stored so.
    show, keep: for a widget that shows the value differently: ``show(stored)`` is the widget's
        value, ``keep(widget value, stored)`` the new stored value (e.g. a 1-based class).
    """
    key = key or f"{name}_widget"
    if part is not None:
        def show(stored, i=part):
            return stored[i]

        def keep(value, stored, i=part):
            return (*stored[:i], value, *stored[i + 1:])
    stored = st.session_state[name]
    if options is not None and stored not in options:
        stored = st.session_state[name] = nearest(options, stored)
    shown = show(stored) if show else stored
    if st.session_state.get(key, _MISSING) != shown or language.just_switched():
        st.session_state[key] = shown  # after a language switch: so the browser shows the new label
    return {"key": key, "on_change": _write_back, "args": (name, key, keep)}


def relabel(key: str) -> None:
    """Before a keyed choice widget with translated labels that is not :func:`persistent`: after a
    language switch, set its value again, or the browser would go on showing the old language's label."""
    if language.just_switched() and key in st.session_state:
        st.session_state[key] = st.session_state[key]


def _write_back(name: str, key: str, keep) -> None:
    value = st.session_state[key]
    st.session_state[name] = keep(value, st.session_state[name]) if keep else value


def nearest(options: Sequence, value):
    """The option closest to ``value``: by ratio (log scale) for a positive number, else the first option."""
    if isinstance(value, (int, float)) and value > 0 and all(isinstance(o, (int, float)) and o > 0 for o in options):
        return min(options, key=lambda o: abs(math.log(o / value)))
    return options[0]
