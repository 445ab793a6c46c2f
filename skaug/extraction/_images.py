"""Image inputs of DeepFeatureExtractor: arrays, PIL images and files, in batches.

Two kinds of image input:

- a 4-d array of images of one size (``"array"``): uint8 or any integer dtype
  holding 0–255 values, (N, H, W, C); or floats in [0, 1], (N, C, H, W).
  Batches are slices of it;
- a list of images (``"images"``: PIL images or per-image arrays, (H, W) or
  (H, W, C) as ``np.asarray(pil_image)`` gives them; ``"str"``: file paths),
  of any sizes. Each is decoded to a float (C, H, W) tensor in [0, 1] and,
  when the backbone has a fixed input geometry, brought to it on its own
  (:meth:`skaug.extraction._loading._Preprocess.geometry`), so that the batch
  can be stacked; otherwise the batch is forwarded in groups of one size.

C is 1 (grey), 3 (RGB) or 4 (RGBA). A backbone that takes RGB images (every
named one) gets grey images repeated to three channels and RGBA images
without their alpha channel (as PIL's ``convert("RGB")`` does).
"""

import os
from pathlib import Path

import numpy as np
import torch

_CHANNELS = (1, 3, 4)


def _input_kind(X):
    """'array' (4-d array), 'images' (PIL images or per-image arrays), 'str' (paths or
    texts) — or a clear error."""
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
            elif X.ndim == 3:
                hint = (" For one image, add the batch axis: X[None]; for images of different "
                        "sizes, pass a list of (H, W, C) arrays.")
            raise ValueError(
                f"Image arrays must be 4-d: integers in 0–255 (N, H, W, C) or floats in [0, 1] "
                f"(N, C, H, W); got shape {X.shape}.{hint}"
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
        elif hasattr(item, "convert") and hasattr(item, "size") or isinstance(item, np.ndarray):
            kinds.add("images")
        else:
            raise ValueError(
                f"Unsupported input of type {type(item).__name__}: pass an image array, "
                "a list of PIL images or image arrays, a list of image file paths or a list "
                "of strings."
            )
    if len(kinds) > 1:
        raise ValueError("Mixed input types: pass only images (PIL images or arrays), or only "
                         "paths/strings.")
    return kinds.pop()


def _integer_images(chunk, where):
    """An integer tensor of 0–255 values as uint8, or a clear error."""
    if chunk.dtype == torch.uint8:
        return chunk
    if chunk.dtype == torch.bool or chunk.is_floating_point() or chunk.is_complex():
        raise ValueError(f"{where}: images must be integers in 0–255 or floats in [0, 1], got "
                        f"{chunk.dtype}.")
    low, high = int(chunk.min()), int(chunk.max())
    if low < 0 or high > 255:
        raise ValueError(f"{where}: integer images must hold values in 0–255, got [{low}, "
                         f"{high}]. Rescale them to 0–255, or pass floats in [0, 1].")
    return chunk.to(torch.uint8)


def _array_batches(X, batch_size):
    """(B, C, H, W) batches of a 4-d image array: uint8, or floats checked to be in [0, 1]."""
    for start in range(0, len(X), batch_size):
        chunk = torch.from_numpy(np.ascontiguousarray(X[start : start + batch_size]))
        if not chunk.is_floating_point():
            chunk = _integer_images(chunk, f"images {start}–{start + len(chunk) - 1}")
            if chunk.shape[-1] not in _CHANNELS:
                raise ValueError(
                    f"integer image arrays must be (N, H, W, C) with C = 1, 3 or 4; got "
                    f"{tuple(X.shape)}."
                )
            chunk = chunk.permute(0, 3, 1, 2)
        else:
            if chunk.shape[1] not in _CHANNELS:
                raise ValueError(
                    f"float image arrays must be (N, C, H, W) with C = 1, 3 or 4; got "
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


def to_rgb(batch):
    """(B, C, H, W) with C = 1, 3 or 4 → RGB: grey repeated, alpha dropped."""
    if batch.shape[1] == 1:
        return batch.expand(-1, 3, -1, -1)
    if batch.shape[1] == 4:
        return batch[:, :3]
    return batch


def _to_unit_float(batch):
    return batch.float().div_(255) if batch.dtype == torch.uint8 else batch.float()


def _image_array(item, i):
    """One (H, W) or (H, W, C) image array as a float (1, C, H, W) tensor in [0, 1]."""
    a = np.asarray(item)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in _CHANNELS:
        raise ValueError(f"Image {i} has shape {item.shape}: an image array is (H, W) or "
                         "(H, W, C) with C = 1, 3 or 4 (the layout of np.asarray(pil_image)).")
    if 0 in a.shape:
        raise ValueError(f"Image {i} has shape {item.shape}: images need at least 1×1 pixel.")
    tensor = torch.from_numpy(np.ascontiguousarray(a)).permute(2, 0, 1)[None]
    if tensor.is_floating_point():
        _check_float_images(tensor.float(), i)
        return tensor.float()
    return _to_unit_float(_integer_images(tensor, f"image {i}"))


class _ImageItems(torch.utils.data.Dataset):
    """Decodes images (files, PIL objects or arrays) to float (C, H, W) tensors in [0, 1].

    ``pre`` (a backbone's :class:`~skaug.extraction._loading._Preprocess`, or None)
    brings each image to the backbone's input geometry on its own when the
    backbone has one; ``rgb`` converts grey and RGBA images to RGB.
    """

    def __init__(self, items, pre=None, rgb=True):
        self.items, self.pre, self.rgb = items, pre, rgb

    def __len__(self):
        return len(self.items)

    def _decode(self, i):
        from PIL import Image

        item = self.items[i]
        if isinstance(item, np.ndarray):
            return _image_array(item, i)
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
        return _to_unit_float(torch.from_numpy(np.asarray(img).copy()).permute(2, 0, 1)[None])

    def __getitem__(self, i):
        x = self._decode(i)
        if self.rgb:
            x = to_rgb(x)
        if self.pre is not None and self.pre.crop is not None:
            x = self.pre.geometry(x)
        return x[0]


def group_by_size(images):
    """``[(indices, (B, C, H, W) batch), ...]``: the images of a list, stacked by size."""
    groups = {}
    for i, image in enumerate(images):
        groups.setdefault(tuple(image.shape), []).append(i)
    return [(idx, torch.stack([images[i] for i in idx])) for idx in groups.values()]
