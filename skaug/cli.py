"""Command line: ``skaug compare`` (also ``python -m skaug compare``).

Cross-validates SeA against its no-augmentation head and LogisticRegression on
built-in data and prints a table.
"""

import argparse
import sys
import time
import warnings

import numpy as np


def _models(epochs, random_state):
    from sklearn.linear_model import LogisticRegression

    from . import SeAClassifier

    return {
        "no augmentation (SeA eta=0)": SeAClassifier(
            eta=0.0, max_epochs=epochs, random_state=random_state
        ),
        "SeA (eta=0.2, default)": SeAClassifier(
            eta=0.2, max_epochs=epochs, random_state=random_state
        ),
        "SeA (eta=0.4)": SeAClassifier(eta=0.4, max_epochs=epochs, random_state=random_state),
        "LogisticRegression": LogisticRegression(max_iter=2000),
    }


def compare(dataset, cv=3, epochs=100, random_state=0, out=sys.stdout):
    """Cross-validated comparison on a built-in dataset; returns the result rows.

    Each row: (model, mean accuracy, std, mean balanced accuracy, std, mean fit seconds).
    """
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from .datasets import BUILTIN_DATASETS, load_builtin

    X, y = load_builtin(dataset)
    tabular = dataset == "qsar_biodeg"
    print(f"{dataset}: {BUILTIN_DATASETS[dataset]}; {X.shape[0]} rows, {cv}-fold CV", file=out)
    folds = StratifiedKFold(cv, shuffle=True, random_state=random_state)
    rows = []
    for name, model in _models(epochs, random_state).items():
        pipe = make_pipeline(StandardScaler(), model) if tabular else model
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            res = cross_validate(pipe, X, y, cv=folds, scoring=("accuracy", "balanced_accuracy"))
        acc, bacc = 100 * res["test_accuracy"], 100 * res["test_balanced_accuracy"]
        rows.append((name, acc.mean(), acc.std(), bacc.mean(), bacc.std(), res["fit_time"].mean()))
    width = max(len(r[0]) for r in rows)
    print(f"{'model':<{width}}  {'accuracy %':>14}  {'balanced acc. %':>15}  {'fit s':>6}", file=out)
    for name, a, sa, b, sb, t in rows:
        print(f"{name:<{width}}  {a:6.2f} ± {sa:5.2f}  {b:7.2f} ± {sb:5.2f}  {t:6.2f}", file=out)
    print(file=out)
    return rows


def main(argv=None):
    from .datasets import BUILTIN_DATASETS

    parser = argparse.ArgumentParser(prog="skaug", description="Feature-space augmentation.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "compare",
        help="cross-validate SeA against no augmentation and LogisticRegression",
    )
    p.add_argument(
        "--dataset",
        choices=sorted(BUILTIN_DATASETS) + ["all"],
        default="all",
        help="built-in dataset (default: all)",
    )
    p.add_argument("--cv", type=int, default=3, help="number of folds (default 3)")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    p.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.cv < 2:
        parser.error("--cv must be at least 2")
    names = sorted(BUILTIN_DATASETS) if args.dataset == "all" else [args.dataset]
    start = time.time()
    for name in names:
        compare(name, cv=args.cv, epochs=args.epochs, random_state=args.random_state)
    print(f"done in {time.time() - start:.0f} s")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
