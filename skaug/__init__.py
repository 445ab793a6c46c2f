"""skaug: feature-space data augmentation as scikit-learn estimators."""

from ._iada import IADAClassifier
from ._idaa import IDAAClassifier
from ._saflex import SAflexClassifier
from ._sea import SeAClassifier
from .augmenters import IDAA, CutMix, GaussianNoise, Mixup
from .exceptions import DivergenceError
from .extraction import DeepFeatureExtractor

__version__ = "0.1.0"

__all__ = [
    "CutMix",
    "DeepFeatureExtractor",
    "DivergenceError",
    "GaussianNoise",
    "IADAClassifier",
    "IDAA",
    "IDAAClassifier",
    "Mixup",
    "SAflexClassifier",
    "SeAClassifier",
    "__version__",
]
