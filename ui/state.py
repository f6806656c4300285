"""Session state, set up in one place.

Every user's network, optimizer state and history live in ``st.session_state``
(one per browser session); nothing mutable is shared between sessions.
Pages read and write these keys; ``init()`` runs once per rerun from app.py.
"""

from __future__ import annotations

import streamlit as st

import nnlib

# The network the student builds on Step 1 and trains on Step 3. Only the hidden
# structure is chosen by the student; inputs and outputs follow the data set.
DEFAULT_SPEC = nnlib.NetworkSpec(n_in=2, hidden=(4, 4), n_out=2, activation="relu")

DEFAULTS = {
    # --- shared network setup (Step 1 builds it, Step 3 trains it; links carry it) ---
    "spec": DEFAULT_SPEC,          # nnlib.NetworkSpec: hidden sizes + activation
    "seed": 0,                     # seed for starting weights, data and shuffling
    "dataset": "circle",           # 'circle' | 'xor' | 'gaussian' | 'spiral' | 'digits'
    "noise": 0.1,                  # toy-set noise (standard deviation)
    "optimizer": "adam",           # 'gd' | 'sgd' | 'momentum' | 'adam'
    "learning_rate": 0.03,
    "batch_size": 16,
    "epochs": 200,
    # --- the student's own trained model (Step 3 writes it; Digits can use it) ---
    "model": None,                 # nnlib.Sequential or None
    "model_dataset": None,         # the data set the model was built for
    # --- notices to show once (e.g. a malformed shared link) ---
    "notices": [],
}


def init() -> None:
    """Create every missing key with its default (idempotent)."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            # Lists and dicts are copied so sessions never share one mutable default.
            st.session_state[key] = value.copy() if isinstance(value, (list, dict)) else value
