"""Reading the user's CSV file as they meant it (pandas), with notes on every decision.

Messages name :func:`load_csv`'s parameters (``encoding=``, ``target=``, ...);
the command line translates them into its flags.
"""

import csv
import re
from pathlib import Path

import numpy as np

MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}


def printable(text):
    """``text`` with control characters (terminal escape codes, ...) escaped, for messages."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _sniff(path, encoding):
    """``(encoding, delimiter, decimal)`` of a CSV file, from its first 64 KB."""
    with open(path, "rb") as f:
        head = f.read(65536)
    if encoding in (None, "utf-8"):  # a byte-order mark says which encoding
        encoding = next((enc for bom, enc in _BOMS if head.startswith(bom)), "utf-8")
    try:
        sample = head.decode(encoding, errors="strict")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the 64 KB boundary
            raise ValueError(
                f"{printable(path.name)} is not valid {encoding} text (byte "
                f"{head[exc.start:exc.start + 1]!r} at position {exc.start}). Pass its "
                "encoding, e.g. encoding='latin-1' or encoding='cp1252' for files from older "
                "spreadsheets, encoding='utf-16' for some Excel exports."
            ) from exc
        sample = head[: exc.start].decode(encoding)
    except LookupError as exc:
        raise ValueError(f"unknown encoding {encoding!r}: use a Python codec name such as "
                         "utf-8, latin-1, cp1252 or utf-16.") from exc
    lines = sample.splitlines()[:-1] or sample.splitlines()  # the last line may be cut
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines), delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    # decimal commas ("3,14") appear in files whose fields are not separated by commas
    body = "\n".join(lines[1:])
    decimal = "," if delimiter != "," and re.search(r"(^|[;\t])-?\d+,\d+([;\t]|$)", body, re.M) \
        and not re.search(r"(^|[;\t])-?\d+\.\d+([;\t]|$)", body, re.M) else "."
    return encoding, delimiter, decimal


def _check_field_counts(path, encoding, delimiter, n_fields):
    """Refuse rows with more or fewer fields than the header, naming the line (streamed)."""
    with open(path, newline="", encoding=encoding) as f:
        for i, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if row and len(row) != n_fields:
                raise ValueError(f"{printable(path.name)}, line {i}: {len(row)} fields, but the "
                                 f"header has {n_fields}.")


def load_csv(path, target, drop=(), *, encoding="utf-8", max_rows=None, random_state=0):
    """Read a CSV file into ``(X, y, kinds, names, notes)``, with pandas.

    The encoding (``encoding``, or the file's byte-order mark), the
    delimiter (comma, semicolon or tab) and decimal commas (``3,14`` in a
    semicolon- or tab-separated file) are detected. A column whose
    non-missing values all parse as numbers is numeric (missing values —
    empty, ``NA``, ``?``, ... — become NaN; ``inf`` is refused, naming the
    column); any other column is categorical (missing values become the
    category ``"missing"``). Columns that look like identifiers carry no
    pattern to learn and are dropped, with a note: integer columns whose
    values are all distinct (row numbers, customer ids) and categorical
    columns with more than 50 distinct values making up more than 5 % of the
    rows (names, free text). So are the columns named in ``drop``. Rows
    without a target are dropped.

    Parameters
    ----------
    path : str or path-like
    target : str
        The label column.
    drop : sequence of str, default=()
    encoding : str, default="utf-8"
        A Python codec name (``"latin-1"``, ``"cp1252"``, ``"utf-16"``, ...).
    max_rows : int, default=None
        Keep at most this many rows, drawn stratified by the target (for
        large files: time and memory). A note says so.
    random_state : int, default=0
        Seed of the ``max_rows`` draw.

    Returns
    -------
    X : pandas.DataFrame of shape (n_samples, n_features)
        Numeric columns as float64, categorical ones as strings.
    y : ndarray of str, shape (n_samples,)
    kinds : list of {"numeric", "categorical"}
    names : list of str
        Column names of ``X``.
    notes : list of str
        What was dropped or sampled, and why, for the user.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {printable(path)}")
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"{printable(path.name)} is not a CSV file (expected a .csv, .tsv or "
                         ".txt file of comma-, semicolon- or tab-separated columns with a "
                         "header row).")
    encoding, delimiter, decimal = _sniff(path, encoding)
    name = printable(path.name)
    try:
        frame = pd.read_csv(path, sep=delimiter, decimal=decimal, encoding=encoding,
                            na_values=sorted({v for m in MISSING for v in (m, m.upper(), m.title())}) + ["NaN"],
                            keep_default_na=False, skipinitialspace=True,
                            skip_blank_lines=True)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not valid {encoding} text ({exc.reason} at byte "
                         f"{exc.start}). Pass its encoding, e.g. encoding='latin-1', "
                         "encoding='cp1252' or encoding='utf-16'.") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{name} is empty: it needs a header row and data rows.") from exc
    except pd.errors.ParserError as exc:
        _check_field_counts(path, encoding, delimiter, len(pd.read_csv(
            path, sep=delimiter, encoding=encoding, nrows=0).columns))
        raise ValueError(f"{name} cannot be read as CSV: {exc}") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.isna().all(axis=1).any() or frame.shape[1] > 1 and frame.iloc[:, -1].isna().any():
        _check_field_counts(path, encoding, delimiter, frame.shape[1])  # short rows?
    if len(frame) == 0:
        raise ValueError(f"{name} has no data rows under its header.")
    header = list(frame.columns)
    if target not in header:
        raise ValueError(f"{name} has no column {printable(target)!r}; its columns are: "
                         f"{', '.join(map(printable, header))}. Pass the label column as "
                         "target='<column>'.")
    unknown_drop = [c for c in drop if c not in header]
    if unknown_drop:
        raise ValueError(f"cannot drop {', '.join(map(printable, unknown_drop))}: no such "
                         "column(s).")
    notes = []
    has_target = frame[target].notna().to_numpy()
    if not has_target.all():
        notes.append(f"dropped {int((~has_target).sum())} rows without a "
                     f"{printable(target)!r} value")
        frame = frame[has_target]
    labels = frame[target]
    if pd.api.types.is_float_dtype(labels) and (labels == labels.round()).all():
        labels = labels.astype("Int64")  # 0/1 labels stay "0"/"1", not "0.0"/"1.0"
    y = labels.astype(str).str.strip().to_numpy(dtype=str)
    if max_rows is not None and len(frame) > max_rows:
        from sklearn.model_selection import train_test_split

        keep, _ = train_test_split(np.arange(len(frame)), train_size=max_rows,
                                   stratify=y, random_state=random_state)
        keep = np.sort(keep)
        notes.append(f"kept {max_rows} of {len(frame)} rows (max_rows), drawn stratified "
                     "by the target")
        frame, y = frame.iloc[keep], y[keep]
    columns, kinds, names = {}, [], []
    for col in header:
        if col == target or col in drop:
            continue
        values = frame[col]
        shown = printable(col)
        if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            values = values.astype(str).str.strip().where(values.notna(), None)
        if pd.api.types.is_numeric_dtype(values) and values.notna().any():
            values = values.astype(np.float64)
            if np.isinf(values).any():
                raise ValueError(f"column {shown!r} of {name} holds infinite values (inf); "
                                 "replace them (e.g. by an empty cell, then imputed) or drop "
                                 f"the column with drop=[{shown!r}].")
            if values.notna().all() and values.nunique() == len(values) \
                    and np.all(values == np.round(values)):
                notes.append(f"dropped {shown!r}: distinct integers in every row (an "
                             "identifier?)")
                continue
            columns[col] = values.to_numpy()
            kinds.append("numeric")
        else:
            distinct = values.nunique(dropna=True)
            if distinct > max(50, 0.05 * len(values)):
                reason = "free text" if decimal == "." else "free text, or numbers in a format not read"
                notes.append(f"dropped {shown!r}: {distinct} distinct text values (an "
                             f"identifier or {reason}?)")
                continue
            columns[col] = values.fillna("missing").to_numpy(dtype=object)
            kinds.append("categorical")
        names.append(col)
    if not columns:
        raise ValueError(f"{name} has no feature columns besides {printable(target)!r}"
                         + (": " + "; ".join(notes) if notes else "") + ".")
    X = pd.DataFrame(columns, index=pd.RangeIndex(len(y)))
    return X, y, kinds, names, notes
