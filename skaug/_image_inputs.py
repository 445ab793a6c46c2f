"""Image inputs of DeepFeatureExtractor: arrays, PIL images and files, in batches."""

import os
from pathlib import Path

import numpy as np
import torch

def _input_kind(X):
    """'array' (4-d array), 'pil', 'path' or 'text' — or a clear error."""
    if X is None:
        raise ValueError("DeepFeatureExtractor got None: pass images (an array, PIL images or "
                         "file paths) or texts.")
    if isinstance(X, (str, bytes, os.PathLike)):
        raise ValueError(f"DeepFeatureExtractor needs a list of inputs, got one {type(X).__name__}"
                         f": wrap it in a list, [{X!r}].")
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim != 4:
            hint = ""
            side = int(round((X.shape[-1] / 3) ** 0.5)) if X.ndim == 2 else 0
            if X.ndim == 2 and side > 0 and 3 * side * side == X.shape[1]:
                hint = (f" A ({X.shape[0]}, {X.shape[1]}) array looks like flattened "
                        f"{side}×{side} RGB images: reshape it, e.g. "
                        f"X.reshape(-1, {side}, {side}, 3) for rows stored pixel by pixel, or "
                        f"X.reshape(-1, 3, {side}, {side}).transpose(0, 2, 3, 1) for rows stored "
                        "channel by channel (as in CIFAR-10's files).")
            raise ValueError(
                f"Image arrays must be 4-d: uint8 (N, H, W, C) or float (N, C, H, W) in [0, 1]; "
                f"got shape {X.shape}.{hint}"
            )
        if 0 in X.shape[1:]:
            raise ValueError(f"Image arrays need images of at least 1×1 pixel; got shape "
                             f"{X.shape}.")
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
        else:
            if chunk.shape[1] not in (1, 3):
                raise ValueError(
                    f"float image arrays must be (N, C, H, W) with C = 1 or 3; got "
                    f"{tuple(X.shape)}."
                )
            _check_float_images(chunk, start)
        yield chunk


def _check_float_images(chunk, start):
    """Float images must be finite and in [0, 1] (what the backbones' normalisation expects)."""
    finite = torch.isfinite(chunk).flatten(1).all(dim=1)
    if not finite.all():
        bad = start + int(torch.nonzero(~finite)[0])
        raise ValueError(f"Image {bad} of the array holds NaN or infinite values; its features "
                         "would be NaN. Fix or drop it.")
    low, high = float(chunk.min()), float(chunk.max())
    if low < 0 or high > 1:
        hint = (" They look like 0–255 values: pass X.astype(np.uint8) (N, H, W, C), or X / 255."
                if high > 1.5 else "")
        raise ValueError(f"Float image arrays must hold values in [0, 1]; images {start}–"
                         f"{start + len(chunk) - 1} range over [{low:g}, {high:g}].{hint} The "
                         "backbone's own normalisation (mean/std) is applied by the extractor.")


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
            try:
                with Image.open(item) as img:
                    img = img.convert("RGB")
            except (OSError, SyntaxError, ValueError) as exc:  # not an image, truncated, ...
                raise ValueError(f"Cannot read image file {str(item)!r}: {exc}. Check that it "
                                 "is a complete image (JPEG, PNG, ...).") from exc
        else:
            img = item.convert("RGB")
        if min(img.size) == 0:
            what = repr(str(item)) if isinstance(item, (str, os.PathLike)) else f"{i}"
            raise ValueError(f"Image {what} has size {img.size[0]}×{img.size[1]}: images need at "
                             "least 1×1 pixel.")
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
