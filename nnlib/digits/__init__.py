"""Reading handwritten digits: preprocessing, the default model, reading and teaching.

>>> from nnlib import digits
>>> x = digits.preprocess(rgba)          # (H, W, 4) or (H, W) uint8 → (256,) float32, or None
>>> model = digits.default_model()       # 256 → 512 → 10, trained weights shipped in nnlib/data
>>> digits.read(model, x).digit

The page ``pages/digits.py`` and the command line ``python -m nnlib.digits``
use exactly these functions. Nothing here imports Streamlit or an HTTP client;
Pillow is imported only where an image file is decoded (:mod:`nnlib.digits.images`).
The full 70,000-digit MNIST download is the app's (``services/mnist.py``).
The errors a user can cause are :class:`ExplainedError` (a ValueError): an English
template and its values, which an application translates with its own gettext.
"""

from .errors import ExplainedError
from .evaluation import Report, confusion_matrix, report
from .images import ImageError, load_image
from .model import DEFAULT_CONFIG, TrainingConfig, default_model, train_digit_model
from .preprocessing import Stages, preprocess, preprocess_stages
from .reading import Reading, TeachResult, cross_entropy, read, reading_from, teach

__all__ = [
    "preprocess", "preprocess_stages", "Stages", "default_model", "train_digit_model", "TrainingConfig",
    "DEFAULT_CONFIG", "read", "reading_from", "Reading", "teach", "TeachResult", "cross_entropy",
    "load_image", "ImageError", "ExplainedError", "report", "Report", "confusion_matrix",
]
