"""skaug: feature-space data augmentation as scikit-learn estimators."""

from ._iada import IADAClassifier
from ._sea import SeAClassifier
from .exceptions import DivergenceError
from .extraction import DeepFeatureExtractor

__version__ = "0.1.0"

__all__ = ["DeepFeatureExtractor", "IADAClassifier", "SeAClassifier", "DivergenceError", "__version__"]
