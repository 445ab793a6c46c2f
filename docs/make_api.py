"""Write ``docs/api.md``, the API reference, from the numpydoc docstrings.

``python docs/make_api.py`` regenerates it; ``tests/test_docs.py`` checks
that the committed file is up to date.
"""

import inspect
import sys
from pathlib import Path

import skaug
import skaug.compare
import skaug.datasets
import skaug.persistence
import skaug.samplers
import skaug.plot

SECTIONS = {
    "Classifiers": ["SeAClassifier", "IADAClassifier", "SAflexClassifier", "IDAAClassifier"],
    "Feature extraction": ["DeepFeatureExtractor"],
    "Augmenters (for SAflexClassifier)": ["CutMix", "Mixup", "GaussianNoise", "IDAA"],
    "Errors": ["DivergenceError"],
}
MODULE_SECTIONS = {
    "Comparing methods (`skaug.compare`)": (
        skaug.compare, ["compare", "select_models", "refit_best", "choose_metric", "verdict",
                        "corrected_ttest", "load_csv", "make_preprocessor", "Comparison",
                        "ModelResult", "Model"]
    ),
    "Plots (`skaug.plot`)": (skaug.plot, ["plot_training_curves", "plot_comparison"]),
    "Built-in data (`skaug.datasets`)": (skaug.datasets, ["load_builtin"]),
    "Samplers for any model (`skaug.samplers`, imbalanced-learn)": (
        skaug.samplers, ["CutMixSampler", "MixupSampler", "NoiseSampler", "ISDASampler",
                         "SeASampler", "IDAASampler", "SAflexSampler"]
    ),
    "Saving and loading (`skaug.persistence`)": (
        skaug.persistence, ["dump", "load", "skaug_types"]
    ),
}
PUBLIC_METHODS = ("fit", "partial_fit", "predict", "predict_proba", "predict_log_proba",
                  "decision_function", "transform", "clear_cache",
                  "transform_to_memmap", "reconstruct", "fit_resample")


def _entry(qualname, obj):
    lines = [f"### `{qualname}`", ""]
    try:
        sig = str(inspect.signature(obj))
    except (TypeError, ValueError):
        sig = ""
    lines += ["```python", f"{qualname.split('.')[-1]}{sig}", "```", ""]
    lines += ["```text", inspect.getdoc(obj) or "(no docstring)", "```", ""]
    if inspect.isclass(obj):
        for name in PUBLIC_METHODS:
            method = obj.__dict__.get(name) or (
                getattr(obj, name, None) if name in ("predict", "predict_proba", "fit") else None)
            if method is None or not callable(method) or not inspect.getdoc(method):
                continue
            lines += [f"#### `{qualname}.{name}{inspect.signature(method)}`", "",
                      "```text", inspect.getdoc(method), "```", ""]
    return lines


def render():
    lines = ["# API reference", "",
             "Generated from the docstrings by `python docs/make_api.py`; do not edit.", ""]
    for title, names in SECTIONS.items():
        lines += [f"## {title}", ""]
        for name in names:
            lines += _entry(f"skaug.{name}", getattr(skaug, name))
    for title, (module, names) in MODULE_SECTIONS.items():
        lines += [f"## {title}", ""]
        for name in names:
            lines += _entry(f"{module.__name__}.{name}", getattr(module, name))
    return "\n".join(lines).rstrip() + "\n"


def main():
    path = Path(__file__).with_name("api.md")
    path.write_text(render())
    print(f"wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    main()
