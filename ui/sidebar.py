"""The sidebar: where the app computes, the share box's place, and saving or loading a model.

Whether an uploaded file is accepted is decided in :mod:`services.model_files`, without Streamlit.
"""

from __future__ import annotations

import streamlit as st

from i18n import _
from nnlib import serialization
from services import limits
from services.model_files import MAX_UPLOAD_MB, apply_upload, setup_meta
from ui.safe_text import plain

UPLOAD_KEY = "model_upload"


def _on_upload() -> None:
    """Runs once when a new file is chosen (or removed) in the uploader."""
    uploaded = st.session_state.get(UPLOAD_KEY)
    if uploaded is None:  # the file was removed from the uploader
        st.session_state["model_io_message"] = None
        return
    apply_upload(st.session_state, uploaded.name, uploaded.getvalue())


def model_files() -> None:
    """The sidebar expander: download the current model, upload one back."""
    model = st.session_state["model"]
    with st.sidebar.expander(_("Save or load a model"), expanded=False, icon=":material/save:"):
        if model is None:
            st.caption(_("Train a network on Step 3, then download it here as an .npz file."))
        else:
            snapshot = model.copy()  # training may go on while the file is being written
            setup = st.session_state["model_setup"]
            meta = setup_meta(setup) if setup is not None else None  # the file knows its data set and setup
            st.download_button(
                _("Download the model (.npz)"), data=lambda: serialization.to_bytes(snapshot, meta=meta),
                file_name=f"nnlib-{st.session_state['model_dataset'] or 'model'}.npz",
                mime="application/octet-stream", key="model_download", on_click="ignore",
                help=_("{sizes}: {n} parameters").format(sizes=" → ".join(map(str, model.sizes())),
                                                          n=f"{model.count_params():,}"))
        st.file_uploader(
            _("Upload a model (.npz)"), type=["npz"], key=UPLOAD_KEY, on_change=_on_upload,
            max_upload_size=MAX_UPLOAD_MB,
            help=_("A file saved by this app or nnlib.save: numbers only (no pickles), at most {mb} MB and "
                   "{n} parameters.").format(mb=MAX_UPLOAD_MB, n=f"{limits.MAX_PARAMS:,}"))
        message = st.session_state["model_io_message"]
        if message:
            kind, text = message
            (st.success if kind == "success" else st.error)(plain(text))
