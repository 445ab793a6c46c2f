"""Deep features of frozen pretrained backbones: :class:`DeepFeatureExtractor`.

- :mod:`._extractor` — the scikit-learn transformer;
- :mod:`._loading` — named backbones, their weights and preprocessing, a bounded cache;
- :mod:`._images` — image inputs (arrays, PIL images, files; any size);
- :mod:`._text` — sentence-transformers text backbones;
- :mod:`.backbones` — architectures written in skaug (the CIFAR ResNets);
- :mod:`._folders` — a folder of labelled images (one subfolder per class);
- :mod:`._cache` — features cached on disk, keyed by the inputs' contents and the extractor;
- :mod:`._distributed` — extraction spread over a Dask cluster.
"""

from ._cache import cached_transform, default_cache_dir
from ._distributed import transform_on_cluster
from ._extractor import DeepFeatureExtractor
from ._folders import IMAGE_SUFFIXES, image_folder
from ._loading import IMAGENET_MEAN, IMAGENET_STD, clear_model_cache

__all__ = ["DeepFeatureExtractor", "IMAGENET_MEAN", "IMAGENET_STD", "IMAGE_SUFFIXES",
           "cached_transform", "clear_model_cache", "default_cache_dir", "image_folder",
           "transform_on_cluster"]
