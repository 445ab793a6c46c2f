"""skaug: feature-space data augmentation as scikit-learn estimators."""

from ._iada import IADAClassifier
from ._saflex import SAflexClassifier
from ._sea import SeAClassifier
from .augmenters import CutMix, GaussianNoise, Mixup
from .exceptions import DivergenceError
from .extraction import DeepFeatureExtractor

__version__ = "0.1.0"

__all__ = [
    "CutMix",
    "DeepFeatureExtractor",
    "DivergenceError",
    "GaussianNoise",
    "IADAClassifier",
    "Mixup",
    "SAflexClassifier",
    "SeAClassifier",
    "__version__",
]
