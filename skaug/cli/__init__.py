"""Command line: ``skaug compare`` (also ``python -m skaug compare``).

::

    skaug compare                                  # built-in QSAR data, default methods
    skaug compare my.csv --target label --methods cutmix,saflex,sea,iada --cv 5
    skaug compare --dataset sms_minilm --output results.md --plot results.png

The parser imports nothing heavy: torch is imported only when a command runs.
"""

import argparse
import sys

from ..compare._registry import DEFAULT_METHODS, MODELS, SAMPLER_FAMILIES, SAMPLERS
from ..datasets import BUILTIN_DATASETS


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
    p.add_argument("--methods", default=",".join(DEFAULT_METHODS),
                   help=f"comma-separated, from: {', '.join(MODELS)}, or 'all' (default: "
                        f"{','.join(DEFAULT_METHODS)}); lr, hgb and the plain head of "
                        "each method always run. Samplers in front of lr or hgb: "
                        "'<sampler>+lr' or '<sampler>+hgb', <sampler> from: "
                        f"{', '.join([*SAMPLERS, *SAMPLER_FAMILIES])} (needs "
                        "imbalanced-learn)")
    p.add_argument("--cv", type=int, default=3, help="outer stratified folds (default 3)")
    p.add_argument("--repeats", type=int, default=1,
                   help="repetitions of the outer folds, for a stronger verdict (default 1)")
    p.add_argument("--inner-cv", type=int, default=2,
                   help="inner folds that tune each model (default 2)")
    p.add_argument("--metric", choices=["accuracy", "balanced_accuracy"],
                   help="what tuning maximises and the verdict compares (default: balanced "
                        "accuracy when the smallest class is under 20 %% of the rows, or with "
                        "--class-weight balanced or samplers; else accuracy)")
    p.add_argument("--class-weight", choices=["balanced"],
                   help="class_weight='balanced' for every model that has it (default: tuned, "
                        "None or 'balanced')")
    p.add_argument("--epochs", type=int, default=50,
                   help="maximum epochs of the torch heads, which stop early (default 50)")
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
    return parser


def main(argv=None):
    """Run the command line (``argv``: the arguments, default ``sys.argv[1:]``)."""
    from ._output import as_flags, printable

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        from ._compare import run_compare

        run_compare(args)
    except KeyboardInterrupt:
        # nothing partial is written: outputs are written whole, and only at the end
        parser.exit(130, "skaug compare: interrupted; no output written.\n")
    except (ValueError, FileNotFoundError, ImportError) as exc:
        parser.exit(2, f"skaug compare: error: {as_flags(exc)}\n")
    except OSError as exc:  # disk full, permission denied, ... while writing
        where = f" {printable(exc.filename)}" if exc.filename else ""
        parser.exit(2, f"skaug compare: error: cannot write{where}: {exc.strerror or exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
