"""IADA benchmark: biased training sets (long tails, label noise) on real data.

Writes ``benchmarks/results/iada_<dataset>.md`` and prints it. Not a test:

    python benchmarks/bench_iada.py --dataset cifar10_resnet     # ~15 min on one core
    python benchmarks/bench_iada.py --dataset digits              # ~3 min
    python benchmarks/bench_iada.py --dataset arrhythmia          # ~1 min

Scenarios: long tails with imbalance ratio 10 and 100 (exponential profile of
CIFAR-LT) and 20 % / 40 % symmetric label noise, each on a fresh stratified
split per seed (the test set stays clean and balanced). Rows: scikit-learn's
LogisticRegression (plain and class_weight="balanced"), the cross-entropy head
(``IADAClassifier`` with ε=0, λ0=0), ISDA (ε=0, λ0=0.5, ISDA's default),
IADA-class and Meta-IADA (skaug defaults), and Meta-IADA with
class_weight="balanced". Accuracy and balanced accuracy in %, mean ± std over
seeds; fit time relative to the CE head measured in the same runs.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

sys.path.insert(0, str(Path(__file__).parent))
from _scenarios import save_results, scenario  # noqa: E402

from skaug import IADAClassifier  # noqa: E402


def models():
    return {
        "LogisticRegression": LogisticRegression(max_iter=3000),
        "LogisticRegression(balanced)": LogisticRegression(max_iter=3000, class_weight="balanced"),
        "CE head": IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.0),
        "ISDA (λ0=0.5)": IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.5),
        "IADA-class": IADAClassifier(perturbation="class"),
        "Meta-IADA": IADAClassifier(perturbation="meta"),
        "Meta-IADA + balanced": IADAClassifier(perturbation="meta", class_weight="balanced"),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", default="cifar10_resnet", choices=["cifar10_resnet", "digits", "arrhythmia"]
    )
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    scenarios = [("lt", 10), ("lt", 100), ("noise", 0.2), ("noise", 0.4)]
    if args.dataset == "arrhythmia":  # long-tailed already (ratio 122)
        scenarios = [("natural", None), ("noise", 0.2)]
    start = time.time()
    lines = [
        f"# IADA benchmark — {args.dataset}",
        "",
        f"{args.seeds} seeds; skaug defaults unless named (ε=1, λ0=0.1, α=0.5, β=1, Adam lr 1e-2, "
        "100 epochs, batch 128, warm-up 5 epochs, meta set 10 rows per class held out). "
        "Accuracy / balanced accuracy in % on a clean, stratified test set, mean ± std; "
        "time relative to the CE head.",
        "",
        "| scenario | model | accuracy | balanced accuracy | fit time ÷ CE head |",
        "|---|---|---|---|---|",
    ]
    # One untimed fit first, so that no timed fit pays for torch's first-use set-up.
    X_tr, _, y_tr, _ = scenario(args.dataset, *scenarios[0], 0)
    models()["Meta-IADA"].set_params(max_epochs=2).fit(X_tr, y_tr)
    for kind, level in scenarios:
        res = {}
        for seed in range(args.seeds):
            X_tr, X_te, y_tr, y_te = scenario(args.dataset, kind, level, seed)
            for name, model in models().items():
                if "random_state" in model.get_params():
                    model.set_params(random_state=seed)
                t0 = time.perf_counter()
                model.fit(X_tr, y_tr)
                elapsed = time.perf_counter() - t0
                pred = model.predict(X_te)
                res.setdefault(name, []).append(
                    (100 * np.mean(pred == y_te), 100 * balanced_accuracy_score(y_te, pred), elapsed)
                )
        label = {
            "lt": f"long tail, ratio {level}",
            "noise": f"{int((level or 0) * 100)} % label noise",
            "natural": "natural long tail (ratio 122)",
        }[kind]
        ce_time = np.mean([r[2] for r in res["CE head"]])
        for name, rows in res.items():
            r = np.array(rows)
            lines.append(
                f"| {label} (n_train={len(y_tr)}) | {name} | {r[:, 0].mean():.2f} ± {r[:, 0].std():.2f} "
                f"| {r[:, 1].mean():.2f} ± {r[:, 1].std():.2f} | {r[:, 2].mean() / ce_time:.2f} |"
            )
        print(f"done {label} at {time.time() - start:.0f} s", flush=True)
    lines += ["", f"Total time {time.time() - start:.0f} s, torch {torch.__version__}, 1 thread."]
    save_results(f"iada_{args.dataset}.md", lines)


if __name__ == "__main__":
    main()
