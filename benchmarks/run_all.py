"""Regenerate every benchmark, then ``docs/benchmarks.md`` and its plots, in one command.

    python benchmarks/run_all.py            # every bench_*.py (about 2 hours on 2 cores)
    python benchmarks/run_all.py --only idaa,scaling
    python benchmarks/run_all.py --no-run   # rebuild the page and plots from results/

Each benchmark writes its tables to ``benchmarks/results/*.md`` (with the
machine, seeds and versions it ran with); this script then draws, for every
table with ``model`` and ``accuracy`` columns, the accuracy of each model per
dataset (mean ± std over seeds) into ``docs/img/<table>.png``, copies the
benchmarks' own plots there, and writes ``docs/benchmarks.md``.
"""

import argparse
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _scenarios import RESULTS

HERE = Path(__file__).resolve().parent
DOCS = HERE.parent / "docs"
IMG = DOCS / "img"
BENCHES = ["transfer", "iada_protocol", "tabular_protocol", "samplers", "sampler_binning",
           "defaults", "default_strengths", "compare_cost", "compare_scale", "deep_inputs", "threads", "performance",
           "sea", "iada", "saflex", "idaa", "extraction", "scaling"]
COMMANDS = {
    "iada": [["--dataset", d] for d in ("cifar10_resnet", "digits", "arrhythmia")],
    "iada_protocol": [["--dataset", d] for d in ("digits", "arrhythmia")],
    "defaults": [[], ["--candidates", "--no-samplers"]],
    "default_strengths": [[], ["--samplers", "--seeds", "10"],
                          ["--sampler-strengths", "--seeds", "10"]],
    "sampler_binning": [["--seeds", "10"]],
    "compare_cost": [["--dataset", "churn"], ["--dataset", "qsar_biodeg"]],
    "transfer": [["--methods", "sea,iada", "--output", "transfer_linear.md"],
                 ["--methods", "cutmix,saflex,idaa", "--output", "transfer_mlp.md"],
                 ["--diagnose", "--output", "transfer_diagnosis.md"]],
}
#: Tables made under the protocol of skaug.compare (every model tuned by inner CV on
#: training rows only); the others predate it.
PROTOCOL = ("transfer_linear", "transfer_mlp")
#: Protocol tables in long form: {file: (setting columns, model column)}; the value shown
#: is the balanced accuracy, the fourth column of each.
LONG_PROTOCOL = {
    "iada_protocol_digits": ((0,), 1),
    "iada_protocol_arrhythmia": ((0,), 1),
    "tabular_protocol": ((0,), 1),
    "samplers": ((0, 1), 2),
}
OLD_PROTOCOL = (
    "**Older protocol.** The baselines of this table were not tuned (e.g. "
    "`LogisticRegression(C=1)`, an unregularised head) and some method settings were chosen "
    "on these same test splits: it is not evidence that a method helps. It is kept until "
    "its re-run under the protocol of `skaug.compare`."
)
OLD_DEFAULTS = (
    "**Earlier defaults.** `Estimator()` in this table is the estimator as it was when the "
    "table was made: SeA `eta=0.2`, IADA `epsilon=1.0, lambda0=0.1`, SAflex "
    "`CutMix(p=0.5)`, IDAA `epsilon=0.1, augmented_weight=1`. The current defaults were "
    "chosen from it and from *Default strengths* above."
)
INTRO = {
    "sea": "SeA on deep features (CIFAR-10 ResNets, SMS MiniLM) and raw tables.",
    "iada": "IADA / ISDA / Meta-IADA on long-tailed and noisy training sets.",
    "saflex": "SAflex on CutMix against CutMix alone, on real tables.",
    "idaa": "IDAA, SAflex(IDAA) and Gaussian noise on real tables and deep features.",
    "extraction": "DeepFeatureExtractor: exactness, throughput, memory.",
    "scaling": "Fit time against n and d, and training curves.",
    "transfer": "Every model tuned by inner CV on ImageNet features of CIFAR-10 (SeA's regime).",
    "iada_protocol": "IADA and Meta-IADA on long tails, noisy labels and a subpopulation shift.",
    "tabular_protocol": "SAflex (skaug's and the paper's setting), CutMix, IDAA on real tables.",
    "samplers": "skaug's samplers and SMOTE in front of LogisticRegression and HGB.",
    "sampler_binning": "Why new rows off a discrete column's values hurt gradient boosting.",
    "defaults": "Each default against its own head without augmentation, and the candidates "
                "it was chosen among (made with the earlier defaults; see OLD_DEFAULTS).",
    "default_strengths": "The strengths the classifiers' defaults, and the sampling_strategy "
                         "the samplers' defaults, were chosen among: each against its own "
                         "plain head.",
    "compare_cost": "Where the time of skaug compare goes, per model and per step.",
    "compare_scale": "skaug compare at 1,055 to 32,560 rows, against HGB alone; "
                     "`--before DIR` adds an older checkout.",
    "deep_inputs": "skaug compare on an image folder and a text column, end to end.",
    "threads": "Thread policy: GridSearchCV and skaug compare, idle and with a competitor.",
    "performance": "Speed as ratios: SeA against a matmul, SAflex and Meta-IADA overheads, "
                   "IADA's covariance against d.",
}


def protocol_summary():
    """Markdown: setting × model from the protocol tables, the best in bold, ties marked.

    A model whose mean is within one standard deviation (the larger of the
    two) of the best one's is a tie, marked ≈.
    """
    lines = []
    for name in PROTOCOL:
        path = RESULTS / f"{name}.md"
        if not path.exists():
            continue
        setting, table = None, {}
        for line in path.read_text().splitlines():
            if line.startswith("## "):
                setting = line[3:].split(" (")[0]
            m = re.match(r"\| ([^|]+) \| ([\d.]+) ± ([\d.]+) \|", line)
            if setting and m:
                table.setdefault(setting, {})[m.group(1).strip()] = (float(m.group(2)),
                                                                     float(m.group(3)))
        if not table:
            continue
        models = list(next(iter(table.values())))
        lines += summary_table(f"From `benchmarks/results/{name}.md` (accuracy %, mean ± std "
                               "over seeds):", table, models)
    return lines


def long_protocol_summary():
    """Markdown: setting × model from the long-form protocol tables (balanced accuracy)."""
    lines = []
    for name, (keys, model_col) in LONG_PROTOCOL.items():
        path = RESULTS / f"{name}.md"
        if not path.exists():
            continue
        table, models = {}, []
        for line in path.read_text().splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            m = re.match(r"\**([\d.]+) ± ([\d.]+)", cells[3]) if len(cells) > 3 else None
            if not m:
                continue
            setting = ", ".join(cells[k] for k in keys)
            model = cells[model_col]
            if len(keys) > 1:  # the setting names the model: one column per pipeline
                model = re.sub(r"^(LogisticRegression|HistGradientBoosting) alone",
                               "model alone", model)
                model = re.sub(r" → (LogisticRegression|HistGradientBoosting)$", " → model",
                               model)
            if model not in models:
                models.append(model)
            table.setdefault(setting, {})[model] = (float(m.group(1)), float(m.group(2)))
        if not table:
            continue
        lines += summary_table(f"From `benchmarks/results/{name}.md` (balanced accuracy %, "
                               "mean ± std):", table, models)
    return lines


def summary_table(title, table, models):
    """Markdown lines: ``title``, then setting × model, the best in bold, ties marked ≈."""
    lines = [title, "", "| setting | " + " | ".join(models) + " |",
             "|---" * (len(models) + 1) + "|"]
    for setting, row in table.items():
        best = max(row, key=lambda k: row[k][0])
        cells = []
        for model in models:
            if model not in row:
                cells.append("—")
                continue
            mean, std = row[model]
            text = f"{mean:.2f} ± {std:.2f}"
            if model == best:
                text = f"**{text}**"
            elif best_mean_minus(row, best, model):
                text = f"≈ {text}"
            cells.append(text)
        lines.append(f"| {setting} | " + " | ".join(cells) + " |")
    return lines + [""]


def best_mean_minus(row, best, model):
    """Whether ``model`` ties with ``best``: means within the larger of their two stds."""
    (b, bs), (m, ms) = row[best], row[model]
    return b - m <= max(bs, ms)


def accuracy_tables(text):
    """``{dataset: [(model, mean, std), ...]}`` from the markdown tables with model/accuracy columns."""
    out = {}
    header = None
    for line in text.splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if set(cells) <= {"---", ""} or "model" not in header or "accuracy" not in header:
            continue
        m = re.match(r"([\d.]+) ± ([\d.]+)", cells[header.index("accuracy")])
        if m:
            out.setdefault(cells[0], []).append(
                (cells[header.index("model")], float(m.group(1)), float(m.group(2))))
    return out


def plot_tables(name, tables):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(tables)
    height = sum(0.28 * len(rows) + 0.9 for rows in tables.values())
    fig, axes = plt.subplots(len(datasets), 1, figsize=(8, max(height, 2.5)), squeeze=False,
                             gridspec_kw={"height_ratios": [len(tables[d]) + 1 for d in datasets]})
    for ax, dataset in zip(axes[:, 0], datasets):
        rows = tables[dataset]
        means = [r[1] for r in rows]
        stds = [r[2] for r in rows]
        ax.barh(range(len(rows)), means, xerr=stds, capsize=2, alpha=0.8)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7)
        ax.invert_yaxis()
        lo = min(m - s for m, s in zip(means, stds))
        ax.set_xlim(max(0, lo - 3), min(100, max(m + s for m, s in zip(means, stds)) + 1))
        ax.set_title(dataset, fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    axes[-1, 0].set_xlabel("test accuracy % (mean ± std over seeds)")
    fig.tight_layout()
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / f"{name}.png"
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def build_page():
    parts = ["# Benchmarks", "",
             "Every table below is regenerated by `python benchmarks/run_all.py` (the "
             "script of each section is named in it). Each results file states its "
             "machine, seeds and versions; the plots are drawn from the same tables. "
             f"Page built on {platform.machine()} with Python {platform.python_version()}.", "",
             "## Summary under the fair protocol", "",
             "Every model tuned by inner cross-validation on the training rows only "
             "(`skaug.compare`); best in **bold**, ≈ a tie within one std. Tables made "
             "before this protocol follow, each marked as such.", ""]
    parts += protocol_summary()
    parts += long_protocol_summary()
    for result in sorted(RESULTS.glob("*.md")):
        name = result.stem
        text = result.read_text()
        body = re.sub(r"^# ", "## ", text, count=1, flags=re.M)
        body = re.sub(r"^## (?!#)", "### ", body.split("\n", 1)[1], flags=re.M)
        title = text.splitlines()[0].lstrip("# ")
        parts += [f"## {title} (`benchmarks/results/{name}.md`)", ""]
        if name.startswith(("sea", "iada_", "saflex", "idaa")) and name not in LONG_PROTOCOL:
            parts += [OLD_PROTOCOL, ""]
        if name in ("defaults", "defaults_candidates"):
            parts += [OLD_DEFAULTS, ""]
        parts += [body.strip(), ""]
        tables = accuracy_tables(text)
        if tables:
            img = plot_tables(name, tables)
            parts += [f"![{title}](img/{img.name})", ""]
    for png in sorted(RESULTS.glob("*.png")):
        IMG.mkdir(parents=True, exist_ok=True)
        shutil.copy(png, IMG / png.name)
        parts += [f"![{png.stem}](img/{png.name})", ""]
    (DOCS / "benchmarks.md").write_text("\n".join(parts).rstrip() + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(BENCHES))
    parser.add_argument("--no-run", action="store_true")
    args = parser.parse_args()
    if not args.no_run:
        for name in args.only.split(","):
            start = time.time()
            print(f"== {name}: {INTRO[name]}", flush=True)
            for extra in COMMANDS.get(name, [[]]):
                subprocess.run([sys.executable, str(HERE / f"bench_{name}.py"), *extra],
                               check=True)
            print(f"== {name} done in {time.time() - start:.0f} s", flush=True)
    build_page()
    print(f"wrote {DOCS / 'benchmarks.md'}")


if __name__ == "__main__":
    main()
