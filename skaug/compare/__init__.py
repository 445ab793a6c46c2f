"""Does augmentation help on *this* data, and which method? One fair protocol answers.

The protocol (:func:`compare`), used by ``skaug compare`` and the benchmarks:
every model — the baselines a practitioner tries first (``LogisticRegression``,
``HistGradientBoostingClassifier``, the plain linear and MLP heads) and each
method — is tuned over its own small grid by inner cross-validation on the
training rows of each outer fold only, then scored on the outer test rows;
the verdict tests each method against the best baseline, fold by fold, with
the corrected resampled t-test of Nadeau & Bengio (2003), which accounts for
the overlap of the training sets.

- :mod:`._registry` — the models, one table (:data:`MODELS`), and the sampler pipelines;
- :mod:`._protocol` — nested cross-validation (:func:`compare`), :func:`refit_best`;
- :mod:`._stats` — :func:`corrected_ttest`, :func:`verdict`;
- :mod:`._results` — the typed results (:class:`Comparison`, :class:`ModelResult`);
- :mod:`._data` — reading a CSV file (:func:`read_table`, :func:`load_csv`);
- :mod:`._columns` — what each column is (:class:`TableColumns`, also the first step of a
  saved model, so new rows are read as the training file was);
- :mod:`._preprocess` — :func:`make_preprocessor`, fitted inside each fold.
"""

import importlib

#: public name -> the module that defines it (imported on first use: the command line
#: reads the registry without importing scikit-learn)
_PUBLIC = {
    "ALWAYS": "._registry",
    "BASELINES": "._registry",
    "Comparison": "._results",
    "DEEP_METHODS": "._registry",
    "DEFAULT_METHODS": "._registry",
    "FoldResult": "._results",
    "MISSING": "._columns",
    "MODELS": "._registry",
    "MethodTest": "._stats",
    "Model": "._registry",
    "ModelResult": "._results",
    "SAMPLERS": "._registry",
    "SAMPLER_FAMILIES": "._registry",
    "Table": "._data",
    "TableColumns": "._columns",
    "Verdict": "._stats",
    "check_target": "._protocol",
    "choose_metric": "._protocol",
    "compare": "._protocol",
    "corrected_ttest": "._stats",
    "default_metric": "._protocol",
    "fit_and_score": "._protocol",
    "is_sampler_model": "._registry",
    "load_csv": "._data",
    "make_preprocessor": "._preprocess",
    "model_for": "._registry",
    "models": "._registry",
    "needs_imbalanced_learn": "._registry",
    "paired_ttest": "._stats",
    "parse_labels": "._columns",
    "printable": "._messages",
    "read_table": "._data",
    "refit_best": "._protocol",
    "sampler_model": "._registry",
    "select_models": "._registry",
    "tuned_search": "._protocol",
    "unit_rows": "._preprocess",
    "verdict": "._stats",
    "worst_group_accuracy": "._protocol",
}


__all__ = [
    "ALWAYS", "BASELINES", "Comparison", "DEEP_METHODS", "DEFAULT_METHODS", "FoldResult",
    "MISSING", "MODELS",
    "MethodTest", "Model", "ModelResult", "SAMPLERS", "SAMPLER_FAMILIES", "Table",
    "TableColumns", "Verdict", "parse_labels", "read_table",
    "check_target", "choose_metric", "compare", "corrected_ttest", "default_metric",
    "fit_and_score", "is_sampler_model", "load_csv", "make_preprocessor", "model_for",
    "models", "needs_imbalanced_learn", "paired_ttest", "printable", "refit_best",
    "sampler_model", "select_models", "tuned_search", "unit_rows", "verdict",
    "worst_group_accuracy",
]


def __getattr__(name):
    if name in _PUBLIC:
        value = getattr(importlib.import_module(_PUBLIC[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skaug.compare' has no attribute {name!r}")


def __dir__():
    return sorted({*globals(), *_PUBLIC})
