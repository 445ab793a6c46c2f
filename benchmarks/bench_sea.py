"""SeA benchmark: accuracy against baselines on real data, and fit-time overhead.

Writes ``benchmarks/results/sea.md`` (and prints it). Not a test: run it by hand,

    python benchmarks/bench_sea.py                 # full run (about 15 min on 2 cores)
    python benchmarks/bench_sea.py --quick         # fewer epochs and sets, a smoke run

Data: the real datasets of the project's data folder (``SKAUG_DATA_DIR``, by
default ``../shared/data`` beside the repository).

Accuracy: for each seed a fresh stratified train/test split and model seed;
mean ± std over seeds. Baselines side by side: the same head without
augmentation (``eta=0``), and scikit-learn's ``LogisticRegression`` (C chosen
by 3-fold CV over a log grid, on the same inputs).

Time: ``SeAClassifier.fit`` divided by a bare-torch loop doing the same maths
for the same epochs (``benchmarks/_bare_sea.py``), measured in one run,
interleaved, best of several repeats, one torch thread.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, str(Path(__file__).parent))
from _bare_sea import bare_sea_fit  # noqa: E402
from _scenarios import DATA, save_results  # noqa: E402

from skaug import SeAClassifier  # noqa: E402


def load(name):
    """(X, y, preprocessor or None) for a named real dataset."""
    import pandas as pd

    if name.startswith("cifar10"):
        d = np.load(DATA / "features" / "cifar10_resnet20_resnet56.npz")
        X = np.hstack([d["X20"], d["X56"]])
        return X / np.linalg.norm(X, axis=1, keepdims=True), d["y"], None
    if name == "sms_minilm":
        d = np.load(DATA / "features" / "sms_minilm.npz")
        return d["X"], d["y"], None
    if name == "qsar_biodeg":
        df = pd.read_csv(DATA / "tabular" / "qsar_biodeg.csv", index_col=0)
        return df.drop(columns="label"), df["label"].to_numpy(), make_pipeline(StandardScaler())
    if name == "churn":
        df = pd.read_csv(DATA / "tabular" / "churn_modelling.csv")
        y = df.pop("Exited").to_numpy()
        X = df.drop(columns=["RowNumber", "CustomerId", "Surname"])
        cat = ["Geography", "Gender"]
        num = [c for c in X.columns if c not in cat]
        pre = ColumnTransformer(
            [
                ("num", make_pipeline(SimpleImputer(), StandardScaler()), num),
                ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                      OneHotEncoder(handle_unknown="ignore")), cat),
            ]
        )
        return X, y, pre
    raise ValueError(name)


def models(epochs):
    etas = [0.1, 0.2, 0.4, 0.8]
    out = {"SeA η=0 (no aug.)": SeAClassifier(eta=0.0, max_epochs=epochs)}
    for eta in etas:
        out[f"SeA η={eta}"] = SeAClassifier(eta=eta, max_epochs=epochs)
    out["LogisticRegression (CV C)"] = LogisticRegressionCV(Cs=np.logspace(-2, 3, 11), cv=3, max_iter=2000)
    return out


def accuracy_table(datasets, seeds, epochs):
    import warnings

    rows = []
    for name, n_train in datasets:
        X, y, pre = load(name)
        results = {}
        for seed in seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(
                X, y, train_size=n_train, stratify=y, random_state=seed
            )
            if pre is not None:
                from sklearn.base import clone

                p = clone(pre).fit(X_tr)
                X_tr, X_te = p.transform(X_tr), p.transform(X_te)
            for label, model in models(epochs).items():
                if "random_state" in model.get_params():
                    model.set_params(random_state=seed)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    model.fit(X_tr, y_tr)
                pred = model.predict(X_te)
                acc = np.mean(pred == y_te)
                bacc = balanced_accuracy_score(y_te, pred)
                results.setdefault(label, []).append((acc, bacc))
        for label, vals in results.items():
            vals = 100 * np.array(vals)
            rows.append((f"{name} (n_train={n_train})", label, vals[:, 0], vals[:, 1]))
        print(f"done {name} n_train={n_train}", flush=True)
    return rows


def time_ratio(name, n_rows, epochs, repeats):
    import warnings

    warnings.simplefilter("ignore", UserWarning)  # the binary-eta warning
    X, y, _ = load(name)
    idx = np.random.RandomState(0).permutation(len(y))[:n_rows]
    X, y = X[idx].astype(np.float32), y[idx]
    C = len(np.unique(y))
    params = dict(eta=0.2, alpha=0.01, temperature=0.1, margin=0.0, lr=1.0, momentum=0.9,
                  weight_decay=0.0, batch_size=256, max_epochs=epochs)
    est = SeAClassifier(device="cpu", random_state=0, **params)
    est.fit(X, y)  # warm-up of both code paths
    bare_sea_fit(X, y, C, seed=0, **params)
    t_est, t_bare = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        SeAClassifier(device="cpu", random_state=0, **params).fit(X, y)
        t_est.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare_sea_fit(X, y, C, seed=0, **params)
        t_bare.append(time.perf_counter() - t0)
    return min(t_est), min(t_bare)


def fmt(v):
    return f"{v.mean():.2f} ± {v.std():.2f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    epochs = 20 if args.quick else 100
    datasets = [("cifar10_resnet20_56", 500), ("cifar10_resnet20_56", 2000),
                ("sms_minilm", 1000), ("qsar_biodeg", 700), ("churn", 5000)]
    if args.quick:
        datasets = datasets[:1]
    seeds = list(range(args.seeds))

    t0 = time.time()
    rows = accuracy_table(datasets, seeds, epochs)
    lines = [
        "# SeA benchmark",
        "",
        f"{len(seeds)} seeds (split and model seed), {epochs} epochs, SeA defaults otherwise "
        "(λ=0.1, δ=0, α=0.01, lr=1, batch 256). Test accuracy and balanced accuracy in %, "
        "mean ± std over seeds. LogisticRegression: C by 3-fold CV over 10^-2..10^3.",
        "",
        "| dataset | model | accuracy | balanced accuracy |",
        "|---|---|---|---|",
    ]
    for ds, label, acc, bacc in rows:
        lines.append(f"| {ds} | {label} | {fmt(acc)} | {fmt(bacc)} |")

    lines += ["", "## Fit time: SeAClassifier / bare-torch loop (same maths, same epochs)", "",
              "| data | rows × dims | epochs | SeAClassifier s | bare torch s | ratio |",
              "|---|---|---|---|---|---|"]
    for name, n in [("cifar10_resnet20_56", 5000), ("sms_minilm", 5000)]:
        t_est, t_bare = time_ratio(name, n, epochs, 2 if args.quick else 5)
        d = load(name)[0].shape[1]
        lines.append(f"| {name} | {n} × {d} | {epochs} | {t_est:.2f} | {t_bare:.2f} | {t_est / t_bare:.2f} |")
    lines += ["", f"Total benchmark time: {time.time() - t0:.0f} s, torch {torch.__version__}, "
              f"{torch.get_num_threads()} thread."]
    if args.quick:
        print("\n".join(lines))
    else:
        save_results("sea.md", lines)


if __name__ == "__main__":
    main()
