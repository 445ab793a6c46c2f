"""Reading the user's CSV file as they meant it (pandas), with notes on every decision.

:func:`read_table` reads a file's raw values (its encoding, delimiter and header
found out, or asked for); :func:`load_csv` splits off the target (its labels in
the file's own type: a class named ``NA`` is a class) and fits
:class:`~skaug.compare.TableColumns` on the rest. Messages name the
parameters (``encoding=``, ``target=``, ...); the command line translates them
into its flags.
"""

import csv
from pathlib import Path
from typing import NamedTuple

import numpy as np

from ._columns import MISSING, TableColumns, parse_labels
from ._messages import printable

_BOMS = ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))


def _sniff(path, encoding):
    """``(encoding, delimiter)`` of a CSV file, from its first 64 KB."""
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
    return encoding, delimiter


def _check_field_counts(path, encoding, delimiter, n_fields):
    """Refuse rows with more or fewer fields than the header, naming the line (streamed)."""
    with open(path, newline="", encoding=encoding) as f:
        for i, row in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if row and len(row) != n_fields:
                raise ValueError(f"{printable(path.name)}, line {i}: {len(row)} fields, but the "
                                 f"header has {n_fields}.")


def _looks_like_data(names):
    """Whether a header row's fields look like values (numbers), not names."""
    numbers = sum(1 for n in names if _is_number(n))
    return numbers > 0 and numbers >= len(names) / 2


def _is_number(text):
    try:
        float(str(text).strip().replace(",", "."))
    except ValueError:
        return False
    return str(text).strip() != ""


def read_table(path, *, encoding="utf-8", header=True, max_rows=None):
    """The raw values of a CSV file: ``(frame, notes)``, every cell a string.

    The encoding (``encoding``, or the file's byte-order mark) and the
    delimiter (comma, semicolon or tab) are found out. ``header=True``: the
    first row names the columns, unless it looks like data (numbers), which
    is an error that says so; ``header=False``: no header, the columns are
    named ``col1``, ``col2``, .... Duplicated names get `` (2)``, `` (3)``...
    with a note. Rows with more or fewer fields than the header are refused,
    naming the line.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {printable(path)}")
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        raise ValueError(f"{printable(path.name)} is not a CSV file (expected a .csv, .tsv or "
                         ".txt file of comma-, semicolon- or tab-separated columns with a "
                         "header row).")
    encoding, delimiter = _sniff(path, encoding)
    name = printable(path.name)
    options = dict(sep=delimiter, encoding=encoding, header=None, dtype=str,
                   keep_default_na=False, na_filter=False, skipinitialspace=True,
                   skip_blank_lines=True)
    try:
        frame = pd.read_csv(path, **options)
    except UnicodeDecodeError as exc:
        raise ValueError(f"{name} is not valid {encoding} text ({exc.reason} at byte "
                         f"{exc.start}). Pass its encoding, e.g. encoding='latin-1', "
                         "encoding='cp1252' or encoding='utf-16'.") from exc
    except pd.errors.EmptyDataError as exc:
        raise ValueError(f"{name} is empty: it needs a header row and data rows.") from exc
    except pd.errors.ParserError as exc:
        with open(path, newline="", encoding=encoding) as f:
            first = next(csv.reader(f, delimiter=delimiter), [])
        _check_field_counts(path, encoding, delimiter, len(first))
        raise ValueError(f"{name} cannot be read as CSV: {exc}") from exc
    last = frame.iloc[:, -1]
    if last.isna().any() or (last == "").any():  # short rows are padded with empty cells
        _check_field_counts(path, encoding, delimiter, frame.shape[1])
    notes = [f"read {name} as {encoding} text, {_DELIMITERS.get(delimiter, repr(delimiter))}"
             "-separated"]
    if header:
        names = [str(c).strip() for c in frame.iloc[0]]
        frame = frame.iloc[1:].reset_index(drop=True)
        if _looks_like_data(names):
            raise ValueError(
                f"the first row of {name} looks like data, not a header (its fields "
                f"{', '.join(map(printable, names[:4]))}{', ...' if len(names) > 4 else ''} "
                "are numbers): add a header row naming the columns, or read it without one "
                "(header=False: the columns are then col1, col2, ...).")
        notes.append("header: " + ", ".join(map(printable, names)))
    else:
        names = [f"col{i + 1}" for i in range(frame.shape[1])]
        notes.append(f"no header row: the columns are named col1 ... col{len(names)}")
    seen = {}
    for i, n in enumerate(names):
        seen[n] = seen.get(n, 0) + 1
        if seen[n] > 1:
            names[i] = f"{n} ({seen[n]})"
            notes.append(f"the column name {printable(n)!r} appears {seen[n]} times: this one "
                         f"is read as {printable(names[i])!r}")
    frame.columns = names
    if len(frame) == 0:
        raise ValueError(f"{name} has no data rows under its header.")
    return frame, notes


_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}


class Table(NamedTuple):
    """What :func:`load_csv` read: the features, the labels, and how it read them."""

    X: object  # pandas.DataFrame: numeric columns as float64, categorical as strings
    y: np.ndarray  # labels in the file's own type: int, bool or str
    kinds: list
    names: list
    notes: list
    columns: TableColumns  # fitted: reads new rows of this file's columns the same way


def load_csv(path, target, drop=(), *, keep=(), text=(), encoding="utf-8", header=True,
             thousands=None, decimal=None, max_rows=None, random_state=0):
    """Read a CSV file as the user meant it: a :class:`Table` ``(X, y, kinds, names, notes,
    columns)``.

    How the file is read (:func:`read_table`) and what each column is
    (:class:`~skaug.compare.TableColumns`: numbers with their own decimal mark
    and thousands separator, categories, or left out as identifiers, free
    text, copies of another column or of the target) is decided once, with a
    note for each decision. The target's labels keep the file's type
    (integers, booleans, strings); missing-value tokens are labels there
    (``NA`` is a class), and only rows whose target cell is empty are dropped,
    with a note.

    Parameters
    ----------
    path : str or path-like
    target : str
        The label column.
    drop, keep : sequence of str, default=()
        Columns to leave out; columns to use even if they look like
        identifiers, free text or a recoding of the target.
    text : sequence of str, default=()
        Columns of free text, kept as text (kind ``"text"``) for a sentence
        encoder.
    encoding : str, default="utf-8"
        A Python codec name (``"latin-1"``, ``"cp1252"``, ``"utf-16"``, ...).
    header : bool, default=True
        Whether the first row names the columns.
    thousands, decimal : str or None, default=None
        How numbers are written where a column does not say (``1,250``).
    max_rows : int, default=None
        Keep at most this many rows, drawn stratified by the target (for
        large files: time and memory). A note says so.
    random_state : int, default=0
        Seed of the ``max_rows`` draw.

    Returns
    -------
    Table
        ``X`` (DataFrame), ``y``, ``kinds`` and ``names`` of the columns of
        ``X``, ``notes`` for the user, and ``columns`` (the fitted
        :class:`~skaug.compare.TableColumns`, for new rows).
    """
    frame, notes = read_table(path, encoding=encoding, header=header)
    if target not in frame.columns:
        raise ValueError(f"{printable(Path(path).name)} has no column {printable(target)!r}; its "
                         f"columns are: {', '.join(map(printable, frame.columns))}. Pass the "
                         "label column as target='<column>'.")
    copies = [c for c in frame.columns if c.startswith(f"{target} (") and
              (frame[c] == frame[target]).all()]
    if copies:
        notes.append(f"left out {', '.join(map(repr, copies))}: a copy of the target "
                     f"{printable(target)!r}")
    frame = frame.drop(columns=copies)
    labels = frame[target].astype(str).str.strip()
    empty = (labels == "").to_numpy()
    if empty.any():
        notes.append(f"dropped {int(empty.sum())} rows without a {printable(target)!r} value")
        frame, labels = frame[~empty].reset_index(drop=True), labels[~empty].reset_index(drop=True)
    if labels.str.lower().isin(MISSING - {""}).any():
        named = sorted(set(labels[labels.str.lower().isin(MISSING)]))
        notes.append(f"{', '.join(map(repr, named))} in {printable(target)!r} are class "
                     "labels (in the target, not missing values)")
    y = parse_labels(labels)
    if max_rows is not None and len(frame) > max_rows:
        from sklearn.model_selection import train_test_split

        keep_rows, _ = train_test_split(np.arange(len(frame)), train_size=max_rows,
                                        stratify=y, random_state=random_state)
        keep_rows = np.sort(keep_rows)
        notes.append(f"kept {max_rows} of {len(frame)} rows (max_rows), drawn stratified "
                     "by the target")
        frame, y = frame.iloc[keep_rows].reset_index(drop=True), y[keep_rows]
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise ValueError(f"{printable(Path(path).name)} has no feature columns besides "
                         f"{printable(target)!r}.")
    columns = TableColumns(keep=tuple(keep), drop=tuple(drop), thousands=thousands,
                           decimal=decimal, text=tuple(text))
    try:
        columns.fit(features, y)
    except ValueError as exc:
        raise ValueError(f"{printable(Path(path).name)}: {exc}") from exc
    X = columns.transform(features)
    return Table(X, y, list(columns.kinds_), list(columns.columns_), notes + columns.notes_,
                 columns)
