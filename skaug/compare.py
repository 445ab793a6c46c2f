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
    tenth of its training rows to stop on).
    """
    return {**_sklearn_models(), **_torch_models(early_stopping)}


#: Names of the models, and the default selection of ``skaug compare``.
MODELS = ("lr", "hgb", "linear", "mlp", "sea", "iada", "meta-iada", "cutmix", "saflex", "idaa")
BASELINES = ("lr", "hgb", "linear", "mlp")
DEFAULT_METHODS = ("sea", "saflex", "idaa")
_HEAD_BASELINE = {"sea": "linear", "iada": "linear", "meta-iada": "linear",
                  "cutmix": "mlp", "saflex": "mlp", "idaa": "mlp"}


def parse_methods(text, always=("lr", "hgb")):
    """``"sea,saflex"`` -> the models to run: the baselines they need first, then the methods.

    The baselines in ``always`` run whatever is asked; the linear head runs
    beside SeA and IADA, the MLP head beside CutMix, SAflex and IDAA. ``all``
    names every method.
    """
    names = [m.strip().lower() for m in text.split(",") if m.strip()] if text else []
    unknown = [m for m in names if m not in MODELS and m != "all"]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(MODELS)} or 'all'.")
    if "all" in names:
        names = list(MODELS)
    methods = [m for m in dict.fromkeys(names) if m not in BASELINES]
    needed = set(always) | {m for m in names if m in BASELINES}
    needed |= {_HEAD_BASELINE[m] for m in methods}
    return [b for b in BASELINES if b in needed] + methods


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_csv(path, target, drop=()):
    """Read a CSV file into ``(X, y, kinds, names)``.

    A column whose non-missing values all parse as numbers is numeric
    (missing values become NaN); any other column is categorical (missing
    values become the category ``"missing"``). Columns that look like
    identifiers carry no pattern to learn and are dropped, with a note:
    integer columns whose values are all distinct (row numbers, customer
    ids) and categorical columns with more than 50 distinct values making up
    more than 5 % of the rows (names, free text). So are the columns named in
    ``drop``. Rows
    without a target are dropped. The delimiter (comma, semicolon, tab) is
    detected.

    Returns
    -------
    X : ndarray of object, shape (n_samples, n_features)
    y : ndarray of str, shape (n_samples,)
    kinds : list of {"numeric", "categorical"}
    names : list of str
        Column names of ``X``.
    notes : list of str
        What was dropped, for the user.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"{path.name} is not a CSV file (expected a .csv, .tsv or .txt "
                         "file of comma-, semicolon- or tab-separated columns with a header row).")
    with open(path, newline="", encoding="utf-8-sig") as f:
        sample = f.read(65536)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [r for r in csv.reader(f, dialect) if r]
    if len(rows) < 2:
        raise ValueError(f"{path.name} has no data rows under its header.")
    header = [h.strip() for h in rows[0]]
    if target not in header:
        raise ValueError(f"{path.name} has no column {target!r}; its columns are: "
                         f"{', '.join(header)}. Pass the label column with --target.")
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(header):
            raise ValueError(f"{path.name}, line {i}: {len(r)} fields, but the header has "
                             f"{len(header)}.")
    body = np.array([[v.strip() for v in r] for r in rows[1:]], dtype=object)
    t = header.index(target)
    has_target = np.array([v.lower() not in MISSING for v in body[:, t]])
    notes = []
    if not has_target.all():
        notes.append(f"dropped {int((~has_target).sum())} rows without a {target!r} value")
        body = body[has_target]
    y = body[:, t].astype(str)
    unknown_drop = [c for c in drop if c not in header]
    if unknown_drop:
        raise ValueError(f"cannot drop {', '.join(unknown_drop)}: no such column(s).")
    columns, kinds, names = [], [], []
    for j, name in enumerate(header):
        if j == t or name in drop:
            continue
        col = body[:, j]
        missing = np.array([v.lower() in MISSING for v in col])
        distinct = len(set(col[~missing]))
        if all(_is_number(v) for v in col[~missing]) and (~missing).any():
            values = np.where(missing, "nan", col).astype(np.float64)
            if distinct == len(col) and np.all(values == np.round(values)):
                notes.append(f"dropped {name!r}: distinct integers in every row (an "
                             "identifier?)")
                continue
            columns.append(values.astype(object))
            kinds.append("numeric")
        else:
            if distinct > max(50, 0.05 * len(col)):
                notes.append(f"dropped {name!r}: {distinct} distinct text values (an "
                             "identifier or free text?)")
                continue
            columns.append(np.where(missing, "missing", col))
            kinds.append("categorical")
        names.append(name)
    if not columns:
        raise ValueError(f"{path.name} has no feature columns besides {target!r}.")
    return np.column_stack(columns), y, kinds, names, notes


def _to_float(X):
    return np.asarray(X, dtype=np.float64)


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
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    numeric = [i for i, k in enumerate(kinds) if k == "numeric"]
    categorical = [i for i, k in enumerate(kinds) if k == "categorical"]
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(FunctionTransformer(_to_float),
                                               SimpleImputer(strategy="median"),
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


def _tune_fit_score(name, fold, model, preprocessor, X, y, train, test, *, inner_cv, metric,
                    class_weight, epochs, seed):
    """Tune ``model`` by inner CV on the training rows only, refit there, score the test rows."""
    import torch
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline
    from sklearn.utils import _safe_indexing
    from threadpoolctl import threadpool_limits

    estimator = model.make(seed, epochs)
    if "covariance" in estimator.get_params() and X.shape[1] > 256:
        estimator.set_params(covariance="diag")  # docs/iada.md: full is C·d² per batch
    grid = {f"model__{k}": v for k, v in model.grid.items()}
    _, counts = np.unique(y[train], return_counts=True)
    if "class_weight" in estimator.get_params():
        if class_weight is None and counts.min() == counts.max():
            pass  # balanced classes: class_weight="balanced" is the same model as None
        elif class_weight is None:
            grid["model__class_weight"] = [None, "balanced"]
        else:
            estimator.set_params(class_weight=class_weight)
    prep = preprocessor if isinstance(preprocessor, str) else clone(preprocessor)
    search = GridSearchCV(
        Pipeline([("prep", prep), ("model", estimator)]), grid, scoring=metric,
        cv=StratifiedKFold(inner_cv, shuffle=True, random_state=seed), n_jobs=1,
        error_score="raise",
    )
    threads = torch.get_num_threads()
    # one thread per task: small heads gain nothing from more, and tasks run side by side
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        torch.set_num_threads(1)
        try:
            start = time.perf_counter()
            search.fit(_safe_indexing(X, train), y[train])
            seconds = time.perf_counter() - start
            pred = search.predict(_safe_indexing(X, test))
        finally:
            torch.set_num_threads(threads)
    return {
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
            progress=True, splits=None, baselines=("lr", "hgb"), early_stopping=True):
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
    names = parse_methods(",".join(methods), always=baselines)
    metric = metric or default_metric(y)
    if metric not in ("accuracy", "balanced_accuracy"):
        raise ValueError(f"metric must be 'accuracy' or 'balanced_accuracy', got {metric!r}.")
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    if splits is None:
        splitter = RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats,
                                           random_state=random_state)
        splits = splitter.split(np.zeros(len(y)), y)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
    registry = models(early_stopping)
    tasks = [(name, f) for f in range(len(folds)) for name in names]
    run = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_tune_fit_score)(
            name, f, registry[name], preprocessor, X, y, *folds[f], inner_cv=inner_cv,
            metric=metric, class_weight=class_weight, epochs=epochs, seed=random_state,
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
    return {
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
        d = np.subtract(r["scores"], best["scores"])
        mean, std, p = corrected_ttest(d, r["n_train"], r["n_test"])
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


def write_rows(rows, path):
    """Write the result rows to ``path``: CSV (``.csv``) or markdown (``.md``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".md":
        path.write_text(format_table(rows, markdown=True))
    elif suffix == ".csv":
        flat = [{k: " | ".join(map(str, v)) if isinstance(v, list) else v for k, v in r.items()}
                for r in rows]
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(flat[0]))
            writer.writeheader()
            writer.writerows(flat)
    else:
        raise ValueError(f"--output must end in .csv or .md, got {path.name}.")
