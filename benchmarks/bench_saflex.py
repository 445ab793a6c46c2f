"""SAflex benchmark: no augmentation / CutMix / SAflex(CutMix) on real tabular sets.

Writes ``benchmarks/results/saflex.md``. Not a test:
``python benchmarks/bench_saflex.py`` (about 10 minutes on 2 cores).

Same MLP head (2 × 256, dropout 0.1, Adam 1e-3, batch 128, 100 epochs) for
every row; SAflex with skaug's defaults (β=3, τ=0: labels kept, rows weighted)
and with the paper's (β=1, τ=0.01: rows relabelled), both with a validation
gradient every 5 steps (``validation_interval=5``, the default); ``SAflexClassifier(refine=False)`` is the CutMix-only baseline and
an augmenter returning no rows the no-augmentation one. Validation for SAflex:
10 % of the training split, never trained on. Accuracy in %, mean ± std over
3 seeds (a fresh stratified 70/30 split per seed). Overhead: SAflex fit time
over CutMix-only fit time, same runs.
"""

import time
import warnings

import numpy as np
import torch
from _scenarios import DATA, save_results
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skaug import CutMix, SAflexClassifier


def load(name):
    import pandas as pd

    if name == "qsar_biodeg":
        df = pd.read_csv(DATA / "tabular" / "qsar_biodeg.csv", index_col=0)
        y = df.pop("label").to_numpy()
        return df, y, make_pipeline(StandardScaler())
    if name == "arrhythmia":
        df = pd.read_csv(DATA / "tabular" / "arrhythmia.csv", header=0, na_values="?")
        y = df.iloc[:, -1].to_numpy()
        keep = np.isin(y, np.unique(y)[np.bincount(np.unique(y, return_inverse=True)[1]) >= 4])
        return df.iloc[keep, :-1], y[keep], make_pipeline(SimpleImputer(strategy="median"),
                                                           StandardScaler())
    if name == "churn":
        df = pd.read_csv(DATA / "tabular" / "churn_modelling.csv").dropna()
        y = df.pop("Exited").to_numpy()
        df = df.drop(columns=["RowNumber", "CustomerId", "Surname"])
        cat = ["Geography", "Gender"]
        num = [c for c in df.columns if c not in cat]
        return df, y, ColumnTransformer([("num", StandardScaler(), num),
                                         ("cat", OneHotEncoder(handle_unknown="ignore"), cat)])
    raise ValueError(name)


def no_rows(X, Y, generator):
    return X[:0], Y[:0]


def main():
    from sklearn.base import clone

    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    seeds = range(3)
    start = time.time()
    lines = ["# SAflex benchmark", "", __doc__.split("\n\n")[1].replace("\n", " "), "",
             "| dataset | model | accuracy | balanced accuracy | fit s |", "|---|---|---|---|---|"]
    overhead = []
    for name in ("qsar_biodeg", "arrhythmia", "churn"):
        X, y, pre = load(name)
        models = {"no augmentation": dict(augmenter=no_rows, refine=False)}
        for p in (0.1, 0.5, 0.9):
            models[f"CutMix p={p}"] = dict(augmenter=CutMix(p=p), refine=False)
            models[f"SAflex(CutMix p={p})"] = dict(augmenter=CutMix(p=p), refine=True)
            models[f"SAflex(CutMix p={p}), paper β=1 τ=0.01"] = dict(
                augmenter=CutMix(p=p), refine=True, beta=1.0, temperature=0.01)
        res = {}
        for seed in seeds:
            X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
            prep = clone(pre).fit(X_tr)
            X_tr, X_te = prep.transform(X_tr), prep.transform(X_te)
            for label, params in models.items():
                clf = SAflexClassifier(random_state=seed, **params)
                t0 = time.perf_counter()
                clf.fit(X_tr, y_tr)
                elapsed = time.perf_counter() - t0
                pred = clf.predict(X_te)
                res.setdefault(label, []).append(
                    (100 * np.mean(pred == y_te), 100 * balanced_accuracy_score(y_te, pred), elapsed))
        for label, rows in res.items():
            r = np.array(rows)
            lines.append(f"| {name} | {label} | {r[:, 0].mean():.2f} ± {r[:, 0].std():.2f} | "
                         f"{r[:, 1].mean():.2f} ± {r[:, 1].std():.2f} | {r[:, 2].mean():.1f} |")
        for p in (0.1, 0.5, 0.9):
            ratio = np.mean([s[2] for s in res[f"SAflex(CutMix p={p})"]]) / np.mean(
                [c[2] for c in res[f"CutMix p={p}"]])
            overhead.append((name, p, ratio))
        print("done", name, f"{time.time() - start:.0f} s", flush=True)
    lines += ["", "## Fit-time overhead of SAflex over CutMix-only (same head, epochs, runs)", "",
              "| dataset | p | SAflex ÷ CutMix-only |", "|---|---|---|"]
    lines += [f"| {n} | {p} | {r:.2f} |" for n, p, r in overhead]
    lines += ["", f"Total time {time.time() - start:.0f} s, torch {torch.__version__}, 2 threads."]
    save_results("saflex.md", lines)


if __name__ == "__main__":
    main()
