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

from ._columns import MISSING, TableColumns, parse_labels
from ._data import Table, load_csv, read_table
from ._messages import printable
from ._preprocess import make_preprocessor, unit_rows
from ._protocol import (
    check_target,
    choose_metric,
    compare,
    default_metric,
    fit_and_score,
    refit_best,
    tuned_search,
    worst_group_accuracy,
)
from ._registry import (
    ALWAYS,
    BASELINES,
    DEFAULT_METHODS,
    MODELS,
    SAMPLER_FAMILIES,
    SAMPLERS,
    Model,
    is_sampler_model,
    model_for,
    models,
    needs_imbalanced_learn,
    sampler_model,
    select_models,
)
from ._results import Comparison, FoldResult, ModelResult
from ._stats import MethodTest, Verdict, corrected_ttest, paired_ttest, verdict

__all__ = [
    "ALWAYS", "BASELINES", "Comparison", "DEFAULT_METHODS", "FoldResult", "MISSING", "MODELS",
    "MethodTest", "Model", "ModelResult", "SAMPLERS", "SAMPLER_FAMILIES", "Table",
    "TableColumns", "Verdict", "parse_labels", "read_table",
    "check_target", "choose_metric", "compare", "corrected_ttest", "default_metric",
    "fit_and_score", "is_sampler_model", "load_csv", "make_preprocessor", "model_for",
    "models", "needs_imbalanced_learn", "paired_ttest", "printable", "refit_best",
    "sampler_model", "select_models", "tuned_search", "unit_rows", "verdict",
    "worst_group_accuracy",
]
