"""``skaug predict``: a saved model's predictions for the rows of a CSV file."""

import sys

from ..compare._messages import printable


def add_parser(sub):
    p = sub.add_parser(
        "predict",
        help="predict the rows of a CSV file with a model saved by skaug compare --save",
        description="Reads the CSV file the way skaug compare read the training file (the "
                    "saved model holds how each column was read), predicts a label for each "
                    "row, and writes the rows with a 'prediction' column (and with --proba "
                    "one probability column per class).",
    )
    p.add_argument("model", help="a .skops file saved by skaug compare --save")
    p.add_argument("csv", help="a CSV file with the training file's columns (the target may "
                               "be absent), or, for a model saved from --images, a folder of "
                               "images")
    p.add_argument("--output", help="write the predictions to this .csv file (default: print "
                                    "them)")
    p.add_argument("--proba", action="store_true", help="add each class's probability")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the CSV file")
    p.add_argument("--no-header", dest="header", action="store_false",
                   help="the file has no header row: its columns are col1, col2, ...")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    return p


def run(args, out=None, written=None):
    """Run ``skaug predict`` with parsed ``args``; returns the predictions' DataFrame."""
    from pathlib import Path

    from ..compare import read_table
    from ..persistence import load
    from ._output import write_atomically

    out = sys.stdout if out is None else out
    if args.output:
        path = Path(args.output)
        if not args.output.lower().endswith(".csv"):
            raise ValueError(f"--output must end in .csv, got {printable(args.output)}.")
        if path.resolve() == Path(args.csv).resolve():
            raise ValueError(f"--output {printable(args.output)} is the input file: refusing "
                             "to overwrite it.")
        if path.exists() and not args.force:
            raise ValueError(f"--output {printable(args.output)} exists; pass --force to "
                             "overwrite it, or choose another name.")
    if not Path(args.model).is_file():
        raise FileNotFoundError(f"no such file: {printable(args.model)}")
    model = load(args.model)
    first = model.steps[0][0] if hasattr(model, "steps") else None
    if Path(args.csv).is_dir():
        if first != "features":
            raise ValueError(f"{printable(args.csv)} is a folder: only a model saved by "
                             "skaug compare --images predicts images.")
        from ..extraction import IMAGE_SUFFIXES

        paths = sorted(str(p) for p in Path(args.csv).rglob("*")
                       if p.suffix.lower() in IMAGE_SUFFIXES)
        if not paths:
            raise ValueError(f"{printable(args.csv)} holds no images.")
        frame = rows = None
        import pandas as pd

        frame, rows = pd.DataFrame({"path": paths}), paths
    else:
        frame, _ = read_table(args.csv, encoding=args.encoding, header=args.header)
        rows = frame if first == "columns" else _numeric(frame, model)
    result = frame.copy()
    result["prediction"] = model.predict(rows)
    if args.proba:
        for label, column in zip(model.classes_, model.predict_proba(rows).T):
            result[f"proba {label}"] = column
    if args.output:
        write_atomically(args.output, lambda tmp: result.to_csv(tmp, index=False))
        if written is not None:
            written.add("predictions", args.output)
        print(f"{len(result)} predictions written to {printable(args.output)}", file=out)
    else:
        result.to_csv(out, index=False)
    return result


def _numeric(frame, model):
    """A model saved without its columns (from built-in data): the file's numeric columns,
    in order, as it was fitted on."""
    import numpy as np

    expected = getattr(model, "n_features_in_", frame.shape[1])
    if frame.shape[1] != expected:
        raise ValueError(f"this model reads {expected} numeric columns and the file has "
                         f"{frame.shape[1]}; a model saved by skaug compare from a CSV file "
                         "reads that file's columns by name.")
    try:
        return frame.to_numpy(dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"this model reads numbers only: {exc}") from exc
