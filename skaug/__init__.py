"""skaug: feature-space data augmentation as scikit-learn estimators.

The public names below are imported on first use, so that ``import skaug``
(and ``skaug --help``) does not import torch until an estimator is needed.
"""

import importlib

_PUBLIC = {
    "CutMix": ".augmenters",
    "DeepFeatureExtractor": ".extraction",
    "DivergenceError": ".exceptions",
    "GaussianNoise": ".augmenters",
    "IADAClassifier": "._iada",
    "IDAA": ".augmenters",
    "IDAAClassifier": "._idaa",
    "Mixup": ".augmenters",
    "SAflexClassifier": "._saflex",
    "SeAClassifier": "._sea",
}

from ._version import __version__  # noqa: F401 (public, in __all__)

_PUBLIC["show_versions"] = "._show_versions"

__all__ = sorted([*_PUBLIC, "__version__"])


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skaug' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_PUBLIC})
