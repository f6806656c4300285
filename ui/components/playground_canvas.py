"""Step 3's live pictures on canvases of their own: one Streamlit custom component (``st.components.v2``)
with two kinds, drawn by ``playground_canvas.js``:

* :func:`network_canvas`: the network (:func:`ui.views.playground_network.network_picture`'s data), with
  each neuron's and link's values on hover. With ``on_weight`` given, a click on a link opens a box for
  its weight; the number typed there comes back as the trigger ``weight``, ``{"layer": c, "source": j,
  "target": k, "value": v}`` for nnlib's ``model.layers[c]`` ``W[k, j]`` (read it with :func:`edited_weight`).
* :func:`plane_canvas`: the network's output over the plane with the data points
  (:func:`ui.views.live_charts.plane_picture`'s data), with the values on hover.

Each picture is painted in one pass, its images as raw RGB bytes (nothing to decode, so no frame without
them). A component keeps its canvas from one redraw to the next: Streamlit gives it its identity from ``key``
alone, so new data repaints the same element.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st

from i18n import _

_HERE = Path(__file__).parent
# Registered once per process under one name; Streamlit registers it again on a runtime that lacks it (AppTest).
_COMPONENT = st.components.v2.component(
    "playground_canvas", js=(_HERE / "playground_canvas.js").read_text(encoding="utf-8"),
    css=(_HERE / "playground_canvas.css").read_text(encoding="utf-8"), isolate_styles=False)


def network_canvas(picture: dict, *, key: str, alt: str, on_weight: Callable[[], None] | None = None) -> None:
    """Draw the network ``picture``; ``on_weight`` runs when the student sets a link's weight."""
    texts = {"neuron": _("neuron"), "weight": _("weight"), "lowest": _("lowest"), "highest": _("highest"),
             "click": _("Click to change this weight."), "edit": _("type a weight, then press Enter")}
    data = {**picture, "kind": "network", "alt": alt, "texts": texts, "editable": on_weight is not None}
    _COMPONENT(key=key, data=data, width="stretch", **({"on_weight_change": on_weight} if on_weight else {}))


def plane_canvas(picture: dict, *, key: str, alt: str) -> None:
    """Draw the plane ``picture`` (its texts come with it, in the session's language)."""
    _COMPONENT(key=key, data={**picture, "kind": "plane", "alt": alt, "editable": False}, width="content")


def edited_weight(key: str) -> dict | None:
    """The weight the student set on the network canvas ``key`` in this run, or None."""
    result = st.session_state.get(key)
    return result.get("weight") if result is not None else None
