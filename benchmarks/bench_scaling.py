"""Fit time against n and d for every skaug classifier, and their training curves.

Writes ``benchmarks/results/scaling.md``, ``scaling.png`` and
``training_curves.png``. Not a test: ``python benchmarks/bench_scaling.py``
(about 5 minutes on 2 cores).

Fit time: synthetic 5-class data (``make_classification``), 20 epochs, each
classifier with its defaults otherwise, one fit per point (seed 0), after one
warm-up fit. n varies at d = 64; d varies at n = 2,000. Training curves: the
built-in QSAR data (standardised), 100 epochs, ``early_stopping=True`` (10 %
held out) so both the training and the validation loss are drawn.
"""

import platform
import sys
import time
import warnings

import sklearn
import torch
from _scenarios import RESULTS, save_results
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from skaug import IADAClassifier, IDAAClassifier, SAflexClassifier, SeAClassifier
from skaug.datasets import load_builtin

MODELS = {
    "SeA": lambda **k: SeAClassifier(**k),
    "ISDA": lambda **k: IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.5, **k),
    "Meta-IADA": lambda **k: IADAClassifier(perturbation="meta", **k),
    "SAflex(CutMix)": lambda **k: SAflexClassifier(**k),
    "IDAA": lambda **k: IDAAClassifier(**k),
}


def fit_seconds(make, n, d):
    X, y = make_classification(n_samples=n, n_features=d, n_informative=min(d, 10), n_redundant=0,
                               n_classes=5, random_state=0)
    X = StandardScaler().fit_transform(X)
    t0 = time.perf_counter()
    make(max_epochs=20, random_state=0).fit(X, y)
    return time.perf_counter() - t0


def main(quick=False):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from skaug.plot import plot_training_curves

    torch.set_num_threads(2)
    warnings.simplefilter("ignore")
    note = (f"{platform.machine()}, {torch.get_num_threads()} threads, seed 0, torch "
            f"{torch.__version__}, scikit-learn {sklearn.__version__}")
    ns = [500, 1000, 2000] if quick else [500, 1000, 2000, 4000, 8000]
    ds = [16, 64] if quick else [16, 64, 256, 1024]
    fit_seconds(MODELS["SeA"], 200, 16)  # warm-up
    by_n = {name: [fit_seconds(make, n, 64) for n in ns] for name, make in MODELS.items()}
    print("n done", flush=True)
    by_d = {name: [fit_seconds(make, 2000, d) for d in ds] for name, make in MODELS.items()}
    lines = ["# Fit time against n and d", "", __doc__.split("\n\n")[2].replace("\n", " "), "",
             note, "", "| model | " + " | ".join(f"n={n}" for n in ns) + " | "
             + " | ".join(f"d={d}" for d in ds) + " |",
             "|---|" + "---|" * (len(ns) + len(ds))]
    for name in MODELS:
        lines.append(f"| {name} | " + " | ".join(f"{t:.1f}" for t in by_n[name]) + " | "
                     + " | ".join(f"{t:.1f}" for t in by_d[name]) + " |")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
    for name in MODELS:
        axes[0].plot(ns, by_n[name], marker="o", label=name)
        axes[1].plot(ds, by_d[name], marker="o", label=name)
    for ax, key in zip(axes, ("n (d = 64)", "d (n = 2000)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(key)
        ax.set_ylabel("fit seconds (20 epochs)")
        ax.grid(alpha=0.3)
    axes[1].legend(fontsize=8)
    fig.suptitle("Fit time scaling — " + note, fontsize=8)
    fig.tight_layout()
    RESULTS.mkdir(exist_ok=True)
    fig.savefig(RESULTS / "scaling.png", dpi=110)

    X, y = load_builtin("qsar_biodeg")
    X = StandardScaler().fit_transform(X)
    fig, axes = plt.subplots(1, len(MODELS), figsize=(3.2 * len(MODELS), 3), sharey=False)
    for ax, (name, make) in zip(axes, MODELS.items()):
        clf = make(max_epochs=30 if quick else 100, early_stopping=True,
                   n_iter_no_change=1000, random_state=0).fit(X, y)
        plot_training_curves(clf, ax=ax, label=name)
        ax.legend(fontsize=7)
    fig.suptitle("Training curves on QSAR (built-in) — " + note, fontsize=8)
    fig.tight_layout()
    fig.savefig(RESULTS / "training_curves.png", dpi=110)
    save_results("scaling.md", lines)


if __name__ == "__main__":
    main(quick="--quick" in sys.argv)
