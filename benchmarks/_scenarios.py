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


def scenario(name, kind, level, seed, n_test=None):
    """Train/test split of dataset ``name`` made biased: kind 'lt' (ratio), 'noise' (rate)
    or 'natural' (as it is)."""
    from sklearn.model_selection import train_test_split

    X, y = load_multiclass(name)
    rng = np.random.RandomState(seed)
    test_size = n_test or (3000 if name == "cifar10_resnet" else 0.3)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
    if kind == "lt":
        keep = long_tail_indices(y_tr, level, rng)
        X_tr, y_tr = X_tr[keep], y_tr[keep]
    elif kind == "noise":
        y_tr = symmetric_noise(y_tr, level, rng)
    return X_tr, X_te, y_tr, y_te
