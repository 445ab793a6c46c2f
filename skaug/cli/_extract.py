"""``skaug extract``: the deep features of an image folder or a text column, for use elsewhere."""

import sys

from ..compare._messages import printable
from . import _features


def add_parser(sub):
    p = sub.add_parser(
        "extract",
        help="the features of an image folder or a text column, written to a file",
        description="Extracts the features skaug compare would compare on (same inputs, same "
                    "backbones, same cache) and writes them with their labels: .npz (arrays "
                    "X, y, and the image paths or row numbers) or .parquet (one row per input; "
                    "needs pyarrow).",
    )
    p.add_argument("csv", nargs="?", help="a CSV file with a text column (or use --images)")
    p.add_argument("--target", help="the label column of the CSV file (written beside the "
                                    "features; optional)")
    p.add_argument("--encoding", default="utf-8", help="text encoding of the CSV file")
    p.add_argument("--output", required=True, help="the .npz or .parquet file to write")
    p.add_argument("--force", action="store_true", help="overwrite an existing --output file")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _features.add_arguments(p, compare=False)
    return p


def run(args, out=None, written=None):
    """Run ``skaug extract`` with parsed ``args``; returns ``(features, labels, ids)``."""
    from pathlib import Path

    import numpy as np

    from ._output import write_atomically

    out = sys.stdout if out is None else out
    path = Path(args.output)
    suffix = path.suffix.lower()
    if suffix not in (".npz", ".parquet"):
        raise ValueError(f"--output must end in .npz or .parquet, got {printable(args.output)}.")
    if path.exists() and not args.force:
        raise ValueError(f"--output {printable(args.output)} exists; pass --force to overwrite "
                         "it, or choose another name.")
    if suffix == ".parquet":
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise ImportError(".parquet output needs pyarrow: pip install pyarrow (or write "
                              ".npz).")
    if bool(args.images) == bool(args.csv):
        raise ValueError("pass an image folder (--images DIR) or a CSV file with --text-column.")
    if args.images:
        from ..extraction import image_folder

        paths, labels, notes = image_folder(args.images, skip_bad=args.skip_bad_images)
        print(f"images in {printable(args.images)}: {notes[0]}", file=out)
        ids = [str(p) for p in paths]
        features, _ = _features.extract(args, ids, "efficientnet-lite0", out,
                                        _features.client(args))
    else:
        if not args.text_column:
            raise ValueError("a CSV file needs --text-column, the column to embed.")
        from ..compare import parse_labels, read_table

        frame, _ = read_table(args.csv, encoding=args.encoding)
        for column in [args.text_column, args.target]:
            if column and column not in frame.columns:
                raise ValueError(f"{printable(args.csv)} has no column {printable(column)!r}; "
                                 f"its columns are: {', '.join(map(printable, frame.columns))}.")
        labels = parse_labels(frame[args.target]) if args.target else None
        ids = list(range(len(frame)))
        features, _ = _features.extract(args, frame[args.text_column].tolist(), "minilm", out,
                                        _features.client(args))

    def write(tmp):
        if suffix == ".npz":
            arrays = {"X": features, "ids": np.asarray(ids)}
            if labels is not None:
                arrays["y"] = np.asarray(labels)
            with open(tmp, "wb") as f:
                np.savez(f, **arrays)
            return
        import pandas as pd

        frame = pd.DataFrame(features, columns=[f"f{i}" for i in range(features.shape[1])])
        frame.insert(0, "id", ids)
        if labels is not None:
            frame.insert(1, "label", labels)
        frame.to_parquet(tmp, index=False)

    write_atomically(args.output, write)
    if written is not None:
        written.add("features", args.output)
    print(f"{features.shape[0]} × {features.shape[1]} features written to "
          f"{printable(args.output)}", file=out)
    return features, labels, ids
