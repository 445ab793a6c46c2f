"""``skaug compare``: read the data, run the protocol, print and write the answer."""

import sys
import time

from ..compare._data import printable


def _data(args, out):
    """``(X, y, kinds, title)`` of the CSV file or the built-in data, with notes printed."""
    from ..compare import load_csv
    from ..datasets import BUILTIN_DATASETS, load_builtin

    if not args.csv:
        X, y = load_builtin(args.dataset)
        print(f"built-in {args.dataset}: {BUILTIN_DATASETS[args.dataset]}; {len(y)} rows",
              file=out)
        return X, y, ["numeric"] * X.shape[1], f"built-in {args.dataset}"
    if not args.target:
        raise ValueError("a CSV file needs --target, the name of its label column.")
    drop = [c.strip() for c in args.drop.split(",") if c.strip()]
    X, y, kinds, _, notes = load_csv(args.csv, args.target, drop, encoding=args.encoding,
                                     max_rows=args.max_rows, random_state=args.random_state)
    n_cat = kinds.count("categorical")
    title = f"{printable(args.csv)} (target {printable(args.target)!r})"
    print(f"{title}: {len(y)} rows, {len(kinds) - n_cat} numeric and {n_cat} categorical "
          f"columns, {len(set(y))} classes", file=out)
    for note in notes:
        print(f"  note: {note}", file=out)
    return X, y, kinds, title


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


def run_compare(args, out=None):
    """Run ``skaug compare`` with parsed ``args``; returns the :class:`~skaug.compare.Comparison`."""
    from ..compare import choose_metric, compare, make_preprocessor, select_models, unit_rows
    from ._output import as_flags, check_outputs, format_table, write_atomically, write_table

    out = sys.stdout if out is None else out
    if args.cv < 2 or args.inner_cv < 2:
        raise ValueError("--cv and --inner-cv must be at least 2.")
    if args.repeats < 1:
        raise ValueError("--repeats must be at least 1.")
    if args.epochs < 1:
        raise ValueError("--epochs must be at least 1.")
    if args.max_rows is not None and args.max_rows < 10:
        raise ValueError("--max-rows must be at least 10.")
    check_outputs(args, [args.csv] if args.csv else [])
    selection = select_models(args.methods)  # once: validated before the data is read
    _check_optional_packages(args, selection)
    X, y, kinds, title = _data(args, out)
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
    print(f"{args.cv}-fold stratified cross-validation{repeats}; each model tuned by "
          f"{args.inner_cv}-fold inner cross-validation on {metric.replace('_', ' ')} ({why}); "
          f"at most {args.epochs} epochs; random_state={args.random_state}", file=out)
    start = time.time()
    result = compare(X, y, selection, preprocessor=preprocessor, cv=args.cv,
                     repeats=args.repeats, inner_cv=args.inner_cv, metric=metric,
                     class_weight=args.class_weight, epochs=args.epochs,
                     random_state=args.random_state, n_jobs=args.n_jobs,
                     progress=not args.quiet)
    print(file=out)
    print(format_table(result), file=out)
    seen = {}
    for r in result:
        for w in r.warnings:
            seen.setdefault(w, []).append(r.label)
    for w, who in seen.items():
        print(f"warning ({', '.join(who)}): {w}", file=out)
    verdict = result.verdict()
    print(f"\nverdict: {verdict.sentence}", file=out)
    if args.output:
        write_table(result, args.output)
        print(f"table written to {printable(args.output)}", file=out)
    if args.plot:
        from ..plot import plot_comparison

        ax = plot_comparison(result, title=title)
        write_atomically(args.plot, lambda tmp: ax.figure.savefig(tmp, dpi=110, format="png"))
        print(f"plot written to {printable(args.plot)}", file=out)
    if args.save:
        _save(args, result, X, y, preprocessor, metric, out)
    print(f"done in {time.time() - start:.0f} s", file=out)
    return result


def _save(args, result, X, y, preprocessor, metric, out):
    from ..compare import model_for, refit_best
    from ..persistence import dump
    from ._output import write_atomically

    best = result.best()
    model = refit_best(best.name, X, y, preprocessor=preprocessor, inner_cv=args.inner_cv,
                       metric=metric, class_weight=args.class_weight, epochs=args.epochs,
                       random_state=args.random_state)
    write_atomically(args.save, lambda tmp: dump(model, tmp))
    keys = {f"model__{k}" for k in model_for(best.name).grid} | {"model__class_weight"}
    chosen = {k: v for k, v in model.named_steps["model"].get_params().items()
              if f"model__{k}" in keys}
    print(f"saved {best.label} (best {metric.replace('_', ' ')}; refitted on all "
          f"{len(y)} rows, tuned: {chosen}) to {printable(args.save)}; load it with "
          "skaug.persistence.load", file=out)
