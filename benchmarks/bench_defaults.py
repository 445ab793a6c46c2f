"""Do the defaults earn their place? Each default against its own plain head and its tuned setting.

Writes ``benchmarks/results/defaults.md`` and prints it. Not a test:

    python benchmarks/bench_defaults.py                       # ~1 h on 2 cores
    python benchmarks/bench_defaults.py --datasets qsar_biodeg,digits_lt100

For every classifier and every sampler, three rows per data set, each scored on
the same three fresh stratified train/test splits (the seeds; the test rows never
chosen on):

- **default**: the estimator exactly as ``Estimator()`` builds it (only
  ``random_state`` set), fitted once on the training rows — what a user gets who
  tunes nothing;
- **plain**: the same head without augmentation, at its defaults: SeA with
  ``eta=0``; IADA's linear head with plain cross-entropy
  (``perturbation="constant", epsilon=0, lambda0=0``); the MLP head of SAflex and
  IDAA without augmentation (``IDAAClassifier(augmented_weight=0)``); for a sampler,
  the model behind it alone (``HistGradientBoostingClassifier()``);
- **tuned**: the method tuned by 2-fold inner CV on the training rows only
  (:func:`skaug.compare.compare`'s protocol and grids for the classifiers, with
  ``class_weight`` ∈ {None, "balanced"}; for a sampler, a 3-value grid of its main
  parameter in front of the same HistGradientBoosting).

``IADAClassifier(perturbation="meta")`` (Meta-IADA, the default before this table)
and a tuned LogisticRegression are added for reference. Balanced accuracy, %, on
the test rows; mean ± std over the seeds; Δ = default − plain, paired over the
seeds, with the corrected resampled t-test's p.

Data sets: qsar_biodeg and sms_minilm (built in: a raw table, and 384-d MiniLM
sentence embeddings), churn (4,000 rows), arrhythmia (its classes with ≥ 20 rows),
digits with a ratio-100 long tail and with 40 % label noise (the IADA scenarios;
clean, balanced test rows).
"""

import argparse
import json
import platform
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import sklearn
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _scenarios import RESULTS, load_table, save_results, scenario  # noqa: E402

from skaug.compare import MODELS, Model, compare, corrected_ttest, make_preprocessor  # noqa: E402


def _classifiers():
    from skaug import IADAClassifier, IDAAClassifier, SAflexClassifier, SeAClassifier

    # a default that cannot fit a fold (SAflex's validation rows on a class of one row)
    # scores NaN there, with the reason among the warnings, rather than stopping the table
    fixed = dict(role="baseline", tune=False, error_score=np.nan)
    return {
        # name: (row label, family, kind)
        "sea-default": (Model("SeAClassifier()", make=lambda rs, ep: SeAClassifier(
            random_state=rs), **fixed), "SeAClassifier", "default"),
        "sea-plain": (Model("SeAClassifier(eta=0)", make=lambda rs, ep: SeAClassifier(
            eta=0.0, random_state=rs), **fixed), "SeAClassifier", "plain"),
        "iada-default": (Model("IADAClassifier()", make=lambda rs, ep: IADAClassifier(
            random_state=rs), **fixed), "IADAClassifier", "default"),
        "iada-meta": (Model("IADAClassifier(perturbation='meta')", make=lambda rs, ep:
                            IADAClassifier(perturbation="meta", random_state=rs), **fixed),
                      "IADAClassifier", "Meta-IADA at its defaults"),
        "iada-plain": (Model("IADAClassifier(perturbation='constant', epsilon=0, lambda0=0)",
                             make=lambda rs, ep: IADAClassifier(
                                 perturbation="constant", epsilon=0.0, lambda0=0.0,
                                 random_state=rs), **fixed), "IADAClassifier", "plain"),
        "saflex-default": (Model("SAflexClassifier()", make=lambda rs, ep: SAflexClassifier(
            random_state=rs), **fixed), "SAflexClassifier", "default"),
        "idaa-default": (Model("IDAAClassifier()", make=lambda rs, ep: IDAAClassifier(
            random_state=rs), **fixed), "IDAAClassifier", "default"),
        "mlp-plain": (Model("IDAAClassifier(augmented_weight=0)", make=lambda rs, ep:
                            IDAAClassifier(augmented_weight=0.0, random_state=rs), **fixed),
                      "SAflexClassifier, IDAAClassifier", "plain"),
    }


#: sampler class name -> (its main parameter, 3 values, the default among them)
SAMPLER_GRIDS = {
    "CutMixSampler": ("p", [0.2, 0.5, 0.8]),
    "MixupSampler": ("alpha", [0.2, 0.5, 1.0]),
    "NoiseSampler": ("std", [0.05, 0.1, 0.3]),
    "ISDASampler": ("lambda0", [0.1, 0.5, 1.0]),
    "SeASampler": ("eta", [0.1, 0.2, 0.4]),
    "IDAASampler": ("epsilon", [0.1, 0.3, 1.0]),
    "SAflexSampler": ("beta", [1.0, 3.0, 10.0]),
}


#: other settings of each classifier's main strength, run beside its default with
#: ``--candidates`` (the evidence for choosing a default)
CANDIDATES = {
    "SeAClassifier": ("eta", [0.01, 0.02, 0.05, 0.1, 0.2]),
    "IADAClassifier": ("epsilon", [0.01, 0.03, 0.1, 0.3, 1.0]),
    "SAflexClassifier": ("augmenter__p", [0.1, 0.2, 0.5]),
    "IDAAClassifier": ("epsilon", [0.01, 0.03, 0.05, 0.1]),
}


def _candidates():
    import skaug

    out = {}
    for family, (param, values) in CANDIDATES.items():
        cls = getattr(skaug, family)
        for value in values:
            def make(rs, ep, cls=cls, param=param, value=value):
                if param == "augmenter__p":
                    return cls(skaug.CutMix(p=value), random_state=rs)
                return cls(random_state=rs).set_params(**{param: value})

            out[f"{family}-{param}={value}"] = (
                Model(f"{family}({param}={value})", role="baseline", tune=False,
                      error_score=np.nan, make=make), family, f"{param}={value}")
    return out


def _samplers():
    from imblearn.pipeline import Pipeline
    from sklearn.ensemble import HistGradientBoostingClassifier

    from skaug import samplers

    def pipeline(cls):
        return lambda rs, ep: Pipeline([("sampler", cls(random_state=rs)),
                                        ("model", HistGradientBoostingClassifier(random_state=rs))])

    out = {"hgb-plain": (Model("HistGradientBoostingClassifier()", role="baseline", tune=False,
                               error_score=np.nan,
                               make=lambda rs, ep: HistGradientBoostingClassifier(random_state=rs)),
                         "samplers", "plain")}
    for name, (param, values) in SAMPLER_GRIDS.items():
        cls = getattr(samplers, name)
        out[f"{name}-default"] = (Model(f"{name}() → HGB", role="method", tune=False,
                                        error_score=np.nan, make=pipeline(cls)), name, "default")
        out[f"{name}-tuned"] = (Model(f"{name}({param} tuned) → HGB", role="method",
                                      make=pipeline(cls), grid={f"sampler__{param}": values},
                                      error_score=np.nan), name, "tuned")
    return out


def load(name, seeds):
    """``(X, y, splits, preprocessor)``: all seeds' train/test blocks stacked."""
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from skaug.datasets import load_builtin

    if name.startswith("digits_"):
        kind, level = ("lt", 100) if name == "digits_lt100" else ("noise", 0.4)
        Xs, ys, splits, start = [], [], [], 0
        for seed in range(seeds):
            X_tr, X_te, y_tr, y_te = scenario("digits", kind, level, seed)
            Xs += [X_tr, X_te]
            ys += [y_tr, y_te]
            splits.append((np.arange(start, start + len(y_tr)),
                           np.arange(start + len(y_tr), start + len(y_tr) + len(y_te))))
            start += len(y_tr) + len(y_te)
        return np.vstack(Xs), np.concatenate(ys), splits, StandardScaler()
    if name in ("qsar_biodeg", "sms_minilm"):
        X, y = load_builtin(name)
        prep = "passthrough" if name == "sms_minilm" else StandardScaler()
    else:
        file, target, max_rows, min_rows = {"churn": ("churn_modelling.csv", "Exited", 4000, 0),
                                            "arrhythmia": ("arrhythmia.csv", None, None, 20)}[name]
        X, y, kinds = load_table(file, target, max_rows, min_rows)
        prep = make_preprocessor(kinds)
    idx = np.arange(len(y))
    splits = [train_test_split(idx, test_size=0.3, stratify=y, random_state=seed)
              for seed in range(seeds)]
    return X, y, splits, prep


def table_arguments(parser):
    """The data sets, seeds and parallel fits, shared with ``bench_default_strengths.py``
    (which must score on the same tables and splits as :func:`load` makes here)."""
    parser.add_argument("--datasets",
                        default="qsar_biodeg,sms_minilm,churn,arrhythmia,digits_lt100,digits_noise40")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--n-jobs", type=int, default=2)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--no-samplers", action="store_true")
    parser.add_argument("--candidates", action="store_true",
                        help="also each classifier's other settings (CANDIDATES), beside its "
                             "default and plain head; writes defaults_candidates.md")
    parser.add_argument("--rerun", action="store_true",
                        help="rerun data sets finished by an earlier run (results/defaults_parts)")
    args = parser.parse_args(argv)
    start = time.time()
    entries = {**_classifiers(), **({} if args.no_samplers else _samplers()),
               **(_candidates() if args.candidates else {})}
    output = "defaults_candidates.md" if args.candidates else "defaults.md"
    lines = [
        "# Defaults against their own plain head and their tuned setting",
        "",
        f"Generated by `python benchmarks/bench_defaults.py --seeds {args.seeds}`; "
        f"{platform.machine()}, {args.n_jobs} parallel fits of one thread each; torch "
        f"{torch.__version__}, scikit-learn {sklearn.__version__}. Balanced accuracy % on "
        "the test rows of fresh stratified splits (one per seed), mean ± std over seeds. "
        "*default*: the estimator as `Estimator()` builds it; *plain*: the same head "
        "without augmentation, at its defaults; *tuned*: 2-fold inner CV on the training "
        "rows only (`skaug.compare`'s grids, `class_weight` tuned; a sampler's main "
        "parameter). Δ default − plain paired over the seeds (corrected resampled t-test). "
        "See the script's docstring for the rows.",
        "",
        "| data set | estimator | setting | model | balanced accuracy | Δ default − plain (p) | fit s |",
        "|---|---|---|---|---|---|---|",
    ]
    verdicts = []
    parts = RESULTS / ("defaults_candidates_parts" if args.candidates else "defaults_parts")
    parts.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets.split(","):
        part = parts / f"{dataset}.json"
        if part.exists() and not args.rerun:  # a finished data set of an earlier run
            saved = json.loads(part.read_text())
            lines += saved["lines"]
            verdicts += [tuple(v) for v in saved["verdicts"]]
            print(f"kept {dataset} from {part}", flush=True)
            continue
        first_line, first_verdict = len(lines), len(verdicts)
        X, y, splits, prep = load(dataset, args.seeds)
        extra = {name: model for name, (model, _, _) in entries.items()}
        for name in ("iada", "sea", "saflex", "idaa", "lr"):  # NaN where no setting can fit
            extra[f"{name}-tuned"] = replace(MODELS[name], error_score=np.nan)
        names = list(extra)
        rows = compare(X, y, names, preprocessor=prep, splits=splits, baselines=(),
                       metric="balanced_accuracy", n_jobs=args.n_jobs, progress=False,
                       extra_models=extra)
        by = {r.name: r for r in rows}
        n_train = int(np.mean([len(tr) for tr, _ in splits]))
        n_test = int(np.mean([len(te) for _, te in splits]))
        rarest = min(np.unique(y[tr], return_counts=True)[1].min() for tr, _ in splits)

        def score(r):  # a model that refuses the data (its error says why) is said so
            if np.isnan(r.balanced_accuracy):
                return f"refused: a class has {rarest} training row(s)"
            return f"{r.balanced_accuracy:.2f} ± {r.balanced_accuracy_std:.2f}"
        families = [("SeAClassifier", "sea-default", "sea-plain", "sea-tuned"),
                    ("IADAClassifier", "iada-default", "iada-plain", "iada-tuned"),
                    ("SAflexClassifier", "saflex-default", "mlp-plain", "saflex-tuned"),
                    ("IDAAClassifier", "idaa-default", "mlp-plain", "idaa-tuned")]
        if not args.no_samplers:
            families += [(s, f"{s}-default", "hgb-plain", f"{s}-tuned") for s in SAMPLER_GRIDS]
        for family, default, plain, tuned in families:
            d = np.subtract(by[default].scores, by[plain].scores)
            mean, std, p = corrected_ttest(d, n_train, n_test)
            verdicts.append((dataset, family, mean, std, p))
            for setting, name in (("default", default), ("plain", plain), ("tuned", tuned)):
                r = by[name]
                delta = f"{mean:+.2f} ± {std:.2f} (p = {p:.2f})" if setting == "default" else ""
                lines.append(
                    f"| {dataset} (n_train={n_train}) | {family} | {setting} | {r.label} | "
                    f"{score(r)} | {delta if np.isfinite(mean) else '—'} | "
                    f"{r.fit_seconds:.1f} |")
            for name in [n for n, (_, fam, _) in entries.items()
                         if fam == family and "=" in n]:  # --candidates
                r = by[name]
                d = np.subtract(r.scores, by[plain].scores)
                mean_c, std_c, p_c = corrected_ttest(d, n_train, n_test)
                verdicts.append((dataset, r.label, mean_c, std_c, p_c))
                lines.append(f"| {dataset} (n_train={n_train}) | {family} | candidate | "
                             f"{r.label} | {score(r)} | {mean_c:+.2f} ± {std_c:.2f} "
                             f"(p = {p_c:.2f}) | {r.fit_seconds:.1f} |")
            if family == "IADAClassifier":
                r = by["iada-meta"]
                lines.append(f"| {dataset} (n_train={n_train}) | IADAClassifier | Meta-IADA "
                             f"at its defaults | {r.label} | {score(r)} |  | "
                             f"{r.fit_seconds:.1f} |")
        r = by["lr-tuned"]
        lines.append(f"| {dataset} (n_train={n_train}) | reference | tuned | LogisticRegression "
                     f"| {score(r)} |  | {r.fit_seconds:.1f} |")
        part.write_text(json.dumps({"lines": lines[first_line:],
                                    "verdicts": verdicts[first_verdict:]}, default=float))
        print(f"done {dataset} at {time.time() - start:.0f} s", flush=True)
    losers = [v for v in verdicts if v[2] < 0 and -v[2] > v[3]]
    lines += ["", "Defaults more than one std below their plain head (Δ < −std): "
              + ("; ".join(f"{f} on {d} ({m:+.2f} ± {s:.2f}, p = {p:.2f})"
                           for d, f, m, s, p in losers) if losers else "none") + ".",
              "", f"Total time {time.time() - start:.0f} s."]
    save_results(output, lines)


if __name__ == "__main__":
    main()
