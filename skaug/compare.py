"""Does augmentation help on *this* data, and which method? Cross-validated answers.

:func:`load_csv` reads a CSV file (categorical columns detected),
:func:`make_preprocessor` one-hot encodes them and standardises the numeric
ones, :func:`compare` cross-validates the chosen methods beside the
no-augmentation head and LogisticRegression. ``skaug compare`` is the command
line around them.
"""

import csv
import time
from pathlib import Path

import numpy as np

#: Method name -> (label, factory(epochs, random_state)). The MLP-head methods
#: share one head (2 × 256, dropout 0.1, Adam), so "none" is their baseline.
METHODS = {
    "none": "no augmentation (MLP head)",
    "lr": "LogisticRegression",
    "cutmix": "CutMix p=0.5",
    "mixup": "Mixup α=0.2",
    "noise": "Gaussian noise σ=0.1",
    "saflex": "SAflex(CutMix p=0.5)",
    "sea": "SeA η=0.2 (linear head)",
    "isda": "ISDA λ0=0.5",
    "iada": "Meta-IADA",
    "idaa": "IDAA ε=0.1",
    "saflex-idaa": "SAflex(IDAA)",
}
DEFAULT_METHODS = ("none", "cutmix", "saflex", "sea", "iada", "idaa")
_BASELINES = ("none", "lr")
MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}


def make_model(method, epochs=100, random_state=0):
    """A fresh estimator for ``method`` (a key of :data:`METHODS`)."""
    from sklearn.linear_model import LogisticRegression

    from . import (
        IDAA,
        CutMix,
        GaussianNoise,
        IADAClassifier,
        IDAAClassifier,
        Mixup,
        SAflexClassifier,
        SeAClassifier,
    )

    common = dict(max_epochs=epochs, random_state=random_state)
    upstream = {"cutmix": CutMix(p=0.5), "mixup": Mixup(0.2), "noise": GaussianNoise(0.1)}
    if method == "none":
        return IDAAClassifier(epsilon=0.0, augmented_weight=0.0, **common)
    if method == "lr":
        return LogisticRegression(max_iter=5000)
    if method in upstream:
        return SAflexClassifier(augmenter=upstream[method], refine=False, **common)
    if method == "saflex":
        return SAflexClassifier(augmenter=CutMix(p=0.5), **common)
    if method == "saflex-idaa":
        return SAflexClassifier(augmenter=IDAA(), **common)
    if method == "sea":
        return SeAClassifier(**common)
    if method == "isda":
        return IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.5, **common)
    if method == "iada":
        return IADAClassifier(**common)
    if method == "idaa":
        return IDAAClassifier(**common)
    raise ValueError(f"unknown method {method!r}; choose from {', '.join(METHODS)}.")


def parse_methods(text):
    """``"none,cutmix,sea"`` -> the list of methods, baselines first, each once."""
    names = [m.strip().lower() for m in text.split(",") if m.strip()] if text else []
    unknown = [m for m in names if m not in METHODS and m != "all"]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(METHODS)} or 'all'.")
    if "all" in names:
        names = list(METHODS)
    return list(_BASELINES) + [m for m in dict.fromkeys(names) if m not in _BASELINES]


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


def check_target(y, cv):
    """Refuse targets cross-validation cannot handle, saying what to do."""
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"the target has only one class ({str(classes[0])!r}); a classifier "
                         "needs at least two.")
    if counts.min() < cv:
        raise ValueError(f"class {str(classes[counts.argmin()])!r} has {counts.min()} rows, fewer "
                         f"than the {cv} folds of cross-validation; use --cv {max(counts.min(), 2)} "
                         "or drop the class.")


def compare(X, y, methods=DEFAULT_METHODS, *, preprocessor=None, cv=5, epochs=100,
            random_state=0, progress=True):
    """Cross-validate each method (plus the baselines) on ``(X, y)``.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    methods : iterable of str, default=DEFAULT_METHODS
        Keys of :data:`METHODS`; the baselines "none" and "lr" are always run.
    preprocessor : transformer, default=None
        Fitted inside each fold before the model (default: StandardScaler).
    cv : int, default=5
        Stratified folds (shuffled with ``random_state``).
    epochs : int, default=100
    random_state : int, default=0
    progress : bool, default=True
        A progress bar on stderr.

    Returns
    -------
    rows : list of dict
        One per method: ``method``, ``model``, ``accuracy``, ``accuracy_std``,
        ``balanced_accuracy``, ``balanced_accuracy_std`` (in %), ``fit_seconds``.

    Examples
    --------
    >>> from skaug.compare import compare
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> rows = compare(X, y, ["sea"], cv=2, epochs=2, progress=False)
    >>> [r["method"] for r in rows]
    ['none', 'lr', 'sea']
    """
    from sklearn.base import clone
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    y = np.asarray(y)
    check_target(y, cv)
    methods = parse_methods(",".join(methods))
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    folds = list(StratifiedKFold(cv, shuffle=True, random_state=random_state).split(X, y))
    scores = {m: [] for m in methods}
    bar = tqdm(total=len(methods) * cv, desc="skaug compare", unit="fit", disable=not progress)
    with bar:
        for method in methods:
            for train, test in folds:
                bar.set_postfix_str(method)
                model = make_pipeline(clone(preprocessor), make_model(method, epochs, random_state))
                t0 = time.perf_counter()
                model.fit(X[train], y[train])
                seconds = time.perf_counter() - t0
                pred = model.predict(X[test])
                scores[method].append((100 * accuracy_score(y[test], pred),
                                       100 * balanced_accuracy_score(y[test], pred), seconds))
                bar.update()
    rows = []
    for method, s in scores.items():
        s = np.array(s)
        rows.append({
            "method": method, "model": METHODS[method],
            "accuracy": s[:, 0].mean(), "accuracy_std": s[:, 0].std(),
            "balanced_accuracy": s[:, 1].mean(), "balanced_accuracy_std": s[:, 1].std(),
            "fit_seconds": s[:, 2].mean(),
        })
    return rows


def format_table(rows, markdown=False):
    """The result rows as a text table (or a markdown one)."""
    cells = [(r["model"], f"{r['accuracy']:.2f} ± {r['accuracy_std']:.2f}",
              f"{r['balanced_accuracy']:.2f} ± {r['balanced_accuracy_std']:.2f}",
              f"{r['fit_seconds']:.2f}") for r in rows]
    head = ("model", "accuracy %", "balanced accuracy %", "fit s")
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|---|---|---|---|"]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells]) + "\n"
    widths = [max(len(x[i]) for x in [head, *cells]) for i in range(4)]
    fmt = lambda c: "  ".join(  # noqa: E731
        v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths)))
    return "\n".join([fmt(head), *(fmt(c) for c in cells)]) + "\n"


def write_rows(rows, path):
    """Write the result rows to ``path``: CSV (``.csv``) or markdown (``.md``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".md":
        path.write_text(format_table(rows, markdown=True))
    elif suffix == ".csv":
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    else:
        raise ValueError(f"--output must end in .csv or .md, got {path.name}.")
