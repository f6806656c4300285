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
    "optimizer": "gd",             # 'gd' (the lecture's gradient descent) | 'sgd' | 'momentum' | 'adam'
    "learning_rate": 1.0,          # gd: 98 % on circle, 95.5 % on xor in 500 epochs (services/training.GOOD_RATES)
    "batch_size": 16,              # used by sgd, momentum and adam (gd takes every example)
    "epochs": 500,                 # services/limits.MAX_EPOCHS; gd takes one step per epoch
    "features": ("x1", "x2"),      # Step 3: the 2-D sets' input features (lessons.features)
    "regularization": "none",      # Step 3: 'none' | 'L1' | 'L2'
    "reg_rate": 0.003,             # Step 3: the regularisation's λ (used when it is not 'none')
    "train_percent": 50,           # Step 3: the 2-D sets' share of training points (%)
    "show_test": False,            # Step 3: draw the test points on the output picture
    "discretize": False,           # Step 3: draw the output as the class it decides (or rounded values)
    "train_notice": None,          # Step 3: a one-time notice (a loaded model, a preset applied)
    # --- the student's own trained model (Step 3 writes it; Digits can use it) ---
    "model": None,                 # nnlib.Sequential or None
    "model_dataset": None,         # the data set the model was built for
    "model_setup": None,           # services.training.RunSettings it was trained with (saved into its file)
    "train_run": None,             # Step 3: services.training.TrainingRun (model, trainer, history, Start/Pause flag)
    # --- Step 1 and Step 2 lessons (pages keep their widgets' values here across page changes) ---
    "lecture_x": (1.0, -1.0),      # the input (x1, x2) fed to the slide network
    "lecture_params": None,        # the student's edited slide weights [W1, b1, ...]; None = the slide's
    "function_seed": 0,            # Step 1 "new draw": seed of the first random θ in the function set
    "build_error": None,           # Step 1: why the last network asked for could not be built (shown once)
    "softmax_z": (3.0, 1.0, -3.0),  # Step 2 softmax input z (the lecture's example)
    "ce_target": 0,                # Step 2 true class (0-based) for the one-example cross-entropy
    # --- the session's language (ui/language.py): "en" | "zh"; None until the first run chooses ---
    "lang": None,
    # --- notices to show once (e.g. a malformed shared link) ---
    "notices": [],
    # --- shareable links, saved models, Deep or fat? (services/links.py, services/model_files.py) ---
    "links_applied": False,        # the URL's query parameters were read once for this session
    "shared_setup": None,          # the setup (as link parameters) that the sidebar's share box shows
    "full_run": False,             # True while app.py runs the page (False in a fragment's own reruns)
    "model_io_message": None,      # (kind, text) after the last model upload: 'success' | 'error'
    "deep_fat_run": None,          # lessons.deep_or_fat.DeepFatRun: the Deep-or-fat experiment, or None
    "dof_wins_k": 6,               # Deep or fat?, where depth wins: folds k of the sawtooth (2^(k−1) teeth)
    "dof_wins_seed": 0,            # its first random start
    "depth_wins_run": None,        # ui.sections.deep_or_fat_run.StepRun of lessons.depth_wins, or None
    "depth_hurts_run": None,       # ui.sections.deep_or_fat_run.StepRun of lessons.depth_hurts, or None
    # --- Draw a digit (pages/digits.py) ---
    "digits_source": "draw",       # "draw" | "photo" (the input's code; its label is translated)
    "digits_pen": 18,              # canvas pen width in pixels
    "digits_canvas_version": 0,    # part of the canvas key: Clear bumps it, which empties the canvas
    "digits_model_choice": "default",  # 'default' | 'full' (retrained on MNIST) | 'step3' (the student's)
    "digits_teach_lr": 0.01,       # learning rate η of the one-example gradient step
    "digits_taught": None,         # {"source", "model": the student's own copy, "steps"} or None
    "digits_teach_result": None,   # (input fingerprint, TeachResult, test accuracy before, after) or None
    "digits_mnist_job": None,      # services.mnist.FullMnistJob: the full-MNIST download and retraining, or None
}


def init() -> None:
    """Create every missing key with its default (idempotent)."""
    for key, value in DEFAULTS.items():
        if key not in st.session_state:
            # Lists and dicts are copied so sessions never share one mutable default.
            st.session_state[key] = value.copy() if isinstance(value, (list, dict)) else value
