"""What the benchmarks share: where the data and the results live, real datasets, biased training sets."""

import os
from pathlib import Path

import numpy as np

DATA = Path(os.environ.get("SKAUG_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))
RESULTS = Path(__file__).resolve().parent / "results"


def save_results(filename, lines):
    """Write the markdown ``lines`` to ``results/<filename>`` and print them."""
    text = "\n".join(lines) + "\n"
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / filename).write_text(text)
    print(text)


def load_multiclass(name):
    """(X, y) of a real multi-class set: CIFAR-10 ResNet features, digits or arrhythmia.

    Digits and arrhythmia are standardised (arrhythmia's missing values get the
    column median, constant columns are dropped); arrhythmia is long-tailed as
    it is (13 classes, 245 down to 2 rows).
    """
    if name == "cifar10_resnet":
        d = np.load(DATA / "features" / "cifar10_resnet20_resnet56.npz")
        X = np.hstack([d["X20"], d["X56"]])
        return (X / np.linalg.norm(X, axis=1, keepdims=True)).astype(np.float32), d["y"]
    if name == "arrhythmia":
        import pandas as pd

        df = pd.read_csv(DATA / "tabular" / "arrhythmia.csv", header=0, na_values="?")
        X = df.iloc[:, :-1].to_numpy(np.float64)
        X = np.where(np.isnan(X), np.nanmedian(X, axis=0), X)  # unsupervised median imputation
        X = X[:, X.std(0) > 0]
        _, y = np.unique(df.iloc[:, -1].to_numpy(), return_inverse=True)
        return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y
    if name == "digits":
        from sklearn.datasets import load_digits

        X, y = load_digits(return_X_y=True)
        return ((X - X.mean(0)) / (X.std(0) + 1e-8)).astype(np.float32), y
    raise ValueError(name)


def long_tail_indices(y, ratio, rng):
    """Exponential profile of CIFAR-LT: class k keeps n_max · ratio^(−k/(C−1)) rows."""
    classes = np.unique(y)
    n_max = np.bincount(y).min()
    keep = []
    for k, c in enumerate(classes):
        n_c = max(int(n_max * ratio ** (-k / (len(classes) - 1))), 1)
        keep.extend(rng.choice(np.flatnonzero(y == c), n_c, replace=False))
    return np.sort(np.asarray(keep))


def symmetric_noise(y, rate, rng):
    """Replace a fraction ``rate`` of labels by a uniformly drawn *other* class."""
    y = y.copy()
    classes = np.unique(y)
    flip = rng.rand(len(y)) < rate
    for i in np.flatnonzero(flip):
        y[i] = rng.choice(classes[classes != y[i]])
    return y


def ink_attribute(name):
    """A per-row binary attribute for the subpopulation shift: heavier than its class's median
    ink (digits: the sum of the raw pixel values, i.e. thick or large strokes)."""
    if name != "digits":
        raise ValueError(f"no subpopulation attribute for {name}")
    from sklearn.datasets import load_digits

    raw, y = load_digits(return_X_y=True)
    ink = raw.sum(axis=1)
    medians = {c: np.median(ink[y == c]) for c in np.unique(y)}
    return (ink > np.array([medians[c] for c in y])).astype(int)


def subpopulation_indices(y, attribute, share, rng):
    """Training rows where each class is dominated by one attribute value: even classes keep
    a share ``share`` of attribute-1 rows, odd classes of attribute-0 rows (a spurious
    class–attribute correlation the test set does not have)."""
    keep = []
    for c in np.unique(y):
        rows = np.flatnonzero(y == c)
        major = rows[attribute[rows] == (1 if c % 2 == 0 else 0)]
        minor = rows[attribute[rows] != (1 if c % 2 == 0 else 0)]
        n_minor = min(len(minor), int(round(len(major) * (1 - share) / share)))
        keep.extend(major)
        keep.extend(rng.choice(minor, n_minor, replace=False))
    return np.sort(np.asarray(keep))


def scenario(name, kind, level, seed, n_test=None, return_groups=False):
    """Train/test split of dataset ``name`` made biased: kind 'lt' (ratio), 'noise' (rate),
    'subpop' (share of the majority attribute value per class) or 'natural' (as it is).

    With ``return_groups``, also the test rows' groups (class × attribute, for the
    worst-group accuracy; attribute 0 everywhere but in 'subpop')."""
    from sklearn.model_selection import train_test_split

    X, y = load_multiclass(name)
    attribute = ink_attribute(name) if kind == "subpop" else np.zeros(len(y), int)
    rng = np.random.RandomState(seed)
    test_size = n_test or (3000 if name == "cifar10_resnet" else 0.3)
    X_tr, X_te, y_tr, y_te, a_tr, a_te = train_test_split(
        X, y, attribute, test_size=test_size, stratify=y, random_state=seed)
    if kind == "lt":
        keep = long_tail_indices(y_tr, level, rng)
        X_tr, y_tr = X_tr[keep], y_tr[keep]
    elif kind == "noise":
        y_tr = symmetric_noise(y_tr, level, rng)
    elif kind == "subpop":
        keep = subpopulation_indices(y_tr, a_tr, level, rng)
        X_tr, y_tr = X_tr[keep], y_tr[keep]
    if return_groups:
        return X_tr, X_te, y_tr, y_te, 2 * y_te + a_te
    return X_tr, X_te, y_tr, y_te


def protocol_lines(rows, label, n_train, n_test, worst_column=False):
    """Markdown table rows of :func:`skaug.compare.compare` results, on balanced accuracy.

    Columns: label, model, accuracy, balanced accuracy (the best in bold, *tie* within
    one std of it), [worst group,] Δ balanced accuracy vs the best baseline with the
    corrected resampled t-test's p, fit seconds, tuned values.
    """
    from skaug.compare import corrected_ttest

    base = max((r for r in rows if r.role == "baseline"), key=lambda r: r.balanced_accuracy)
    best = max(rows, key=lambda r: r.balanced_accuracy)
    lines = []
    for r in rows:
        d = np.array(r.scores) - np.array(base.scores)
        mean, std, p = corrected_ttest(d, n_train, n_test)
        delta = "—" if r is base else f"{mean:+.2f} ± {std:.2f} (p = {p:.2f})"
        bal = f"{r.balanced_accuracy:.2f} ± {r.balanced_accuracy_std:.2f}"
        if r is best:
            bal = f"**{bal}**"
        elif best.balanced_accuracy - r.balanced_accuracy <= best.balanced_accuracy_std:
            bal += " *tie*"
        cells = [label, r.label, f"{r.accuracy:.2f} ± {r.accuracy_std:.2f}", bal]
        if worst_column:
            cells.append(f"{r.worst_group_accuracy:.2f} ± {r.worst_group_accuracy_std:.2f}"
                         if r.worst_group_accuracy is not None else "—")
        cells += [delta, f"{r.fit_seconds:.1f}", r.tuned]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def load_table(file, target=None, max_rows=None, min_class_rows=0):
    """``(X, y, kinds)`` of a CSV of the data folder's ``tabular/``, read as ``skaug compare``
    reads it (``target`` None: the last column); classes under ``min_class_rows`` dropped."""
    from skaug.compare import load_csv

    path = DATA / "tabular" / file
    if target is None:
        import pandas as pd

        target = str(pd.read_csv(path, nrows=0).columns[-1]).strip()
    X, y, kinds, *_ = load_csv(path, target, max_rows=max_rows)
    if min_class_rows:
        classes, counts = np.unique(y, return_counts=True)
        keep = np.isin(y, classes[counts >= min_class_rows])
        X, y = X[keep].reset_index(drop=True), y[keep]
    return X, y, kinds
