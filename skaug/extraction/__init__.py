"""Deep features of frozen pretrained backbones: :class:`DeepFeatureExtractor`.

- :mod:`._extractor` — the scikit-learn transformer;
- :mod:`._loading` — named backbones, their weights and preprocessing, a bounded cache;
- :mod:`._images` — image inputs (arrays, PIL images, files; any size);
- :mod:`._text` — sentence-transformers text backbones;
- :mod:`.backbones` — architectures written in skaug (the CIFAR ResNets).
"""

from ._extractor import DeepFeatureExtractor
from ._loading import IMAGENET_MEAN, IMAGENET_STD, clear_model_cache

__all__ = ["DeepFeatureExtractor", "IMAGENET_MEAN", "IMAGENET_STD", "clear_model_cache"]
