"""Speed as ratios measured in one run: SeA's arithmetic rate, SAflex and Meta-IADA overheads, IADA's covariance.

1. SeA's training loop (``SeAClassifier.fit``'s epochs, from its history) in
   GFLOP/s on 20,000 rows × 2,048 and × 8,192 features, 100 classes, batch
   256, against a 4096² float32 matmul timed in the same process; where the
   time goes (the step's products alone, a bare torch loop, the estimator).
2. ``SAflexClassifier`` fit time over CutMix-only (``refine=False``, same head
   and schedule) on the benchmark tables — CutMix-only on SAflex's own
   training rows and on all rows — and on a wide synthetic head where the
   matmuls dominate.
3. Meta-IADA (and ISDA, IADA-class) fit time over the plain CE head
   (``epsilon=0, lambda0=0``) on digits and arrhythmia.
4. IADA with full class covariances against d (features used as they come:
   ``hidden_layer_sizes=()``, 4 classes): fit time over diagonal covariances
   and the memory peak over the covariances' own size.

Run ``python benchmarks/bench_performance.py`` (CPU, writes
``results/performance.md``); ``python benchmarks/gpu.py`` runs the same on a
CUDA device. Thread setting: torch's default; each classifier's own
``n_threads=None`` policy applies inside its fits.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _scenarios import DATA, load_multiclass, save_results  # noqa: E402

from skaug import CutMix, IADAClassifier, SAflexClassifier, SeAClassifier  # noqa: E402


def synchronize(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def matmul_rate(device, k=4096, seconds=2.0):
    """GFLOP/s of a k × k float32 matmul (best of repeated timings)."""
    a = torch.randn(k, k, device=device)
    b = torch.randn(k, k, device=device)
    a @ b
    synchronize(device)
    best, start = 0.0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        t = time.perf_counter()
        a @ b
        synchronize(device)
        best = max(best, 2 * k**3 / (time.perf_counter() - t) / 1e9)
    return best


def sea_batch_flops(b, d, n_classes):
    """Multiply-adds × 2 of one SeA step on a batch of b rows.

    Logits of the batch and ``p W`` (Prop. 4): 2·(2bdC); the projection scores
    ``Π(g) Xᵀ`` and ``q X`` (Eq. 9–10): 2·(2b²d); the head's forward on the
    augmented rows and its weight gradient: 2·(2bdC). Elementwise work is not
    counted.
    """
    return 8 * b * d * n_classes + 4 * b * b * d


def sea_batch_flops_done(b, d, n_classes):
    """FLOPs of the products skaug runs for the same step when C ≤ b.

    The projection scores come from the logits (``gradient_scores``): ``x Wᵀ``,
    ``W Wᵀ``, ``r (W Wᵀ)``, ``r zᵀ`` replace the (b, d) gradient rows and
    ``Π(g) Xᵀ``; then ``q X``, the head's forward and its weight gradient.
    """
    if n_classes > b:
        return sea_batch_flops(b, d, n_classes)
    C = n_classes
    return 6 * b * d * C + 2 * C * C * d + 2 * b * C * C + 2 * b * b * C + 2 * b * b * d


def sea_epoch_flops(n, d, n_classes, b, count=sea_batch_flops):
    full, last = divmod(n, b)
    return full * count(b, d, n_classes) + (count(last, d, n_classes) if last else 0)


def sea_problem(n, d, n_classes, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((n_classes, d)).astype(np.float32)
    y = rng.integers(0, n_classes, n)
    return centres[y] + 2 * rng.standard_normal((n, d), dtype=np.float32), y


def sea_rate(device, n, d, n_classes=100, batch=256, epochs=3):
    X, y = sea_problem(n, d, n_classes)
    start = time.perf_counter()
    clf = SeAClassifier(max_epochs=epochs, batch_size=batch, random_state=0, device=device)
    clf.fit(X, y)
    total = time.perf_counter() - start
    loop = float(sum(clf.net_.history[:, "dur"]))
    paper = sea_epoch_flops(n, d, n_classes, batch) * epochs / loop / 1e9
    done = sea_epoch_flops(n, d, n_classes, batch, sea_batch_flops_done) * epochs / loop / 1e9
    return paper, done, loop, total


def sea_breakdown(device, n=20000, d=2048, n_classes=100, batch=256, epochs=2):
    """Seconds per epoch: skaug's products alone, SeAClassifier, and a paper-style bare loop.

    The products are those skaug runs for a step (``sea_batch_flops_done``);
    SeAClassifier's epoch less them is the elementwise, softmax, autograd,
    optimiser and per-batch glue. The bare loop (``_bare_sea.py``) is the
    paper's step written inline, with the (b, d) gradient rows formed.
    """
    from _bare_sea import bare_sea_fit

    X, y = sea_problem(n, d, n_classes)
    full, last = divmod(n, batch)
    sizes = [batch] * full + ([last] if last else [])
    rows = torch.nn.functional.normalize(torch.as_tensor(X[:batch], device=device), dim=1)
    W = torch.randn(n_classes, d, device=device)
    z, q = torch.randn(batch, n_classes, device=device), torch.randn(batch, batch, device=device)

    def products():  # x Wᵀ, W Wᵀ, r (W Wᵀ), r zᵀ, q x, x̃ Wᵀ, dzᵀ x̃
        for b in sizes:
            x, zb, qb = rows[:b], z[:b], q[:b, :b]
            zb @ (W @ W.T), zb @ zb.T, x @ W.T, qb @ x, x @ W.T, zb.T @ x
        synchronize(device)

    products()
    start = time.perf_counter()
    for _ in range(epochs):
        products()
    mm = (time.perf_counter() - start) / epochs
    clf = SeAClassifier(max_epochs=epochs, batch_size=batch, random_state=0, device=device)
    clf.fit(X, y)
    fit = float(sum(clf.net_.history[:, "dur"])) / epochs
    settings = dict(eta=0.2, alpha=0.01, temperature=0.1, margin=0.0, lr=1.0, momentum=0.9,
                    weight_decay=0.0, batch_size=batch, seed=0, device=device)
    bare_sea_fit(X[:2 * batch], y[:2 * batch], n_classes, max_epochs=1, **settings)
    start = time.perf_counter()
    bare_sea_fit(X, y, n_classes, max_epochs=epochs, **settings)
    synchronize(device)
    bare = (time.perf_counter() - start) / epochs
    return {"skaug's matrix products of each step, alone": mm,
            "the rest: elementwise, softmax, autograd, SGD, per-batch glue": fit - mm,
            "SeAClassifier's epoch": fit,
            "the paper's step in a bare torch loop (gradient rows formed)": bare}


def saflex_tables():
    """(name, X, y) of the SAflex benchmark's tables, preprocessed; built-in QSAR without the data folder."""
    if (DATA / "tabular" / "qsar_biodeg.csv").exists():
        from bench_saflex import load

        out = []
        for name in ("qsar_biodeg", "arrhythmia", "churn"):
            X, y, prep = load(name)
            out.append((name, np.asarray(prep.fit_transform(X), dtype=np.float32), y))
        return out
    from skaug.datasets import load_builtin

    X, y = load_builtin("qsar_biodeg")
    return [("qsar_biodeg (built-in)", ((X - X.mean(0)) / X.std(0)).astype(np.float32), y)]


def fit_seconds(make, X, y):
    start = time.perf_counter()
    make().fit(X, y)
    return time.perf_counter() - start


def saflex_ratios(device, repeats=3, epochs=30):
    rows = []
    settings = [(name, X, y, {}) for name, X, y in saflex_tables()]
    rng = np.random.default_rng(0)
    wide = (rng.standard_normal((4000, 512)).astype(np.float32), rng.integers(0, 10, 4000))
    settings.append(("synthetic 4,000 × 512, head (1024, 1024), 10 epochs", *wide,
                     {"hidden_layer_sizes": (1024, 1024), "max_epochs": max(epochs // 3, 1)}))
    for name, X, y, extra in settings:
        n_val = int(np.ceil(0.1 * len(y)))  # SAflex's held-out tenth (validation_fraction=0.1)
        mask = np.zeros(len(y), bool)
        mask[np.random.default_rng(0).permutation(len(y))[:n_val]] = True
        options = {"max_epochs": epochs, "random_state": 0, "device": device, **extra}
        SAflexClassifier(CutMix(), **options).fit(X, y)  # warm-up, once per data set
        for p in (0.5,) if "synthetic" in name else (0.1, 0.5, 0.9):
            def make(refine):
                return lambda: SAflexClassifier(CutMix(p=p), refine=refine, **options)
            saflex = min(fit_seconds(make(True), X, y) for _ in range(repeats))
            same_rows = min(fit_seconds(make(False), X[~mask], y[~mask]) for _ in range(repeats))
            all_rows = min(fit_seconds(make(False), X, y) for _ in range(repeats))
            rows.append((name, p, saflex, same_rows, all_rows))
            print("saflex", rows[-1], flush=True)
    return rows


def iada_ratios(device, epochs=30, repeats=3):
    models = {
        "CE head": dict(perturbation="constant", epsilon=0.0, lambda0=0.0),
        "ISDA (λ0=0.5)": dict(perturbation="constant", epsilon=0.0, lambda0=0.5),
        "IADA-class": dict(perturbation="class"),
        "Meta-IADA": dict(perturbation="meta"),
    }
    names = ["digits"] + (["arrhythmia"] if (DATA / "tabular" / "arrhythmia.csv").exists() else [])
    rows = []
    for name in names:
        X, y = load_multiclass(name)
        IADAClassifier(max_epochs=2, random_state=0, device=device).fit(X, y)  # warm-up
        times = {m: min(fit_seconds(lambda: IADAClassifier(max_epochs=epochs, random_state=0,
                                                            device=device, **params), X, y)
                        for _ in range(repeats))
                 for m, params in models.items()}
        rows.append((f"{name} ({X.shape[0]} × {X.shape[1]})", times))
        print("iada", rows[-1], flush=True)
    return rows


CHILD = """
import json, sys, time
import numpy as np, torch
from skaug import IADAClassifier


def high_water():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024
d, covariance, device, epochs = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
rng = np.random.default_rng(0)
y = rng.integers(0, 4, 2000)
X = rng.standard_normal((4, d), dtype=np.float32)[y] + rng.standard_normal((2000, d), dtype=np.float32)
make = lambda e: IADAClassifier(perturbation="meta", hidden_layer_sizes=(), covariance=covariance,
                                max_epochs=e, random_state=0, device=device)
# warm-up on 8 features: torch's and skaug's first-call costs, not this d's memory
IADAClassifier(perturbation="meta", hidden_layer_sizes=(), max_epochs=1,
               device=device).fit(X[:64, :8], y[:64])
if device.startswith("cuda"):
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
else:  # VmHWM: this process's own peak (ru_maxrss would carry the parent's over exec)
    base = high_water()
start = time.perf_counter()
make(epochs).fit(X, y)
seconds = time.perf_counter() - start
if device.startswith("cuda"):
    peak = torch.cuda.max_memory_allocated() - base
else:
    peak = high_water() - base
print(json.dumps({"seconds": seconds, "peak": peak}))
"""


def iada_scaling(device, dims=(64, 256, 1024, 2048, 4096), epochs=5):
    rows = []
    for d in dims:
        result = {}
        for covariance in ("diag", "full"):
            out = subprocess.run([sys.executable, "-c", CHILD, str(d), covariance, str(device),
                                  str(epochs)], capture_output=True, text=True, check=True)
            result[covariance] = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append((d, result))
        print("iada d", d, result, flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--output", default="performance.md")
    parser.add_argument("--quick", action="store_true",
                        help="smaller shapes and fewer repeats (a smoke run, not the figures)")
    args = parser.parse_args(argv)
    device = args.device
    quick = args.quick
    started = time.perf_counter()
    rate_before = matmul_rate(device, seconds=0.5 if quick else 2.0)

    sea_rows = []
    SeAClassifier(max_epochs=1, random_state=0, device=device).fit(*sea_problem(512, 64, 10))
    for d in ((512,) if quick else (2048, 8192)):
        n = 2000 if quick else 20000
        paper, done, loop, total = sea_rate(device, n, d, epochs=1 if quick else 3)
        sea_rows.append((n, d, paper, done, loop, total))
        print("sea", sea_rows[-1], flush=True)
    breakdown = {d: sea_breakdown(device, n=2000 if quick else 20000, d=d, epochs=1 if quick else 2)
                 for d in ((512,) if quick else (2048, 8192))}
    rate_after = matmul_rate(device, seconds=0.5 if quick else 2.0)
    reference = max(rate_before, rate_after)

    saflex = saflex_ratios(device, repeats=1 if quick else 3, epochs=3 if quick else 30)
    iada = iada_ratios(device, epochs=3 if quick else 30, repeats=1 if quick else 3)
    scaling = iada_scaling(device, dims=(64, 256) if quick else (64, 256, 1024, 2048, 4096),
                           epochs=2 if quick else 5)

    name = torch.cuda.get_device_name() if device.startswith("cuda") else platform.processor() or platform.machine()
    lines = [
        "# Performance: ratios measured in one run",
        "",
        f"Generated by `python benchmarks/bench_performance.py{' --device ' + device if device != 'cpu' else ''}`"
        f"{' --quick (smoke run)' if quick else ''}; device {device} ({name}), {os.cpu_count()} cores, "
        f"torch {torch.__version__} ({torch.get_num_threads()} threads), scikit-learn "
        f"{sklearn.__version__}, numpy {np.__version__}. Total {time.perf_counter() - started:.0f} s.",
        "",
        "## 1. SeA against the machine's matmul rate",
        "",
        f"Reference: a 4096² float32 matmul, {rate_before:.0f} GFLOP/s before and "
        f"{rate_after:.0f} after the SeA fits (the larger is used). SeA: 100 classes, batch "
        "256, the training loop's time from the fit's history (the one-off row "
        "normalisation and the copy to the device are outside it). Two rates: the paper's "
        "step counted as its six matrix products (`sea_batch_flops`: the time a user saves "
        "against a literal implementation shows here), and the products skaug runs, which "
        "take the projection scores from the logits when there are no more classes than "
        "rows in a batch (`sea_batch_flops_done`).",
        "",
        "| rows × features | epochs | loop s | whole fit s | paper's GFLOP / s | ÷ matmul rate "
        "| GFLOP done / s | ÷ matmul rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for n, d, paper, done, loop_s, total in sea_rows:
        lines.append(f"| {n:,} × {d:,} | {1 if quick else 3} | {loop_s:.2f} | {total:.2f} | "
                     f"{paper:.0f} | {paper / reference:.2f} | {done:.0f} | "
                     f"{done / reference:.2f} |")
    lines += [
        "",
        "Where an epoch goes (seconds per epoch and share of SeAClassifier's epoch, one fit "
        "each; the products timed alone on the step's shapes; the bare loop is "
        "`benchmarks/_bare_sea.py`):",
        "",
        "| work | " + " | ".join(f"d = {d:,}" for d in breakdown) + " |",
        "|---|" + "---|" * len(breakdown),
    ]
    for kind in next(iter(breakdown.values())):
        cells = [f"{parts[kind]:.2f} ({parts[kind] / list(parts.values())[2]:.0%})"
                 for parts in breakdown.values()]
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "## 2. SAflex over CutMix-only",
        "",
        f"Fit time ratio, best of {1 if quick else 3}, {3 if quick else 30} epochs, defaults "
        "otherwise (validation gradient every 5 steps). SAflex trains on 90 % of the rows "
        "(the tenth it holds out gives its validation batches): the fair control is CutMix-only "
        "on the same 90 %; CutMix-only on all rows is what a user compares with.",
        "",
        "| data | p | SAflex s | ÷ CutMix-only, same rows | ÷ CutMix-only, all rows |",
        "|---|---|---|---|---|",
    ]
    for data, p, s, same, every in saflex:
        lines.append(f"| {data} | {p} | {s:.2f} | {s / same:.2f} | {s / every:.2f} |")
    lines += [
        "",
        "## 3. IADA variants over the CE head",
        "",
        f"Fit time ratio, best of {1 if quick else 3}, {3 if quick else 30} epochs, defaults "
        "otherwise (hidden layer 256, batch 128, warm-up 5 % of the epochs); the CE head is "
        "`IADAClassifier(perturbation='constant', epsilon=0, lambda0=0)`.",
        "",
        "| data | CE head s | ISDA | IADA-class | Meta-IADA |",
        "|---|---|---|---|---|",
    ]
    for data, times in iada:
        ce = times["CE head"]
        lines.append(f"| {data} | {ce:.2f} | {times['ISDA (λ0=0.5)'] / ce:.2f} | "
                     f"{times['IADA-class'] / ce:.2f} | {times['Meta-IADA'] / ce:.2f} |")
    lines += [
        "",
        "## 4. IADA's full covariance against d",
        "",
        f"2,000 rows, 4 classes, `hidden_layer_sizes=()` (the covariance is d × d per class), "
        f"{2 if quick else 5} epochs, each fit in its own process. Peak: the rise of the "
        "process's peak memory during the fit" + (" (CUDA allocator)" if device.startswith("cuda") else " (VmHWM)")
        + ", over the covariances' own size (4 · d² · 4 bytes).",
        "",
        "| d | diagonal s | full s | full ÷ diagonal | covariances MB | full: peak MB | peak ÷ covariances |",
        "|---|---|---|---|---|---|---|",
    ]
    for d, r in scaling:
        cov = 4 * d * d * 4
        diag, full = r["diag"], r["full"]
        lines.append(f"| {d:,} | {diag['seconds']:.2f} | {full['seconds']:.2f} | "
                     f"{full['seconds'] / diag['seconds']:.1f} | {cov / 2**20:.1f} | "
                     f"{full['peak'] / 2**20:.0f} | {full['peak'] / cov:.1f} |")
    save_results(args.output, lines)


if __name__ == "__main__":
    main()
