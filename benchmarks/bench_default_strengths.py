"""Which strength can each classifier's default have without ever losing to its plain head?

Writes ``benchmarks/results/default_strengths.md`` and prints it. Not a test:

    OMP_NUM_THREADS=1 python benchmarks/bench_default_strengths.py             # ~30 min on 2 cores
    OMP_NUM_THREADS=1 python benchmarks/bench_default_strengths.py --samplers  # the samplers

The follow-up of ``bench_defaults.py --candidates``: there, every strength ≥ 0.02 of
SeA, every ``epsilon`` of IADA (its covariance term ``lambda0=0.1`` on) and every
``epsilon`` of IDAA lost to its own plain head by more than the std on at least one
table (churn, mostly). Here each family's plain head and a few settings of its two
strengths (SeA ``eta``; IADA ``epsilon`` × ``lambda0``; IDAA ``epsilon`` ×
``augmented_weight``; SAflex ``CutMix(p)``), on the same six tables, the same three
fresh stratified splits and the same scoring as ``bench_defaults.py`` (balanced
accuracy % on the test rows, nothing chosen on them; Δ setting − plain paired over
the seeds, corrected resampled t-test).

``--samplers`` (``default_strengths_samplers.md``): the same for the samplers'
``sampling_strategy`` (``SAMPLER_SETTINGS``), each sampler in front of
HistGradientBoostingClassifier, whose plain head is HGB alone (``bench_defaults.py``
found every sampler default at the time, imbalanced-learn's "auto", losing to it on the
long-tailed digits).

The rule a default follows (stated in each docstring): of the settings that never
lose to the plain head by more than the std of the difference, the one with the
largest mean Δ over the six tables.
"""

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import torch

sys.path.insert(0, str(Path(__file__).parent))
from _scenarios import RESULTS, save_results  # noqa: E402
from bench_defaults import load, table_arguments  # noqa: E402

from skaug.compare import Model, compare, corrected_ttest  # noqa: E402

#: family: {label: parameters}; the first label of each family is its plain head
SETTINGS = {
    "SeAClassifier": {"eta=0": dict(eta=0.0), "eta=0.01": dict(eta=0.01),
                      "eta=0.02": dict(eta=0.02), "eta=0.05": dict(eta=0.05)},
    "IADAClassifier": {
        "perturbation='constant', epsilon=0, lambda0=0":
            dict(perturbation="constant", epsilon=0.0, lambda0=0.0),
        "epsilon=0.1, lambda0=0.1": dict(epsilon=0.1, lambda0=0.1),
        "epsilon=0.1, lambda0=0.01": dict(epsilon=0.1, lambda0=0.01),
        "epsilon=0.1, lambda0=0": dict(epsilon=0.1, lambda0=0.0),
        "epsilon=0.03, lambda0=0": dict(epsilon=0.03, lambda0=0.0),
        "epsilon=0.01, lambda0=0": dict(epsilon=0.01, lambda0=0.0),
    },
    "IDAAClassifier": {
        "augmented_weight=0": dict(augmented_weight=0.0),
        "epsilon=0.03, augmented_weight=1": dict(epsilon=0.03, augmented_weight=1.0),
        "epsilon=0.03, augmented_weight=0.3": dict(epsilon=0.03, augmented_weight=0.3),
        "epsilon=0.03, augmented_weight=0.1": dict(epsilon=0.03, augmented_weight=0.1),
        "epsilon=0.01, augmented_weight=0.3": dict(epsilon=0.01, augmented_weight=0.3),
    },
}


#: ``--samplers``: each sampler in front of HistGradientBoostingClassifier (its default, the
#: head a sampler is most often put before in ``defaults.md``), at its default strength, with
#: five ``sampling_strategy``: imbalanced-learn's "auto" (every class up to the largest),
#: a share (every class up to 0.5 or 0.25 of the largest) and a multiplier (every class
#: × 1.5 or × 2). RandomOverSampler ("auto": copies of rows) is the same re-balancing
#: without augmentation. The plain head, shared by every family, is HGB alone.
SAMPLER_STRATEGIES = {f"sampling_strategy={value!r}": value
                      for value in ("auto", 0.5, 0.25, 1.5, 2.0)}
AUTO = "sampling_strategy='auto'"
SAMPLERS = ("CutMixSampler", "MixupSampler", "NoiseSampler", "ISDASampler", "SeASampler",
            "IDAASampler", "SAflexSampler")
PLAIN_HGB = "HistGradientBoostingClassifier()"
SAMPLER_SETTINGS = {
    "RandomOverSampler": {PLAIN_HGB: None, AUTO: dict(sampling_strategy="auto")},
    **{name: {PLAIN_HGB: None, **{label: dict(sampling_strategy=value)
                                  for label, value in SAMPLER_STRATEGIES.items()}}
       for name in SAMPLERS},
}
#: ``--sampler-strengths`` (``default_strengths_sampler_strengths.md``): at "auto", the samplers
#: that lose to RandomOverSampler by more than the std in ``--samplers`` (SeA, IDAA), each
#: at its default strength and two weaker ones (a strength of 0 makes copies of rows,
#: RandomOverSampler's), and IDAA's step of its default size in a random direction.
SAMPLER_STRENGTHS = {
    "RandomOverSampler": {PLAIN_HGB: None, AUTO: dict(sampling_strategy="auto")},
    **{name: {PLAIN_HGB: None, **{f"{param}={v}": {param: v} for v in values}}
       for name, (param, values) in {"SeASampler": ("eta", (0.2, 0.05, 0.02)),
                                     "IDAASampler": ("epsilon", (0.3, 0.1, 0.03))}.items()},
}
# IDAA's latent step of the same size in a random direction (no proxy model to attack)
SAMPLER_STRENGTHS["IDAASampler"]["epsilon=0.3, attack=None"] = dict(epsilon=0.3, attack=None)


def _make(family, kw):
    import skaug

    if family in SAMPLER_SETTINGS:
        from imblearn.over_sampling import RandomOverSampler
        from imblearn.pipeline import Pipeline
        from sklearn.ensemble import HistGradientBoostingClassifier

        from skaug import samplers

        def make(rs, ep):
            model = HistGradientBoostingClassifier(random_state=rs)
            if kw is None:
                return model
            cls = RandomOverSampler if family == "RandomOverSampler" else getattr(samplers, family)
            return Pipeline([("sampler", cls(random_state=rs, **kw)),
                             ("model", model)])
        return make
    return lambda rs, ep: getattr(skaug, family)(random_state=rs, **kw)


def _summary(deltas, title):
    """Markdown: per setting, the mean Δ over the data sets, the worst, and where it loses by
    more than the std (a data set the setting refused, NaN, is named, not averaged)."""
    lines = ["", title, "", "| estimator | setting | mean Δ | worst Δ | loses by more than the "
             "std on |", "|---|---|---|---|---|"]
    for (family, label), values in deltas.items():
        scored = [v for v in values if np.isfinite(v[1])]
        refused = [d for d, m, _ in values if not np.isfinite(m)]
        losses = [d for d, m, s in scored if m < 0 and -m > s]
        worst = min(scored, key=lambda v: v[1])
        lines.append(f"| {family} | {label} | {np.mean([m for _, m, _ in scored]):+.2f} | "
                     f"{worst[1]:+.2f} ± {worst[2]:.2f} ({worst[0]}) | "
                     f"{', '.join(losses) or 'none'}"
                     f"{'; refused ' + ', '.join(refused) if refused else ''} |")
    return lines


def _name(family, label):
    return PLAIN_HGB if label == PLAIN_HGB else f"{family}({label})"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    table_arguments(parser)
    parser.add_argument("--rerun", action="store_true",
                        help="rerun data sets finished by an earlier run (results/default_strengths_parts)")
    parser.add_argument("--samplers", action="store_true",
                        help="the samplers' sampling_strategy (SAMPLER_SETTINGS) instead; writes "
                             "default_strengths_samplers.md")
    parser.add_argument("--sampler-strengths", action="store_true",
                        help="the strengths of the samplers that lost to RandomOverSampler "
                             "(SAMPLER_STRENGTHS); writes default_strengths_sampler_strengths.md")
    args = parser.parse_args(argv)
    start = time.time()
    args.samplers = args.samplers or args.sampler_strengths
    settings_of = SAMPLER_STRENGTHS if args.sampler_strengths else \
        SAMPLER_SETTINGS if args.samplers else SETTINGS
    output = "default_strengths_sampler_strengths" if args.sampler_strengths else \
        "default_strengths_samplers" if args.samplers else "default_strengths"
    models = {_name(family, label): (family, Model(_name(family, label), role="baseline",
                                                   tune=False, error_score=np.nan,
                                                   make=_make(family, kw)))
              for family, settings in settings_of.items() for label, kw in settings.items()}
    lines = [
        "# Default strengths: each setting against its own plain head",
        "",
        f"Generated by `python benchmarks/bench_default_strengths.py --seeds {args.seeds}"
        f"{' --sampler-strengths' if args.sampler_strengths else ' --samplers' if args.samplers else ''}`; "
        f"{platform.machine()}, {args.n_jobs} parallel fits of one thread each; torch "
        f"{torch.__version__}, scikit-learn {sklearn.__version__}. Balanced accuracy % on "
        "the test rows of fresh stratified splits (one per seed; the splits of "
        "`bench_defaults.py`), mean ± std over seeds. Δ setting − plain head (the first "
        "row of each estimator) paired over the seeds (corrected resampled t-test).",
        "",
        "| data set | estimator | setting | balanced accuracy | Δ − plain (p) | fit s |",
        "|---|---|---|---|---|---|",
    ]
    deltas, against_copies = {}, {}  # (family, label) -> [(dataset, mean, std)]
    copies = _name("RandomOverSampler", AUTO)
    parts = RESULTS / f"{output}_parts"
    parts.mkdir(parents=True, exist_ok=True)
    for dataset in args.datasets.split(","):
        part = parts / f"{dataset}.json"
        saved = json.loads(part.read_text()) if part.exists() and not args.rerun else {}
        if saved.get("seeds") != args.seeds:  # a part of another number of seeds is rerun
            X, y, splits, prep = load(dataset, args.seeds)
            rows = compare(X, y, list(models), preprocessor=prep, splits=splits, baselines=(),
                           metric="balanced_accuracy", n_jobs=args.n_jobs, progress=False,
                           extra_models={name: model for name, (_, model) in models.items()})
            n_train = int(np.mean([len(tr) for tr, _ in splits]))
            n_test = int(np.mean([len(te) for _, te in splits]))
            by = {r.name: r for r in rows}
            saved = {"seeds": args.seeds, "n_train": n_train, "n_test": n_test, "rows": [],
                     "scores": {r.name: list(r.scores) for r in rows}}
            for family, settings in settings_of.items():
                plain = by[_name(family, next(iter(settings)))]
                for label in settings:
                    r = by[_name(family, label)]
                    mean, std, p = corrected_ttest(np.subtract(r.scores, plain.scores),
                                                   n_train, n_test)
                    saved["rows"].append([family, label, r.balanced_accuracy,
                                          r.balanced_accuracy_std, mean, std, p,
                                          r.fit_seconds])
            part.write_text(json.dumps(saved, default=float))
            print(f"done {dataset} at {time.time() - start:.0f} s", flush=True)
        for family, label, score, score_std, mean, std, p, seconds in saved["rows"]:
            plain = label == next(iter(settings_of[family]))
            lines.append(f"| {dataset} (n_train={saved['n_train']}) | {family} | {label} | "
                         f"{score:.2f} ± {score_std:.2f} | "
                         f"{'plain head' if plain else f'{mean:+.2f} ± {std:.2f} (p = {p:.2f})'}"
                         f" | {seconds:.1f} |")
            if not plain:
                deltas.setdefault((family, label), []).append((dataset, mean, std))
            kw = settings_of[family][label]
            if args.samplers and family in SAMPLERS and kw is not None and \
                    kw.get("sampling_strategy", "auto") == "auto":
                d = np.subtract(saved["scores"][_name(family, label)], saved["scores"][copies])
                against_copies.setdefault((family, label), []).append(
                    (dataset, *corrected_ttest(d, saved["n_train"], saved["n_test"])[:2]))
    lines += _summary(deltas, "Each setting against its plain head, over the data sets:")
    if against_copies:
        lines += _summary(against_copies, "Each sampler at imbalanced-learn's default "
                          "re-balancing (\"auto\", which its estimator checks require of an "
                          "over-sampler's default) against RandomOverSampler(\"auto\"), the "
                          "same re-balancing by copies of rows, i.e. without augmentation:")
    lines += ["", f"Total time {time.time() - start:.0f} s."]
    save_results(f"{output}.md", lines)


if __name__ == "__main__":
    main()
