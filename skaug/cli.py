"""Command line: ``skaug compare`` (also ``python -m skaug compare``).

::

    skaug compare                                  # built-in QSAR data, every method
    skaug compare my.csv --target label --methods none,cutmix,saflex,sea,iada --cv 5
    skaug compare --dataset sms_minilm --output results.md --plot results.png
"""

import argparse
import sys
import time
import warnings

from . import compare as cmp
from .datasets import BUILTIN_DATASETS, load_builtin


def _parser():
    parser = argparse.ArgumentParser(prog="skaug", description="Feature-space augmentation.")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser(
        "compare",
        help="cross-validate augmentation methods against no augmentation and "
             "LogisticRegression, on a CSV file or built-in data",
        description="Cross-validated accuracy, balanced accuracy and fit time of each "
                    "method, beside the same head without augmentation and "
                    "LogisticRegression. Numeric columns are imputed (median) and "
                    "standardised, categorical ones one-hot encoded, inside each fold.",
    )
    p.add_argument("csv", nargs="?", help="a CSV file with a header row (default: built-in data)")
    p.add_argument("--target", help="the label column of the CSV file")
    p.add_argument("--drop", default="", help="comma-separated columns of the CSV to ignore")
    p.add_argument("--dataset", choices=sorted(BUILTIN_DATASETS), default="qsar_biodeg",
                   help="built-in dataset when no CSV is given (default: qsar_biodeg)")
    p.add_argument("--methods", default=",".join(cmp.DEFAULT_METHODS),
                   help=f"comma-separated, from: {', '.join(cmp.METHODS)}, or 'all' (default: "
                        f"{','.join(cmp.DEFAULT_METHODS)}); none and lr always run")
    p.add_argument("--cv", type=int, default=3, help="number of stratified folds (default 3)")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--output", help="also write the table to this .csv or .md file")
    p.add_argument("--plot", help="also draw the table as a bar chart into this .png file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def run_compare(args, out=None):
    out = sys.stdout if out is None else out
    if args.cv < 2:
        raise ValueError("--cv must be at least 2.")
    if args.epochs < 1:
        raise ValueError("--epochs must be at least 1.")
    if args.output and not args.output.lower().endswith((".csv", ".md")):
        raise ValueError(f"--output must end in .csv or .md, got {args.output}.")
    if args.plot and not args.plot.lower().endswith(".png"):
        raise ValueError(f"--plot must end in .png, got {args.plot}.")
    methods = cmp.parse_methods(args.methods)
    if args.csv:
        if not args.target:
            raise ValueError("a CSV file needs --target, the name of its label column.")
        drop = [c.strip() for c in args.drop.split(",") if c.strip()]
        X, y, kinds, names, notes = cmp.load_csv(args.csv, args.target, drop)
        n_cat = kinds.count("categorical")
        title = f"{args.csv} (target {args.target!r})"
        print(f"{title}: {len(y)} rows, {len(kinds) - n_cat} numeric and {n_cat} categorical "
              f"columns, {len(set(y))} classes", file=out)
        for note in notes:
            print(f"  note: {note}", file=out)
    else:
        X, y = load_builtin(args.dataset)
        kinds = ["numeric"] * X.shape[1]
        title = f"built-in {args.dataset}"
        print(f"{title}: {BUILTIN_DATASETS[args.dataset]}; {len(y)} rows", file=out)
    print(f"{args.cv}-fold stratified cross-validation, {args.epochs} epochs, "
          f"random_state={args.random_state}", file=out)
    start = time.time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        rows = cmp.compare(X, y, methods, preprocessor=cmp.make_preprocessor(kinds), cv=args.cv,
                           epochs=args.epochs, random_state=args.random_state,
                           progress=not args.quiet)
    print(file=out)
    print(cmp.format_table(rows), file=out)
    if args.output:
        cmp.write_rows(rows, args.output)
        print(f"table written to {args.output}", file=out)
    if args.plot:
        from .plot import plot_comparison

        ax = plot_comparison(rows, title=title)
        ax.figure.savefig(args.plot, dpi=110)
        print(f"plot written to {args.plot}", file=out)
    print(f"done in {time.time() - start:.0f} s", file=out)
    return rows


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        run_compare(args)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        parser.exit(2, f"skaug compare: error: {exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
