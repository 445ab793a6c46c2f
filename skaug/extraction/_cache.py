"""Features cached on disk, keyed by what they depend on: the inputs' contents and the
extractor (its backbones, their weights, the preprocessing), so that a second run on the
same images or texts starts at once and a changed file is never served stale features.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np


def default_cache_dir():
    """The per-user cache folder: ``$XDG_CACHE_HOME/skaug`` (``~/.cache/skaug``)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "skaug" / "features"


def _file_digest(path, block=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(block):
            digest.update(chunk)
    return digest.hexdigest()


def inputs_digest(inputs):
    """A digest of the inputs' contents: each file's bytes (not its name or time), or each
    text, in order."""
    digest = hashlib.sha256()
    for item in inputs:
        if isinstance(item, (os.PathLike,)) or isinstance(item, str) and os.path.isfile(item):
            digest.update(b"file:" + _file_digest(item).encode())
        else:
            digest.update(b"text:" + str(item).encode("utf-8") + b"\0")
    return digest.hexdigest()


def extractor_digest(extractor):
    """A digest of what the features depend on besides the inputs: the fitted extractor's
    parameters (not the ones that change speed only) and its weights (``weights_``, with a
    digest of any weights file)."""
    params = extractor.get_params()
    params = {k: v for k, v in params.items()
              if k not in ("batch_size", "device", "memory", "num_workers", "verbose")}
    described = [str(params[k]) for k in sorted(params)] + list(extractor.weights_)
    for spec in (params["weights"] if isinstance(params["weights"], (list, tuple))
                 else [params["weights"]]):
        if isinstance(spec, (str, os.PathLike)) and os.path.isfile(spec):
            described.append(_file_digest(spec))
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()


def cached_transform(extractor, inputs, cache_dir):
    """``extractor.transform(inputs)`` (a fitted extractor), from ``cache_dir`` when the same
    inputs went through the same extractor before: ``(features, hit)``."""
    cache_dir = Path(cache_dir)
    key = hashlib.sha256((inputs_digest(inputs) + extractor_digest(extractor)).encode())
    path = cache_dir / f"{key.hexdigest()}.npy"
    if path.is_file():
        try:
            features = np.load(path)
        except (OSError, ValueError):  # a damaged entry: extracted again below
            features = None
        if features is not None and features.shape == (len(inputs), extractor.n_features_out_):
            return features, True
    features = extractor.transform(inputs)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, features)
    os.replace(tmp, path)
    return features, False
