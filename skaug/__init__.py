"""skaug: feature-space data augmentation as scikit-learn estimators."""

from ._iada import IADAClassifier
from ._sea import SeAClassifier
from .exceptions import DivergenceError

__version__ = "0.1.0"

__all__ = ["IADAClassifier", "SeAClassifier", "DivergenceError", "__version__"]
