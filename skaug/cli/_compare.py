"""``skaug compare``: read the data, run the protocol, print and write the answer."""

import sys
import time

from ..compare._messages import printable
from ..compare._registry import (
    DEEP_METHODS,
    DEFAULT_METHODS,
    MODELS,
    SAMPLER_FAMILIES,
    SAMPLERS,
)
from ..datasets import BUILTIN_DATASETS
from . import _features

#: rows × columns × classes above which HistGradientBoosting is left out of a comparison
#: on deep features (benchmarks/results/deep_inputs.md: its tuning there)
HGB_AFFORDABLE = 20e6


def add_parser(sub):
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
    p.add_argument("--keep", default="",
                   help="comma-separated columns to use even if they look like identifiers, free "
                        "text or a recoding of the target")
    p.add_argument("--thousands", choices=[",", ".", " ", "'"],
                   help="thousands separator of numbers written ambiguously (1,250); by default "
                        "found per column")
    p.add_argument("--decimal", choices=[".", ","],
                   help="decimal mark of numbers written ambiguously; by default found per column")
    p.add_argument("--no-header", dest="header", action="store_false",
                   help="the file has no header row: its columns are col1, col2, ...")
    p.add_argument("--dataset", choices=sorted(BUILTIN_DATASETS), default="qsar_biodeg",
                   help="built-in dataset when no CSV is given (default: qsar_biodeg)")
    p.add_argument("--methods",
                   help=f"comma-separated, from: {', '.join(MODELS)}, or 'all' (default: "
                        f"{','.join(DEFAULT_METHODS)}; on images and texts "
                        f"{','.join(DEEP_METHODS)}); lr, hgb and the plain head of "
                        "each method always run. Samplers in front of lr or hgb: "
                        "'<sampler>+lr' or '<sampler>+hgb', <sampler> from: "
                        f"{', '.join([*SAMPLERS, *SAMPLER_FAMILIES])} (needs "
                        "imbalanced-learn)")
    p.add_argument("--cv", type=int, default=3, help="outer stratified folds (default 3)")
    p.add_argument("--repeats", type=int, default=1,
                   help="repetitions of the outer folds, for a stronger verdict (default 1)")
    p.add_argument("--inner-cv", type=int, default=2,
                   help="inner folds that tune each model (default 2)")
    p.add_argument("--metric", choices=["accuracy", "balanced_accuracy", "f1_macro",
                                        "average_precision", "geometric_mean"],
                   help="what tuning maximises and the verdict compares (default: balanced "
                        "accuracy when the smallest class is under 20 %% of the rows, or with "
                        "--class-weight balanced or samplers; else accuracy)")
    p.add_argument("--class-weight", choices=["balanced"],
                   help="class_weight='balanced' for every model that has it (default: tuned, "
                        "None or 'balanced', unless the metric is accuracy, which keeps None)")
    p.add_argument("--epochs", type=int, default=50,
                   help="maximum epochs of the torch heads, which stop early (default 50)")
    p.add_argument("--no-early-stopping", dest="early_stopping", action="store_false",
                   help="train the torch heads for --epochs epochs, holding no rows out (for "
                        "classes too small to hold rows out)")
    p.add_argument("--time-budget", type=float, metavar="SECONDS",
                   help="fit the run in this many seconds: compare measures one fit of each "
                        "model, plans (fewer tuning rows, refit rows, epochs, alike for every "
                        "model), says what it gives up, and corrects the plan after each fold")
    p.add_argument("--tune-rows", type=int, default=2000,
                   help="the inner cross-validation tunes on a stratified sample of at most this "
                        "many training rows per fold; the chosen setting is refitted on all "
                        "(default 2000; 0: every row)")
    p.add_argument("--n-jobs", type=int, default=-1,
                   help="parallel fits, one thread each (default -1: every core)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--output", help="also write the table to this .csv or .md file")
    p.add_argument("--plot", help="also draw the comparison into this .png file")
    p.add_argument("--save", help="refit the best model (by the metric) on all rows, tuned by "
                                  "inner CV, and save it to this .skops file "
                                  "(load with skaug.persistence.load)")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing --output, --plot and --save files")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _features.add_arguments(p)
    p.add_argument("--show-warnings", action="store_true",
                   help="list the warnings the models' fits raised (by default: one line)")
    return p


def _data(args, out):
    """``(X, y, kinds, title, head)`` of the input — a CSV file (with a text column),
    an image folder or built-in data — with notes printed; ``head`` is the fitted step that
    turns the raw input into ``X`` (None for built-in data), the first of a saved model."""
    from sklearn.pipeline import Pipeline

    from ..compare import load_csv
    from ..datasets import load_builtin
    from . import _features
    from ._output import as_flags

    if args.images:
        return _features.image_inputs(args, out)
    if not args.csv:
        X, y = load_builtin(args.dataset)
        print(f"built-in {args.dataset}: {BUILTIN_DATASETS[args.dataset]}; {len(y)} rows",
              file=out)
        return X, y, ["numeric"] * X.shape[1], f"built-in {args.dataset}", None
    if not args.target:
        raise ValueError("a CSV file needs --target, the name of its label column.")
    table = load_csv(args.csv, args.target, _names(args.drop), keep=_names(args.keep),
                     text=[args.text_column] if args.text_column else [],
                     encoding=args.encoding, header=args.header, thousands=args.thousands,
                     decimal=args.decimal, max_rows=args.max_rows,
                     random_state=args.random_state)
    X, y, kinds, notes, head = table.X, table.y, table.kinds, table.notes, table.columns
    counts = {k: kinds.count(k) for k in ("numeric", "categorical", "text")}
    title = f"{printable(args.csv)} (target {printable(args.target)!r})"
    print(f"{title}: {len(y)} rows, {counts['numeric']} numeric, {counts['categorical']} "
          f"categorical" + (f" and {counts['text']} text" if counts["text"] else "")
          + f" columns, {len(set(y))} classes", file=out)
    for note in notes:
        print(f"  note: {as_flags(note)}", file=out)
    if args.text_column:
        X, kinds, embed = _features.text_inputs(args, table, out)
        head = Pipeline([("columns", table.columns), ("features", embed)])
    return X, y, kinds, title, head


def _affordable(selection, X, y, asked, out):
    """Leave HistGradientBoosting out on wide deep features, where its tuning would take
    most of the run, unless it was asked for by name (see docs/compare.md)."""
    import numpy as np

    if "hgb" not in selection or "hgb" in asked:
        return selection
    size = X.shape[0] * X.shape[1] * max(2, len(np.unique(y)))
    if size <= HGB_AFFORDABLE:
        return selection
    print(f"  note: left out HistGradientBoosting: {X.shape[0]:,} rows × {X.shape[1]:,} "
          f"columns × {len(np.unique(y))} classes is beyond what it tunes in reasonable time "
          f"(rows × columns × classes ≤ {HGB_AFFORDABLE:,.0f}; docs/compare.md); name it in "
          "--methods to keep it", file=out)
    return {n: m for n, m in selection.items() if n != "hgb"}


def _names(text):
    return [c.strip() for c in text.split(",") if c.strip()]


def _check_optional_packages(args, selection):
    """Optional packages the flags need, checked before any fitting."""
    import importlib.util

    from ..compare import needs_imbalanced_learn

    if args.plot and importlib.util.find_spec("matplotlib") is None:
        raise ImportError("--plot needs matplotlib: pip install 'skaug[plot]' (checked before "
                          "fitting anything).")
    if needs_imbalanced_learn(selection) and importlib.util.find_spec("imblearn") is None:
        raise ImportError("the sampler pipelines need imbalanced-learn: pip install "
                          "'skaug[samplers]'.")


def run(args, out=None, written=None):
    """Run ``skaug compare`` with parsed ``args``; returns the :class:`~skaug.compare.Comparison`.

    ``written`` (a :class:`~skaug.cli._output.Written`) records each file as it is
    written, for an honest message if the run is interrupted.
    """
    from ..compare import choose_metric, compare, make_preprocessor, select_models, unit_rows
    from ._output import (
        Written,
        as_flags,
        check_outputs,
        format_table,
        write_atomically,
        write_table,
    )

    out = sys.stdout if out is None else out
    if args.cv < 2 or args.inner_cv < 2:
        raise ValueError("--cv and --inner-cv must be at least 2.")
    if args.repeats < 1:
        raise ValueError("--repeats must be at least 1.")
    if args.epochs < 1:
        raise ValueError("--epochs must be at least 1.")
    if args.max_rows is not None and args.max_rows < 10:
        raise ValueError("--max-rows must be at least 10.")
    if args.time_budget is not None and args.time_budget <= 0:
        raise ValueError("--time-budget must be a positive number of seconds.")
    if args.tune_rows and args.tune_rows < 50:
        raise ValueError("--tune-rows must be at least 50 (or 0: every row).")
    check_outputs(args, [args.csv] if args.csv else [])
    if args.images and args.csv:
        raise ValueError("pass a CSV file or --images, not both.")
    if args.text_column and not args.csv:
        raise ValueError("--text-column names a column of a CSV file: pass the file too.")
    deep = bool(args.images or args.text_column)
    methods = args.methods or ",".join(DEEP_METHODS if deep else DEFAULT_METHODS)
    selection = select_models(methods)  # once: validated before the data is read
    _check_optional_packages(args, selection)
    X, y, kinds, title, head = _data(args, out)
    if deep:
        selection = _affordable(selection, X, y, methods.split(","), out)
    preprocessor = make_preprocessor(kinds)
    if all(k == "numeric" for k in kinds) and unit_rows(X):
        preprocessor = "passthrough"
        print("  note: every row has unit length (deep features, normalised as in SeA's Eq. 1):"
              " used as they are, not standardised column by column", file=out)
    if args.metric:
        metric, why = args.metric, "--metric"
    else:
        metric, why = choose_metric(y, args.class_weight, selection)
        why = as_flags(why)
    repeats = f" × {args.repeats} repeats" if args.repeats > 1 else ""
    n_train = len(y) * (args.cv - 1) / args.cv
    rows = f" on {args.tune_rows:,} of the {n_train:,.0f} training rows of a fold" \
        if args.tune_rows and n_train > args.tune_rows else ""
    weights = "; class_weight stays None, as accuracy asks" \
        if metric == "accuracy" and args.class_weight is None else ""
    print(f"{args.cv}-fold stratified cross-validation{repeats}; each model tuned by "
          f"{args.inner_cv}-fold inner cross-validation{rows} on {metric.replace('_', ' ')} "
          f"({why}{weights}), then refitted on the whole fold; at most {args.epochs} epochs; "
          f"random_state={args.random_state}", file=out)
    start = time.time()
    dask = _features.client(args)
    with _backend(dask):
        result = compare(X, y, selection, preprocessor=preprocessor, cv=args.cv,
                         repeats=args.repeats, inner_cv=args.inner_cv, metric=metric,
                         class_weight=args.class_weight, epochs=args.epochs,
                         random_state=args.random_state, n_jobs=args.n_jobs,
                         progress=not args.quiet, early_stopping=args.early_stopping,
                         tune_rows=args.tune_rows or None, time_budget=args.time_budget,
                         on_note=lambda note: print(f"  note: {as_flags(note)}", file=out,
                                                    flush=True))
    print(file=out)
    print(format_table(result), file=out)
    _warnings(result, args.show_warnings, out)
    verdict = result.verdict()
    print(f"\nverdict: {verdict.sentence}", file=out)
    written = Written() if written is None else written
    if args.output:
        write_table(result, args.output)
        written.add("table", args.output)
        print(f"table written to {printable(args.output)}", file=out)
    if args.plot:
        from ..plot import plot_comparison

        ax = plot_comparison(result, title=title)
        write_atomically(args.plot, lambda tmp: ax.figure.savefig(tmp, dpi=110, format="png"))
        written.add("plot", args.plot)
        print(f"plot written to {printable(args.plot)}", file=out)
    if args.save:
        written.pending("model", args.save)
        _save(args, result, X, y, preprocessor, metric, head, out)
        written.add("model", args.save)
    print(f"done in {time.time() - start:.0f} s", file=out)
    return result


def _warnings(result, show, out):
    """The models' fits warn about settings compare itself chose (its grids): one line, or
    each warning with ``--show-warnings``."""
    seen = {}
    for r in result:
        for w in r.warnings:
            seen.setdefault(w, []).append(r.label)
    if not seen:
        return
    if show:
        for w, who in seen.items():
            print(f"warning ({', '.join(who)}): {w}", file=out)
        return
    models = sorted({m for who in seen.values() for m in who})
    print(f"note: the fits of {', '.join(models)} raised {len(seen)} distinct warning"
          f"{'s' if len(seen) > 1 else ''} about settings of the grids, which the inner "
          "cross-validation weighs; --show-warnings lists them", file=out)


def _backend(dask):
    """joblib's Dask backend while ``dask`` (a client) is given: the folds × models run on
    its workers; else nothing changes."""
    import contextlib

    if dask is None:
        return contextlib.nullcontext()
    import joblib

    return joblib.parallel_config(backend="dask")


def _save(args, result, X, y, preprocessor, metric, head, out):
    from ..compare import model_for, refit_best
    from ..persistence import dump
    from ._output import write_atomically

    best = result.best()
    model = refit_best(best.name, X, y, preprocessor=preprocessor, inner_cv=args.inner_cv,
                       metric=metric, class_weight=args.class_weight, epochs=args.epochs,
                       random_state=args.random_state, early_stopping=args.early_stopping,
                       head=head, tune_rows=args.tune_rows or None)
    write_atomically(args.save, lambda tmp: dump(model, tmp))
    keys = {f"model__{k}" for k in model_for(best.name).grid} | {"model__class_weight"}
    chosen = {k: v for k, v in model.named_steps["model"].get_params().items()
              if f"model__{k}" in keys}
    print(f"saved {best.label} (best {metric.replace('_', ' ')}; refitted on all "
          f"{len(y)} rows, tuned: {chosen}) to {printable(args.save)}; predict with "
          f"skaug predict {printable(args.save)} new.csv, or load it with "
          "skaug.persistence.load", file=out)
