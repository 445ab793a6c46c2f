"""IDAA benchmark: no augmentation / Gaussian noise / IDAA / SAflex(IDAA) on real data.

Writes ``benchmarks/results/idaa.md`` and ``benchmarks/results/idaa_sensitivity.png``.
Not a test: ``python benchmarks/bench_idaa.py`` (about 15 minutes on 2 cores;
``--quick`` for one seed and fewer settings).

Same MLP head for every model (2 × 256, dropout 0.1, Adam 1e-3, batch 128,
100 epochs), the loss CE(x) + CE(x') of the clean and the augmented rows:
``IDAAClassifier(epsilon=0, augmented_weight=0)`` is the no-augmentation head,
``SAflexClassifier(GaussianNoise(0.1), refine=False)`` the noise baseline,
``IDAAClassifier()`` IDAA with its defaults (latent 16, β 1, ε 0.1, VAE 50
epochs), ``SAflexClassifier(IDAA())`` SAflex's weights on IDAA's rows (10 % of
the training split held out for its validation gradient).
LogisticRegression (C by 3-fold CV) for reference. Features standardised on
the training split. Accuracy and balanced accuracy in %, mean ± std over 3
seeds (a fresh stratified split per seed: 70/30 for the tables, 2,000 train /
3,000 test rows for the CIFAR-10 features).
"""

import argparse
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.base import clone
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, str(Path(__file__).parent))
from _scenarios import RESULTS, load_multiclass, save_results  # noqa: E402
from bench_saflex import load  # noqa: E402

from skaug import IDAA, GaussianNoise, IDAAClassifier, SAflexClassifier  # noqa: E402


def dataset(name, seed):
    """Standardised train/test split of a real dataset."""
    if name == "cifar10_resnet":
        X, y = load_multiclass(name)
        X_tr, X_te, y_tr, y_te = train_test_split(X, y, train_size=2000, test_size=3000,
                                                  stratify=y, random_state=seed)
        mean, std = X_tr.mean(0), X_tr.std(0) + 1e-8
        return (X_tr - mean) / std, (X_te - mean) / std, y_tr, y_te
    X, y, pre = load(name)
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)
    pre = clone(pre).fit(X_tr)
    return (pre.transform(X_tr).astype(np.float32), pre.transform(X_te).astype(np.float32),
            y_tr, y_te)


MODELS = {
    "no augmentation": lambda s: IDAAClassifier(epsilon=0.0, augmented_weight=0.0, random_state=s),
    "Gaussian noise σ=0.1": lambda s: SAflexClassifier(
        augmenter=GaussianNoise(0.1), refine=False, random_state=s),
    "IDAA": lambda s: IDAAClassifier(random_state=s),
    "SAflex(IDAA)": lambda s: SAflexClassifier(augmenter=IDAA(), random_state=s),
    "LogisticRegression": lambda s: LogisticRegressionCV(Cs=10, cv=3, max_iter=2000),
}


def run(model, split):
    X_tr, X_te, y_tr, y_te = split
    t0 = time.perf_counter()
    model.fit(X_tr, y_tr)
    elapsed = time.perf_counter() - t0
    pred = model.predict(X_te)
    return 100 * np.mean(pred == y_te), 100 * balanced_accuracy_score(y_te, pred), elapsed


def fmt(values):
    v = np.asarray(values)
    return f"{v.mean():.2f} ± {v.std():.2f}"


def sensitivity(names, seeds, grid_eps, grid_latent):
    """Accuracy of IDAAClassifier against epsilon (latent 16) and latent_dim (ε 0.1)."""
    out = {}
    for name in names:
        splits = [dataset(name, s) for s in seeds]
        for key, grid in (("epsilon", grid_eps), ("latent_dim", grid_latent)):
            for value in grid:
                params = {key: value}
                if key == "epsilon" and value == 0:
                    params["alpha"] = 0.0  # the plain head
                accs = [run(IDAAClassifier(random_state=s, **params), sp)[0]
                        for s, sp in zip(seeds, splits)]
                out[(name, key, value)] = accs
                print(name, key, value, fmt(accs), flush=True)
    return out


def plot(sens, names, grid_eps, grid_latent, path, note):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(names), 2, figsize=(9, 3.2 * len(names)), squeeze=False)
    for row, name in enumerate(names):
        for col, (key, grid) in enumerate((("epsilon", grid_eps), ("latent_dim", grid_latent))):
            ax = axes[row, col]
            acc = np.array([sens[(name, key, v)] for v in grid])
            xs = np.arange(len(grid))
            ax.errorbar(xs, acc.mean(1), yerr=acc.std(1), marker="o", capsize=3)
            ax.set_xticks(xs, [str(v) for v in grid])
            ax.set_xlabel(key + (" (latent_dim 16)" if key == "epsilon" else " (ε 0.1)"))
            ax.set_ylabel("test accuracy %")
            ax.set_title(name)
            ax.grid(alpha=0.3)
    fig.suptitle("IDAAClassifier sensitivity (mean ± std over seeds)\n" + note, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    seeds = [0] if args.quick else [0, 1, 2]
    names = ["qsar_biodeg", "churn", "cifar10_resnet"] if not args.quick else ["qsar_biodeg"]
    start = time.time()
    note = (f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads, "
            f"seeds {seeds}, torch {torch.__version__}, scikit-learn {sklearn.__version__}")
    lines = ["# IDAA benchmark", "", __doc__.split("\n\n")[2].replace("\n", " "), "", note, "",
             "| dataset | model | accuracy | balanced accuracy | fit s |", "|---|---|---|---|---|"]
    for name in names:
        splits = [dataset(name, s) for s in seeds]
        for label, make in MODELS.items():
            rows = np.array([run(make(s), sp) for s, sp in zip(seeds, splits)])
            lines.append(f"| {name} | {label} | {fmt(rows[:, 0])} | {fmt(rows[:, 1])} | "
                         f"{rows[:, 2].mean():.1f} |")
            print(lines[-1], f"{time.time() - start:.0f} s", flush=True)
    grid_eps = [0, 0.05, 0.1, 0.2, 0.5, 1.0] if not args.quick else [0, 0.1]
    grid_latent = [2, 4, 8, 16, 32, 64] if not args.quick else [4, 16]
    sens_names = ["qsar_biodeg", "cifar10_resnet"] if not args.quick else ["qsar_biodeg"]
    sens = sensitivity(sens_names, seeds, grid_eps, grid_latent)
    lines += ["", "## Sensitivity (accuracy %, `idaa_sensitivity.png`)", "",
              "| dataset | parameter | value | accuracy |", "|---|---|---|---|"]
    lines += [f"| {n} | {k} | {v} | {fmt(a)} |" for (n, k, v), a in sens.items()]
    lines += ["", f"Total time {time.time() - start:.0f} s."]
    suffix = "_quick" if args.quick else ""
    RESULTS.mkdir(exist_ok=True)
    plot(sens, sens_names, grid_eps, grid_latent, RESULTS / f"idaa_sensitivity{suffix}.png", note)
    save_results(f"idaa{suffix}.md", lines)


if __name__ == "__main__":
    main()
