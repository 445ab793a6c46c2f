"""Does augmentation help on *this* data, and which method? One fair protocol answers.

The protocol (:func:`compare`), used by ``skaug compare`` and the benchmarks:

- outer stratified K-fold (optionally repeated): every score is measured on
  rows no choice ever saw;
- inside each outer training fold, every model — baselines and methods alike —
  is tuned over its own small grid (:data:`MODELS`, the same number of
  settings for every model) by inner stratified cross-validation on that fold
  only, on the chosen metric, then refitted on the whole training fold;
- the baselines a practitioner tries first: ``LogisticRegression`` (C and
  ``class_weight``), ``HistGradientBoostingClassifier``, and the plain
  linear and MLP heads without augmentation (tuned like the methods); every
  method's grid includes the value that switches it off;
- the verdict (:func:`verdict`): each method against the best baseline, as a
  paired difference over the same outer folds, with the corrected resampled
  t-test of Nadeau & Bengio (2003), which accounts for the overlap of the
  training sets.

:func:`load_csv` reads a CSV file (categorical columns detected) and
:func:`make_preprocessor` one-hot encodes them and standardises the numeric
ones (fitted inside each fold).
"""

import csv
import re
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}


@dataclass(frozen=True)
class Model:
    """A model of the comparison: its label, role, factory and tuning grid.

    ``make(random_state, epochs)`` returns a fresh estimator; ``grid`` maps
    its parameter names to the values tried by inner cross-validation
    (``class_weight`` is added to every grid, see :func:`compare`).
    """

    label: str
    role: str  # "baseline" or "method"
    make: object
    grid: dict = field(default_factory=dict)
    #: what a failing grid point scores in the inner CV: "raise" stops (a bug shows);
    #: a choice among samplers, some of which refuse some data (ADASYN), skips them
    error_score: object = "raise"


def _torch_models(early_stopping=True):
    from . import (
        CutMix,
        IADAClassifier,
        IDAAClassifier,
        SAflexClassifier,
        SeAClassifier,
    )

    stop = dict(early_stopping=early_stopping, n_iter_no_change=5)

    def mlp(rs, ep):  # the MLP head of SAflex, CutMix and IDAA, without augmentation
        return IDAAClassifier(augmented_weight=0.0, max_epochs=ep, random_state=rs, **stop)

    def linear(rs, ep):
        # IADA's linear head (Adam, lr 1e-2) with plain cross-entropy: the same model as
        # IADAClassifier(perturbation="constant", epsilon=0, lambda0=0), without its statistics
        return IDAAClassifier(augmented_weight=0.0, head="linear", lr=1e-2, max_epochs=ep,
                              random_state=rs, **stop)

    return {
        "linear": Model("linear head, no augmentation", "baseline", linear,
                        {"weight_decay": [0.0, 1e-4, 1e-3]}),
        "mlp": Model("MLP head, no augmentation", "baseline", mlp,
                     {"weight_decay": [0.0, 1e-4, 1e-3]}),
        "sea": Model("SeA", "method",
                     lambda rs, ep: SeAClassifier(max_epochs=ep, random_state=rs, **stop),
                     {"eta": [0.0, 0.2, 0.4]}),
        "iada": Model("IADA (class strengths)", "method",
                      lambda rs, ep: IADAClassifier(perturbation="class", head="linear",
                                                    max_epochs=ep, random_state=rs, **stop),
                      {"epsilon": [0.0, 0.5, 1.0]}),
        "meta-iada": Model("Meta-IADA", "method",
                           lambda rs, ep: IADAClassifier(perturbation="meta", head="linear",
                                                         max_epochs=ep, random_state=rs,
                                                         **stop),
                           {"epsilon": [0.0, 0.5, 1.0]}),
        "cutmix": Model("CutMix (MLP head)", "method",
                        lambda rs, ep: SAflexClassifier(CutMix(), refine=False, max_epochs=ep,
                                                        random_state=rs, **stop),
                        {"augmenter__p": [0.0, 0.2, 0.5]}),
        "saflex": Model("SAflex(CutMix)", "method",
                        lambda rs, ep: SAflexClassifier(CutMix(), max_epochs=ep,
                                                        random_state=rs, **stop),
                        {"augmenter__p": [0.0, 0.5, 0.9]}),
        "saflex-paper": Model("SAflex(CutMix), paper setting", "method",
                              lambda rs, ep: SAflexClassifier(
                                  CutMix(), rescale=False, beta=1.0, temperature=0.01,
                                  validation_interval=1, max_epochs=ep, random_state=rs, **stop),
                              {"augmenter__p": [0.0, 0.5, 0.9]}),
        "idaa": Model("IDAA (MLP head)", "method",
                      lambda rs, ep: IDAAClassifier(max_epochs=ep, random_state=rs, **stop),
                      {"epsilon": [0.0, 0.1, 0.3]}),
    }


def _sklearn_models():
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    return {
        "lr": Model("LogisticRegression", "baseline",
                    lambda rs, ep: LogisticRegression(max_iter=5000),
                    {"C": [0.1, 1.0, 10.0]}),
        "hgb": Model("HistGradientBoosting", "baseline",
                     lambda rs, ep: HistGradientBoostingClassifier(random_state=rs),
                     {"learning_rate": [0.03, 0.1, 0.3]}),
    }


def models(early_stopping=True):
    """Every model :func:`compare` knows, by name: baselines first.

    ``early_stopping`` is given to the torch heads (each then holds out a
    tenth of its training rows to stop on). Sampler pipelines
    (``"<sampler>+<lr|hgb>"``, :data:`SAMPLERS`) are made on demand by
    :func:`sampler_model`.
    """
    return {**_sklearn_models(), **_torch_models(early_stopping)}


#: Samplers for ``"<sampler>+<model>"`` pipelines: imbalanced-learn's (baselines) and
#: skaug's (:mod:`skaug.samplers`, methods), each at its defaults.
SAMPLERS = {
    "smote": ("imblearn.over_sampling", "SMOTE", "baseline"),
    "adasyn": ("imblearn.over_sampling", "ADASYN", "baseline"),
    "borderline-smote": ("imblearn.over_sampling", "BorderlineSMOTE", "baseline"),
    "cutmix-sampler": ("skaug.samplers", "CutMixSampler", "method"),
    "mixup-sampler": ("skaug.samplers", "MixupSampler", "method"),
    "noise-sampler": ("skaug.samplers", "NoiseSampler", "method"),
    "isda-sampler": ("skaug.samplers", "ISDASampler", "method"),
    "sea-sampler": ("skaug.samplers", "SeASampler", "method"),
    "idaa-sampler": ("skaug.samplers", "IDAASampler", "method"),
    "saflex-sampler": ("skaug.samplers", "SAflexSampler", "method"),
}

#: Sampler choices for ``"<family>+<model>"`` pipelines: the sampler itself is tuned,
#: among seven of a library's (at their defaults but the settings listed), jointly with
#: the model's grid, by the inner CV. A grid point whose sampler refuses the data (ADASYN
#: without neighbours of another class) is skipped, not fatal.
SAMPLER_CHOICES = {
    "imblearn-samplers": ("baseline", "imbalanced-learn's samplers, chosen by inner CV", (
        ("imblearn.over_sampling", "SMOTE", {"k_neighbors": 3}),
        ("imblearn.over_sampling", "SMOTE", {}),
        ("imblearn.over_sampling", "BorderlineSMOTE", {"kind": "borderline-1"}),
        ("imblearn.over_sampling", "BorderlineSMOTE", {"kind": "borderline-2"}),
        ("imblearn.over_sampling", "ADASYN", {}),
        ("imblearn.over_sampling", "SVMSMOTE", {}),
        ("imblearn.over_sampling", "RandomOverSampler", {}),
    )),
    "skaug-samplers": ("method", "skaug's samplers, chosen by inner CV", tuple(
        (module, cls, {}) for module, cls, role in SAMPLERS.values() if role == "method")),
}


def model_for(name, early_stopping=True):
    """The :class:`Model` named ``name``: from :func:`models`, or a sampler pipeline."""
    return sampler_model(name) if is_sampler_model(name) else models(early_stopping)[name]


def is_sampler_model(name):
    """Whether ``name`` is a ``"<sampler>+<model>"`` pipeline (e.g. ``"smote+hgb"``) or a
    ``"<family>+<model>"`` one (:data:`SAMPLER_CHOICES`, e.g. ``"skaug-samplers+hgb"``)."""
    sampler, _, model = name.partition("+")
    return (sampler in SAMPLERS or sampler in SAMPLER_CHOICES) and model in ("lr", "hgb")


def _sampler_class(name, module, cls):
    import importlib

    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise ImportError(f"{name} needs imbalanced-learn: pip install 'skaug[samplers]'.") \
            from exc


def sampler_model(name):
    """The :class:`Model` of ``"<sampler>+<model>"``: an imbalanced-learn pipeline, the
    sampler (at its defaults) then the model, over the model's own grid; for a family
    (:data:`SAMPLER_CHOICES`) the grid also chooses the sampler.

    Examples
    --------
    >>> from skaug.compare import sampler_model
    >>> sampler_model("smote+hgb").label
    'SMOTE → HistGradientBoosting'
    >>> model = sampler_model("skaug-samplers+lr")
    >>> model.label, len(model.grid["sampler"]), model.grid["model__C"]
    ("skaug's samplers, chosen by inner CV → LogisticRegression", 7, [0.1, 1.0, 10.0])
    """
    sampler, _, model = name.partition("+")
    base = _sklearn_models()[model]
    grid = {f"model__{k}": v for k, v in base.grid.items()}
    if sampler in SAMPLER_CHOICES:
        role, label, options = SAMPLER_CHOICES[sampler]
        classes = [(_sampler_class(name, module, cls), kw) for module, cls, kw in options]

        def choices(rs):
            return [cls(random_state=rs, **kw) for cls, kw in classes]

        def make(rs, ep):
            from imblearn.pipeline import Pipeline

            return Pipeline([("sampler", choices(rs)[0]), ("model", base.make(rs, ep))])

        # the random_state of the candidates: compare's seed (the grid holds instances)
        return _SamplerChoice(f"{label} → {base.label}", role, make,
                              {"sampler": choices(0), **grid}, error_score=np.nan,
                              choices=choices)
    module, cls, role = SAMPLERS[sampler]
    sampler_cls = _sampler_class(name, module, cls)

    def make(rs, ep):
        from imblearn.pipeline import Pipeline

        return Pipeline([("sampler", sampler_cls(random_state=rs)),
                         ("model", base.make(rs, ep))])

    return Model(f"{cls} → {base.label}", role, make, grid)


@dataclass(frozen=True)
class _SamplerChoice(Model):
    """A :class:`Model` whose grid holds sampler instances: ``choices(seed)`` re-seeds them."""

    choices: object = None


#: Names of the models, and the default selection of ``skaug compare``.
MODELS = ("lr", "hgb", "linear", "mlp", "sea", "iada", "meta-iada", "cutmix", "saflex",
          "saflex-paper", "idaa")
BASELINES = ("lr", "hgb", "linear", "mlp")
DEFAULT_METHODS = ("sea", "saflex", "idaa")
_HEAD_BASELINE = {"sea": "linear", "iada": "linear", "meta-iada": "linear",
                  "cutmix": "mlp", "saflex": "mlp", "saflex-paper": "mlp", "idaa": "mlp"}


def parse_methods(text, always=("lr", "hgb")):
    """``"sea,saflex"`` -> the models to run: the baselines they need first, then the methods.

    The baselines in ``always`` run whatever is asked; the linear head runs
    beside SeA and IADA, the MLP head beside CutMix, SAflex and IDAA. ``all``
    names every method.
    """
    names = [m.strip().lower() for m in text.split(",") if m.strip()] if text else []
    unknown = [m for m in names if m not in MODELS and m != "all" and not is_sampler_model(m)]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(MODELS)}, 'all', or a sampler pipeline "
                         f"'<sampler>+lr' / '<sampler>+hgb' with <sampler> one of "
                         f"{', '.join([*SAMPLERS, *SAMPLER_CHOICES])}.")
    if "all" in names:
        names = list(MODELS)
    methods = [m for m in dict.fromkeys(names) if m not in BASELINES]
    needed = set(always) | {m for m in names if m in BASELINES}
    needed |= {_HEAD_BASELINE[m] for m in methods if m in _HEAD_BASELINE}
    return [b for b in BASELINES if b in needed] + methods


def printable(text):
    """``text`` with control characters (terminal escape codes, ...) escaped, for messages."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _sniff(path, encoding):
    """``(encoding, delimiter, decimal)`` of a CSV file, from its first 64 KB."""
    with open(path, "rb") as f:
        head = f.read(65536)
    if encoding in (None, "utf-8"):  # a byte-order mark says which encoding
        encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    try:
        sample = head.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the 64 KB boundary
            raise ValueError(
                f"{printable(path.name)} is not valid {encoding} text (byte "
                f"{head[exc.start:exc.start + 1]!r} at position {exc.start}). Pass its encoding "
                "with --encoding, e.g. --encoding latin-1 or --encoding cp1252 for files from "
                "older spreadsheets, --encoding utf-16 for some Excel exports."
            ) from exc
        sample = head[: exc.start].decode(encoding)
    except LookupError as exc:
        raise ValueError(f"unknown encoding {encoding!r}: use a Python codec name such as "
                         "utf-8, latin-1, cp1252 or utf-16.") from exc
    lines = sample.splitlines()[:-1] or sample.splitlines()  # the last line may be cut
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # decimal commas ("3,14") appear in files whose fields are not separated by commas
    body = "\n".join(lines[1:])
    decimal = "," if delimiter != "," and re.search(r"(^|[;\t])-?\d+,\d+([;\t]|$)", body, re.M) \
        and not re.search(r"(^|[;\t])-?\d+\.\d+([;\t]|$)", body, re.M) else "."
    return encoding, delimiter, decimal


def _check_field_counts(path, encoding, delimiter, n_fields):
    """Refuse rows with more or fewer fields than the header, naming the line (streamed)."""
    with open(path, newline="", encoding=encoding) as f:
        for i, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if row and len(row) != n_fields:
                raise ValueError(f"{printable(path.name)}, line {i}: {len(row)} fields, but the "
                                 f"header has {n_fields}.")


def load_csv(path, target, drop=(), *, encoding="utf-8", max_rows=None, random_state=0):
    """Read a CSV file into ``(X, y, kinds, names, notes)``, with pandas.

    The encoding (``encoding``, or the file's byte-order mark), the
    delimiter (comma, semicolon or tab) and decimal commas (``3,14`` in a
    semicolon- or tab-separated file) are detected. A column whose
    non-missing values all parse as numbers is numeric (missing values —
    empty, ``NA``, ``?``, ... — become NaN; ``inf`` is refused, naming the
    column); any other column is categorical (missing values become the
    category ``"missing"``). Columns that look like identifiers carry no
    pattern to learn and are dropped, with a note: integer columns whose
    values are all distinct (row numbers, customer ids) and categorical
    columns with more than 50 distinct values making up more than 5 % of the
    rows (names, free text). So are the columns named in ``drop``. Rows
    without a target are dropped.

    Parameters
    ----------
    path : str or path-like
    target : str
        The label column.
    drop : sequence of str, default=()
    encoding : str, default="utf-8"
        A Python codec name (``"latin-1"``, ``"cp1252"``, ``"utf-16"``, ...).
    max_rows : int, default=None
        Keep at most this many rows, drawn stratified by the target (for
        large files: time and memory). A note says so.
    random_state : int, default=0
        Seed of the ``max_rows`` draw.

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, n_features)
        Numeric columns as float64, categorical ones as strings.
    y : ndarray of str, shape (n_samples,)
    kinds : list of {"numeric", "categorical"}
    names : list of str
        Column names of ``X``.
    notes : list of str
        What was dropped or sampled, and why, for the user.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {printable(path)}")
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"{printable(path.name)} is not a CSV file (expected a .csv, .tsv or "
                         ".txt file of comma-, semicolon- or tab-separated columns with a "
                         "header row).")
    encoding, delimiter, decimal = _sniff(path, encoding)
    name = printable(path.name)
    try:
        frame = pd.read_csv(path, sep=delimiter, decimal=decimal, encoding=encoding,
                            na_values=sorted({v for m in MISSING for v in (m, m.upper(), m.title())}) + ["NaN"],
                            keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=True)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not valid {encoding} text ({exc.reason} at byte "
                         f"{exc.start}). Pass its encoding with --encoding, e.g. latin-1, "
                         "cp1252 or utf-16.") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{name} is empty: it needs a header row and data rows.") from exc
    except pd.errors.ParserError as exc:
        _check_field_counts(path, encoding, delimiter, len(pd.read_csv(
            path, sep=delimiter, encoding=encoding, nrows=0).columns))
        raise ValueError(f"{name} cannot be read as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.isna().all(axis=1).any() or frame.shape[1] > 1 and frame.iloc[:, -1].isna().any():
        _check_field_counts(path, encoding, delimiter, frame.shape[1])  # short rows?
    if len(frame) == 0:
        raise ValueError(f"{name} has no data rows under its header.")
    header = list(frame.columns)
    if target not in header:
        raise ValueError(f"{name} has no column {printable(target)!r}; its columns are: "
                         f"{', '.join(map(printable, header))}. Pass the label column with "
                         "--target.")
    unknown_drop = [c for c in drop if c not in header]
    if unknown_drop:
        raise ValueError(f"cannot drop {', '.join(map(printable, unknown_drop))}: no such "
                         "column(s).")
    notes = []
    has_target = frame[target].notna().to_numpy()
    if not has_target.all():
        notes.append(f"dropped {int((~has_target).sum())} rows without a "
                     f"{printable(target)!r} value")
        frame = frame[has_target]
    labels = frame[target]
    if pd.api.types.is_float_dtype(labels) and (labels == labels.round()).all():
        labels = labels.astype("Int64")  # 0/1 labels stay "0"/"1", not "0.0"/"1.0"
    y = labels.astype(str).str.strip().to_numpy(dtype=str)
    if max_rows is not None and len(frame) > max_rows:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(frame)), train_size=max_rows,
                                   stratify=y, random_state=random_state)
        keep = np.sort(keep)
        notes.append(f"kept {max_rows} of {len(frame)} rows (--max-rows), drawn stratified "
                     "by the target")
        frame, y = frame.iloc[keep], y[keep]
    columns, kinds, names = {}, [], []
    for col in header:
        if col == target or col in drop:
            continue
        values = frame[col]
        shown = printable(col)
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            values = values.astype(str).str.strip().where(values.notna(), None)
        if pd.api.types.is_numeric_dtype(values) and values.notna().any():
            values = values.astype(np.float64)
            if np.isinf(values).any():
                raise ValueError(f"column {shown!r} of {name} holds infinite values (inf); "
                                 "replace them (e.g. by an empty cell, then imputed) or drop "
                                 f"the column with --drop {shown!r}.")
            if values.notna().all() and values.nunique() == len(values) \
                    and np.all(values == np.round(values)):
                notes.append(f"dropped {shown!r}: distinct integers in every row (an "
                             "identifier?)")
                continue
            columns[col] = values.to_numpy()
            kinds.append("numeric")
        else:
            distinct = values.nunique(dropna=True)
            if distinct > max(50, 0.05 * len(values)):
                reason = "free text" if decimal == "." else "free text, or numbers in a format not read"
                notes.append(f"dropped {shown!r}: {distinct} distinct text values (an "
                             f"identifier or {reason}?)")
                continue
            columns[col] = values.fillna("missing").to_numpy(dtype=object)
            kinds.append("categorical")
        names.append(col)
    if not columns:
        raise ValueError(f"{name} has no feature columns besides {printable(target)!r}"
                         + (": " + "; ".join(notes) if notes else "") + ".")
    X = pd.DataFrame(columns, index=pd.RangeIndex(len(y)))
    return X, y, kinds, names, notes


def unit_rows(X, tol=1e-3):
    """Whether every row of numeric ``X`` has unit L2 norm (deep features after Eq. 1)."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    norms = np.linalg.norm(X, axis=1)
    return bool(np.all(np.isfinite(norms)) and np.all(np.abs(norms - 1) < tol))


def make_preprocessor(kinds):
    """Numeric columns: median imputation, standardisation; categorical: one-hot."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [i for i, k in enumerate(kinds) if k == "numeric"]
    categorical = [i for i, k in enumerate(kinds) if k == "categorical"]
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore",
                                                   sparse_output=False), categorical))
    return ColumnTransformer(parts)


def check_target(y, cv, inner_cv=2):
    """Refuse targets (nested) cross-validation cannot handle, saying what to do."""
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"the target has only one class ({str(classes[0])!r}); a classifier "
                         "needs at least two.")
    small, n = str(classes[counts.argmin()]), counts.min()
    if n < cv:
        hint = (f"use --cv {n}" if n >= 2 else "drop the class or add rows")
        raise ValueError(f"class {small!r} has {n} rows, fewer than the {cv} folds of "
                         f"cross-validation; {hint}.")
    if n - -(-n // cv) < inner_cv:
        raise ValueError(f"class {small!r} has {n} rows: an outer training fold keeps "
                         f"{n - -(-n // cv)} of them, fewer than the {inner_cv} inner folds that "
                         "tune each model; use fewer folds (--cv, --inner-cv) or drop the class.")


def default_metric(y):
    """``"balanced_accuracy"`` when the smallest class is under 20 % of the rows, else accuracy."""
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return "balanced_accuracy" if counts.min() / counts.sum() < 0.2 else "accuracy"


def tuned_search(model, preprocessor, X, y, *, inner_cv, metric, class_weight, epochs, seed):
    """The unfitted ``GridSearchCV`` that tunes ``model`` (a :class:`Model`) on rows ``(X, y)``.

    A pipeline ``prep`` → ``model`` over the model's grid, by stratified
    inner CV; ``class_weight`` joins the grid (None, "balanced") when the
    classes are unbalanced and ``class_weight`` is None, else is fixed.
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    estimator = model.make(seed, epochs)
    if "covariance" in estimator.get_params() and X.shape[1] > 256:
        estimator.set_params(covariance="diag")  # docs/iada.md: full is C·d² per batch
    grid = {f"model__{k}": v for k, v in model.grid.items()}
    if isinstance(model, _SamplerChoice):
        grid["model__sampler"] = model.choices(seed)
    _, counts = np.unique(y, return_counts=True)
    if "class_weight" in estimator.get_params():
        if class_weight is None and counts.min() == counts.max():
            pass  # balanced classes: class_weight="balanced" is the same model as None
        elif class_weight is None:
            grid["model__class_weight"] = [None, "balanced"]
        else:
            estimator.set_params(class_weight=class_weight)
    prep = preprocessor if isinstance(preprocessor, str) else clone(preprocessor)
    return GridSearchCV(
        Pipeline([("prep", prep), ("model", estimator)]), grid, scoring=metric,
        cv=StratifiedKFold(inner_cv, shuffle=True, random_state=seed), n_jobs=1,
        error_score=model.error_score,
    )


def refit_best(name, X, y, *, preprocessor=None, inner_cv=2, metric=None, class_weight=None,
               epochs=50, random_state=0, early_stopping=True):
    """Tune model ``name`` by inner CV on all rows, as :func:`compare` does per fold, and refit.

    Returns the fitted pipeline (preprocessing, then the model with the
    chosen values), ready to save (``skaug compare --save``).

    Examples
    --------
    >>> from skaug.compare import refit_best
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> pipe = refit_best("lr", X, y)
    >>> pipe.named_steps["model"].C in (0.1, 1.0, 10.0)
    True
    """
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(y)
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    search = tuned_search(model_for(name, early_stopping), preprocessor, X, y,
                          inner_cv=inner_cv, metric=metric or default_metric(y),
                          class_weight=class_weight, epochs=epochs, seed=random_state)
    return search.fit(X, y).best_estimator_


def worst_group_accuracy(y_true, y_pred, groups):
    """The lowest accuracy (%) over the groups of the rows (e.g. class × attribute cells)."""
    groups = np.asarray(groups)
    return min(100 * float(np.mean(y_true[groups == g] == y_pred[groups == g]))
               for g in np.unique(groups))


def _tune_fit_score(name, fold, model, preprocessor, X, y, train, test, *, inner_cv, metric,
                    class_weight, epochs, seed, groups=None):
    """Tune ``model`` by inner CV on the training rows only, refit there, score the test rows."""
    import torch
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.utils import _safe_indexing
    from threadpoolctl import threadpool_limits

    X_train = _safe_indexing(X, train)
    search = tuned_search(model, preprocessor, X_train, y[train], inner_cv=inner_cv,
                          metric=metric, class_weight=class_weight, epochs=epochs, seed=seed)
    threads = torch.get_num_threads()
    # one thread per task: small heads gain nothing from more, and tasks run side by side
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        torch.set_num_threads(1)
        try:
            start = time.perf_counter()
            search.fit(X_train, y[train])
            seconds = time.perf_counter() - start
            pred = search.predict(_safe_indexing(X, test))
        finally:
            torch.set_num_threads(threads)
    extra = {} if groups is None else {
        "worst_group_accuracy": worst_group_accuracy(y[test], pred, groups[test])}
    return {
        **extra,
        "name": name,
        "fold": fold,
        "accuracy": 100 * accuracy_score(y[test], pred),
        "balanced_accuracy": 100 * balanced_accuracy_score(y[test], pred),
        "seconds": seconds,
        "tuned": {k.removeprefix("model__"): v for k, v in search.best_params_.items()},
        "warnings": [f"{w.category.__name__}: {w.message}" for w in caught],
    }


def _tuned_summary(choices):
    """``eta=0.2 ×2, 0.4 ×1; class_weight=None ×3`` from the best parameters of each fold."""
    parts = []
    for key in choices[0] if choices else ():
        values = [repr(c[key]) if isinstance(c[key], str) else f"{c[key]:g}"
                  if isinstance(c[key], float) else str(c[key]) for c in choices]
        counted = {v: values.count(v) for v in dict.fromkeys(values)}
        parts.append(f"{key}=" + ", ".join(f"{v} ×{n}" for v, n in counted.items()))
    return "; ".join(parts)


def compare(X, y, methods=DEFAULT_METHODS, *, preprocessor=None, cv=3, repeats=1, inner_cv=2,
            metric=None, class_weight=None, epochs=50, random_state=0, n_jobs=1,
            progress=True, splits=None, baselines=("lr", "hgb"), early_stopping=True,
            groups=None, extra_models=None):
    """Cross-validate the methods and the baselines they need, each tuned by inner CV.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    methods : iterable of str, default=DEFAULT_METHODS
        Names from :data:`MODELS`; the baselines are added (:func:`parse_methods`).
    preprocessor : transformer, default=None
        Fitted inside each (inner and outer) training fold before the model
        (default: StandardScaler).
    cv : int, default=3
        Outer stratified folds (shuffled with ``random_state``).
    repeats : int, default=1
        Repetitions of the outer K-fold with other shuffles (more folds for
        the verdict's test).
    inner_cv : int, default=2
        Inner stratified folds for tuning, inside each outer training fold.
    metric : {"accuracy", "balanced_accuracy"} or None, default=None
        What the tuning maximises and the verdict compares; None picks
        balanced accuracy when the smallest class is under 20 % of the rows.
    class_weight : "balanced" or None, default=None
        None tunes ``class_weight`` ∈ {None, "balanced"} for every model that
        has it (not on a training fold whose classes are balanced, where both
        are the same model); "balanced" fixes it for all of them.
    epochs : int, default=50
        Maximum epochs of the torch heads (each stops early on a held-out split).
    random_state : int, default=0
    n_jobs : int, default=1
        Parallel tasks (an outer fold of one model each), each on one thread;
        -1 uses every core.
    progress : bool, default=True
        A progress bar on stderr.
    splits : list of (train, test) index arrays, default=None
        Fixed outer splits (a benchmark's) instead of the stratified K-fold.
    baselines : tuple of str, default=("lr", "hgb")
        Baselines that run whatever the methods (the plain heads are added
        beside the methods that use them).
    early_stopping : bool, default=True
        Whether the torch heads stop early (on a tenth of their training
        rows) or run ``epochs`` epochs.
    groups : array-like of shape (n_samples,), default=None
        A group label per row (e.g. class × a subpopulation attribute). Each
        result row then has ``worst_group_accuracy`` (and its ``_std``): the
        lowest accuracy over the groups of the test rows, mean over folds.
        Never used for fitting or tuning.
    extra_models : dict of str to Model, default=None
        Further models by name (e.g. a benchmark's controls), run after the
        others under the same protocol; name them in ``methods``.

    Returns
    -------
    rows : list of dict
        One per model, baselines first: ``method``, ``model`` (label),
        ``role``, ``accuracy``, ``accuracy_std``, ``balanced_accuracy``,
        ``balanced_accuracy_std`` (in %), ``fit_seconds`` (tuning and refit,
        per outer fold), ``tuned`` (the values chosen in each fold),
        ``scores`` (the metric per outer fold, in fold order), ``warnings``
        (distinct warning messages) and ``n_train``, ``n_test`` (mean sizes).

    Examples
    --------
    >>> from skaug.compare import compare
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> rows = compare(X, y, ["sea"], cv=2, epochs=2, progress=False)
    >>> [r["method"] for r in rows]
    ['lr', 'hgb', 'linear', 'sea']
    """
    from joblib import Parallel, delayed
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    y = np.asarray(y)
    X = X if hasattr(X, "iloc") else np.asarray(X)
    if splits is None:
        check_target(y, cv, inner_cv)
    extra_models = dict(extra_models or {})
    methods = list(methods)
    names = parse_methods(",".join(m for m in methods if m not in extra_models),
                          always=baselines)
    names += [m for m in dict.fromkeys(methods) if m in extra_models]
    metric = metric or default_metric(y)
    if metric not in ("accuracy", "balanced_accuracy"):
        raise ValueError(f"metric must be 'accuracy' or 'balanced_accuracy', got {metric!r}.")
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    if splits is None:
        splitter = RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats,
                                           random_state=random_state)
        splits = splitter.split(np.zeros(len(y)), y)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
    registry = {**models(early_stopping), **extra_models,
                **{n: model_for(n) for n in names if is_sampler_model(n)}}
    tasks = [(name, f) for f in range(len(folds)) for name in names]
    run = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_tune_fit_score)(
            name, f, registry[name], preprocessor, X, y, *folds[f], inner_cv=inner_cv,
            metric=metric, class_weight=class_weight, epochs=epochs, seed=random_state,
            groups=None if groups is None else np.asarray(groups),
        )
        for name, f in tasks
    )
    results = {}
    with tqdm(total=len(tasks), desc="skaug compare", unit="fit", disable=not progress) as bar:
        for result in run:
            results.setdefault(result["name"], []).append(result)
            bar.set_postfix_str(result["name"])
            bar.update()
    return [_row(name, registry[name], results[name], metric, folds) for name in names]


def _row(name, model, results, metric, folds):
    results = sorted(results, key=lambda r: r["fold"])  # paired with the other models' folds
    acc = np.array([r["accuracy"] for r in results])
    bal = np.array([r["balanced_accuracy"] for r in results])
    worst = {}
    if "worst_group_accuracy" in results[0]:
        wg = np.array([r["worst_group_accuracy"] for r in results])
        worst = {"worst_group_accuracy": wg.mean(), "worst_group_accuracy_std": wg.std()}
    return {
        **worst,
        "method": name, "model": model.label, "role": model.role,
        "accuracy": acc.mean(), "accuracy_std": acc.std(),
        "balanced_accuracy": bal.mean(), "balanced_accuracy_std": bal.std(),
        "fit_seconds": float(np.mean([r["seconds"] for r in results])),
        "tuned": _tuned_summary([r["tuned"] for r in results]),
        "scores": [r[metric] for r in results],
        "warnings": sorted({w for r in results for w in r["warnings"]}),
        "n_train": float(np.mean([len(tr) for tr, _ in folds])),
        "n_test": float(np.mean([len(te) for _, te in folds])),
    }


def paired_ttest(row, other):
    """``(mean, std, p)`` of ``row``'s fold scores minus ``other``'s (two :func:`compare`
    rows over the same outer folds), by :func:`corrected_ttest`."""
    d = np.subtract(row["scores"], other["scores"])
    return corrected_ttest(d, row["n_train"], row["n_test"])


def corrected_ttest(differences, n_train, n_test):
    """Nadeau & Bengio's corrected resampled t-test of paired differences over CV folds.

    The variance of the mean difference is corrected by ``1/k + n_test/n_train``
    instead of ``1/k`` (``k`` folds), because the folds' training sets
    overlap. Returns ``(mean, std, p)``, ``p`` two-sided with ``k − 1``
    degrees of freedom (:func:`scipy.stats.t`).
    """
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    k = len(d)
    mean, var = d.mean(), d.var(ddof=1) if k > 1 else 0.0
    if var == 0:
        return mean, 0.0, 1.0 if mean == 0 else 0.0
    t = mean / np.sqrt((1 / k + n_test / n_train) * var)
    return mean, float(np.sqrt(var)), float(2 * stats.t.sf(abs(t), k - 1))


def verdict(rows, metric, alpha=0.05):
    """One plain sentence: does any method beat the best baseline reliably, and by how much?

    The best baseline is the one with the highest mean ``metric`` (the
    strongest rival, a conservative choice). Each method's fold-by-fold
    difference to it is tested with :func:`corrected_ttest`.

    Returns
    -------
    sentence : str
    tests : list of dict
        Per method: ``method``, ``model``, ``difference``, ``std``, ``p``.
    """
    name = "balanced accuracy" if metric == "balanced_accuracy" else "accuracy"
    baselines = [r for r in rows if r["role"] == "baseline"]
    best = max(baselines, key=lambda r: np.mean(r["scores"]))
    tests = []
    for r in rows:
        if r["role"] != "method":
            continue
        mean, std, p = paired_ttest(r, best)
        tests.append({"method": r["method"], "model": r["model"], "difference": mean,
                      "std": std, "p": p})
    if not tests:
        return f"{best['model']} is the best baseline on {name}; no method was compared.", tests
    top = max(tests, key=lambda t: t["difference"])
    found = f"{top['model']} {top['difference']:+.1f} ± {top['std']:.1f} pt, p = {top['p']:.2g}"
    if top["difference"] > 0 and top["p"] < alpha:
        return (f"{top['model']} beats {best['model']} on {name}: {top['difference']:+.1f} ± "
                f"{top['std']:.1f} pt over the same folds, p = {top['p']:.2g} (corrected "
                "resampled t-test)."), tests
    return (f"No method beats {best['model']} reliably on this data ({name}; best: {found}; "
            f"corrected resampled t-test, {len(best['scores'])} folds)."), tests


def format_table(rows, markdown=False):
    """The result rows as a text table (or a markdown one), with the tuned values per fold."""
    cells = [(r["model"], f"{r['accuracy']:.2f} ± {r['accuracy_std']:.2f}",
              f"{r['balanced_accuracy']:.2f} ± {r['balanced_accuracy_std']:.2f}",
              f"{r['fit_seconds']:.2f}", r.get("tuned", "")) for r in rows]
    head = ("model", "accuracy %", "balanced accuracy %", "fit s", "tuned (per outer fold)")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|---|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells]) + "\n"
    widths = [max(len(x[i]) for x in [head, *cells]) for i in range(len(head))]
    fmt = lambda c: "  ".join(  # noqa: E731
        v.ljust(w) if i in (0, 4) else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths)))
    return "\n".join([fmt(head).rstrip(), *(fmt(c).rstrip() for c in cells)]) + "\n"


def write_atomically(path, write):
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it onto ``path``.

    A failed write (full disk, interrupt) leaves ``path`` as it was, never
    half-written.
    """
    import os
    import tempfile

    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:  # name the file the user asked for, not the temporary one
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_rows(rows, path):
    """Write the result rows to ``path``: CSV (``.csv``) or markdown (``.md``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".csv"):
        raise ValueError(f"--output must end in .csv or .md, got {printable(path.name)}.")

    def write(tmp):
        if suffix == ".md":
            Path(tmp).write_text(format_table(rows, markdown=True), encoding="utf-8")
            return
        flat = [{k: " | ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()}
                for r in rows]
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(flat[0]))
            writer.writeheader()
            writer.writerows(flat)

    write_atomically(path, write)
