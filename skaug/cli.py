"""Command line: ``skaug compare`` (also ``python -m skaug compare``).

::

    skaug compare                                  # built-in QSAR data, default methods
    skaug compare my.csv --target label --methods cutmix,saflex,sea,iada --cv 5
    skaug compare --dataset sms_minilm --output results.md --plot results.png
"""

import argparse
import os
import sys
import time
from pathlib import Path

from . import compare as cmp
from .datasets import BUILTIN_DATASETS, load_builtin


def _parser():
    parser = argparse.ArgumentParser(prog="skaug", description="Feature-space augmentation.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "compare",
        help="does augmentation help on this data? Methods against tuned baselines, "
             "on a CSV file or built-in data",
        description="Nested cross-validation: every model (LogisticRegression, "
                    "HistGradientBoosting, the plain heads, each method) is tuned on its "
                    "own small grid by inner cross-validation on the training rows of each "
                    "outer fold, then scored on the outer test rows. Ends with a verdict: "
                    "each method against the best baseline, corrected resampled t-test. "
                    "Numeric columns are imputed (median) and standardised, categorical "
                    "ones one-hot encoded, inside each fold.",
    )
    p.add_argument("csv", nargs="?", help="a CSV file with a header row (default: built-in data)")
    p.add_argument("--target", help="the label column of the CSV file")
    p.add_argument("--encoding", default="utf-8",
                   help="text encoding of the CSV file (default utf-8; a byte-order mark is "
                        "followed; e.g. latin-1, cp1252, utf-16)")
    p.add_argument("--max-rows", type=int,
                   help="use at most this many rows of the CSV, drawn stratified by the target "
                        "(large files: time and memory)")
    p.add_argument("--drop", default="", help="comma-separated columns of the CSV to ignore")
    p.add_argument("--dataset", choices=sorted(BUILTIN_DATASETS), default="qsar_biodeg",
                   help="built-in dataset when no CSV is given (default: qsar_biodeg)")
    p.add_argument("--methods", default=",".join(cmp.DEFAULT_METHODS),
                   help=f"comma-separated, from: {', '.join(cmp.MODELS)}, or 'all' (default: "
                        f"{','.join(cmp.DEFAULT_METHODS)}); lr, hgb and the plain head of "
                        "each method always run. Samplers in front of lr or hgb: "
                        "'<sampler>+lr' or '<sampler>+hgb', <sampler> from: "
                        f"{', '.join([*cmp.SAMPLERS, *cmp.SAMPLER_CHOICES])} (needs "
                        "imbalanced-learn)")
    p.add_argument("--cv", type=int, default=3, help="outer stratified folds (default 3)")
    p.add_argument("--repeats", type=int, default=1,
                   help="repetitions of the outer folds, for a stronger verdict (default 1)")
    p.add_argument("--inner-cv", type=int, default=2,
                   help="inner folds that tune each model (default 2)")
    p.add_argument("--metric", choices=["accuracy", "balanced_accuracy"],
                   help="what tuning maximises and the verdict compares (default: balanced "
                        "accuracy when the smallest class is under 20 %% of the rows)")
    p.add_argument("--class-weight", choices=["balanced"],
                   help="class_weight='balanced' for every model that has it (default: tuned, "
                        "None or 'balanced')")
    p.add_argument("--epochs", type=int, default=50,
                   help="maximum epochs of the torch heads, which stop early (default 50)")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel fits, one thread each (default -1: every core)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--output", help="also write the table to this .csv or .md file")
    p.add_argument("--plot", help="also draw the table as a bar chart into this .png file")
    p.add_argument("--save", help="refit the best model (by the metric) on all rows, tuned by "
                                  "inner CV, and save it to this .skops file "
                                  "(load with skaug.persistence.load)")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing --output, --plot and --save files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run_compare(args, out=None):
    out = sys.stdout if out is None else out
    if args.cv < 2 or args.inner_cv < 2:
        raise ValueError("--cv and --inner-cv must be at least 2.")
    if args.repeats < 1:
        raise ValueError("--repeats must be at least 1.")
    if args.epochs < 1:
        raise ValueError("--epochs must be at least 1.")
    if args.max_rows is not None and args.max_rows < 10:
        raise ValueError("--max-rows must be at least 10.")
    _check_outputs(args)
    methods = cmp.parse_methods(args.methods)
    if args.csv:
        if not args.target:
            raise ValueError("a CSV file needs --target, the name of its label column.")
        drop = [c.strip() for c in args.drop.split(",") if c.strip()]
        X, y, kinds, names, notes = cmp.load_csv(args.csv, args.target, drop,
                                                 encoding=args.encoding, max_rows=args.max_rows,
                                                 random_state=args.random_state)
        n_cat = kinds.count("categorical")
        title = f"{cmp.printable(args.csv)} (target {cmp.printable(args.target)!r})"
        print(f"{title}: {len(y)} rows, {len(kinds) - n_cat} numeric and {n_cat} categorical "
              f"columns, {len(set(y))} classes", file=out)
        for note in notes:
            print(f"  note: {note}", file=out)
    else:
        X, y = load_builtin(args.dataset)
        kinds = ["numeric"] * X.shape[1]
        title = f"built-in {args.dataset}"
        print(f"{title}: {BUILTIN_DATASETS[args.dataset]}; {len(y)} rows", file=out)
    preprocessor = cmp.make_preprocessor(kinds)
    if all(k == "numeric" for k in kinds) and cmp.unit_rows(X):
        preprocessor = "passthrough"
        print("  note: every row has unit length (deep features, normalised as in SeA's Eq. 1):"
              " used as they are, not standardised column by column", file=out)
    metric = args.metric or cmp.default_metric(y)
    repeats = f" × {args.repeats} repeats" if args.repeats > 1 else ""
    print(f"{args.cv}-fold stratified cross-validation{repeats}; each model tuned by "
          f"{args.inner_cv}-fold inner cross-validation on {metric.replace('_', ' ')}; at most "
          f"{args.epochs} epochs; random_state={args.random_state}", file=out)
    start = time.time()
    rows = cmp.compare(X, y, methods, preprocessor=preprocessor, cv=args.cv,
                       repeats=args.repeats, inner_cv=args.inner_cv, metric=metric,
                       class_weight=args.class_weight, epochs=args.epochs,
                       random_state=args.random_state, n_jobs=args.n_jobs,
                       progress=not args.quiet)
    print(file=out)
    print(cmp.format_table(rows), file=out)
    seen = {}
    for r in rows:
        for w in r["warnings"]:
            seen.setdefault(w, []).append(r["model"])
    for w, who in seen.items():
        print(f"warning ({', '.join(who)}): {w}", file=out)
    sentence, _ = cmp.verdict(rows, metric)
    print(f"\nverdict: {sentence}", file=out)
    if args.output:
        cmp.write_rows(rows, args.output)
        print(f"table written to {cmp.printable(args.output)}", file=out)
    if args.plot:
        from .plot import plot_comparison

        ax = plot_comparison(rows, title=title, metric=metric)
        cmp.write_atomically(args.plot, lambda tmp: ax.figure.savefig(tmp, dpi=110, format="png"))
        print(f"plot written to {cmp.printable(args.plot)}", file=out)
    if args.save:
        from .persistence import dump

        best = max(rows, key=lambda r: r[metric])
        model = cmp.refit_best(best["method"], X, y, preprocessor=preprocessor,
                               inner_cv=args.inner_cv, metric=metric,
                               class_weight=args.class_weight, epochs=args.epochs,
                               random_state=args.random_state)
        cmp.write_atomically(args.save, lambda tmp: dump(model, tmp))
        chosen = {k: v for k, v in model.named_steps["model"].get_params().items()
                  if f"model__{k}" in _grid_keys(best["method"])}
        print(f"saved {best['model']} (best {metric.replace('_', ' ')}; refitted on all "
              f"{len(y)} rows, tuned: {chosen}) to {cmp.printable(args.save)}; load it with "
              "skaug.persistence.load", file=out)
    print(f"done in {time.time() - start:.0f} s", file=out)
    return rows


def _grid_keys(name):
    return {f"model__{k}" for k in cmp.model_for(name).grid} | {"model__class_weight"}


_SUFFIXES = {"output": (".csv", ".md"), "plot": (".png",), "save": (".skops",)}


def _check_outputs(args):
    """Refuse, before any fitting, output paths that cannot or must not be written."""
    inputs = {Path(args.csv).resolve()} if args.csv else set()
    seen = {}
    for flag, suffixes in _SUFFIXES.items():
        value = getattr(args, flag)
        if not value:
            continue
        path, shown = Path(value), cmp.printable(value)
        if not value.lower().endswith(suffixes):
            raise ValueError(f"--{flag} must end in {' or '.join(suffixes)}, got {shown}.")
        if path.resolve() in inputs:
            raise ValueError(f"--{flag} {shown} is the input file: refusing to overwrite it.")
        if path.resolve() in seen:
            raise ValueError(f"--{flag} and --{seen[path.resolve()]} are the same file, {shown}.")
        seen[path.resolve()] = flag
        if path.is_dir():
            raise ValueError(f"--{flag} {shown} is a directory; give a file name in it.")
        if path.exists() and not args.force:
            raise ValueError(f"--{flag} {shown} exists; pass --force to overwrite it, or "
                             "choose another name.")
        parent = path.resolve().parent
        if not parent.is_dir():
            raise ValueError(f"--{flag} {shown}: the folder {cmp.printable(parent)} does not "
                             "exist.")
        if not os.access(parent, os.W_OK):
            raise ValueError(f"--{flag} {shown}: the folder {cmp.printable(parent)} is not "
                             "writable.")


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        run_compare(args)
    except KeyboardInterrupt:
        # nothing partial is written: outputs are written whole, and only at the end
        parser.exit(130, "skaug compare: interrupted; no output written.\n")
    except (ValueError, FileNotFoundError, ImportError) as exc:
        parser.exit(2, f"skaug compare: error: {exc}\n")
    except OSError as exc:  # disk full, permission denied, ... while writing
        where = f" {cmp.printable(exc.filename)}" if exc.filename else ""
        parser.exit(2, f"skaug compare: error: cannot write{where}: {exc.strerror or exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
