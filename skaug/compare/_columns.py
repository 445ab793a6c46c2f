"""The columns of a table, read as the user meant them: :class:`TableColumns`.

Fitted on the raw values of a CSV file (strings, or what ``pandas.read_csv``
made of them), it decides once, with a note for every decision, what each
column is — numbers (with its own decimal mark and thousands separator),
categories, or something to leave out (an identifier, free text, a copy or
recoding of the target) — and then reads any table with those columns the
same way: the training file, a new file for ``skaug predict``, or the
DataFrame a user passes to a saved model.
"""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._messages import printable

#: Values that mean "no value" in a feature column (never in the target: a class may be
#: called "NA").
MISSING = {"", "na", "nan", "n/a", "null", "none", "?"}
#: Share of a column's values that must read as numbers for the column to be numeric
#: (the rest become missing values, with a note).
NUMERIC_SHARE = 0.8
_PLAIN = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d*,\d+$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_GROUPED_DOT = re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d+)?$")
#: Thousands separators that cannot be a decimal mark: a space, a no-break space, a
#: narrow no-break space (French, Nordic), an apostrophe (Swiss).
_GROUP_MARKS = (" ", "\u00a0", "\u202f", "'")


def _missing(values):
    return values.str.strip().str.lower().isin(MISSING)


def number_rule(values):
    """How a column writes its numbers: ``(decimal, thousands)``, or ``"ambiguous"`` (values
    like ``1,250`` only: a thousands separator or a decimal comma?), or ``"mixed"`` (both
    a decimal comma and thousands groups). ``values``: stripped non-missing strings."""
    for mark in _GROUP_MARKS:
        marked = values[values.str.contains(mark, regex=False)]
        grouped = rf"^[+-]?\d{{1,3}}({re.escape(mark)}\d{{3}})+([.,]\d+)?$"
        if len(marked) and marked.str.match(grouped).all():
            rest = values.str.replace(mark, "", regex=False)
            comma, dot = rest.str.contains(",", regex=False), rest.str.contains(".", regex=False)
            if comma.any() and dot.any():
                return "mixed"
            return ("," if comma.any() else "."), mark
    commas = values[values.str.contains(",", regex=False)]
    if commas.empty:
        return ".", None
    decimal = commas.str.match(_DECIMAL_COMMA) & ~commas.str.match(r"^[+-]?\d{1,3},\d{3}$")
    decimal |= commas.str.match(r"^[+-]?0,\d+$") | commas.str.match(_GROUPED_DOT) & \
        commas.str.contains(r"\.\d{3},", regex=True)
    grouped = commas.str.match(_GROUPED)
    thousands = grouped & (commas.str.count(",") > 1) | grouped & commas.str.contains(".",
                                                                                      regex=False)
    if decimal.any() and thousands.any():
        return "mixed"
    if decimal.any():
        return ",", "." if commas.str.match(_GROUPED_DOT).any() else None
    if thousands.any():
        return ".", ","
    return "ambiguous" if grouped.all() else (",", None)


def parse_numbers(values, decimal=".", thousands=None):
    """Strings to floats under a rule (see :func:`number_rule`); NaN where a value is not a
    number written that way."""
    import pandas as pd

    text = values.astype(str).str.strip()
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    ok = text.str.match(_PLAIN)
    return pd.to_numeric(text.where(ok), errors="coerce").astype(np.float64)


def parse_labels(values):
    """A target column's labels in the type the file writes them in: integers, booleans
    (``true``/``false``), or strings. Missing-value tokens are labels like any other."""
    text = values.astype(str).str.strip()
    if text.str.match(r"^[+-]?\d+$").all() and len(text):
        as_int = text.astype(np.int64)
        if (as_int.astype(str) == text.str.lstrip("+")).all():  # no leading zeros lost
            return as_int.to_numpy()
    lowered = text.str.lower()
    if lowered.isin(["true", "false"]).all() and len(text):
        return (lowered == "true").to_numpy()
    return text.to_numpy(dtype=object)


def _as_text(values):
    """Any column as stripped strings (a number read by pandas as ``3.0`` is ``3``)."""
    def one(v):
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()

    return values.map(one)


def _one_to_one(a, b):
    """Whether two columns (factorised: integer codes) determine each other: a copy or a
    recoding."""
    pairs = len(np.unique(np.stack([a, b]), axis=1).T)
    return pairs == len(np.unique(a)) == len(np.unique(b))


def _same(a, b):
    """Whether two columns hold the same values row by row (NaN equal to NaN)."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype == object:
        return bool((a == b).all())
    return bool(np.array_equal(a, b, equal_nan=True))


class TableColumns(TransformerMixin, BaseEstimator):
    """The columns of a table as the user meant them: numbers, categories, or left out.

    ``fit`` decides, column by column, on the raw values of a CSV file
    (strings) or a DataFrame; ``transform`` reads any table with those columns
    the same way, by name: numbers parsed with each column's own decimal mark
    and thousands separator (missing values and stray tokens become NaN),
    categories as strings (missing values the category ``"missing"``).
    Columns it leaves out, and columns the table has in excess (the target,
    say), are ignored; a column it needs and does not find is an error.

    Parameters
    ----------
    keep : sequence of str, default=()
        Columns to use even if they look like identifiers, free text or a
        recoding of the target.
    drop : sequence of str, default=()
        Columns to leave out.
    thousands : str or None, default=None
        The thousands separator of every numeric column whose writing is
        ambiguous (``1,250``); None: detected per column, or an error that
        asks for it.
    decimal : str or None, default=None
        The decimal mark of such columns (``","``); None: detected per column.
    text : sequence of str, default=()
        Columns of free text to keep as text (kind ``"text"``; missing values
        become empty strings), e.g. for a sentence encoder.

    Attributes
    ----------
    columns_ : list of str
        The columns ``transform`` returns, in order.
    kinds_ : list of {"numeric", "categorical", "text"}
    rules_ : dict
        ``{column: (decimal, thousands)}`` for the numeric columns.
    notes_ : list of str
        Every decision ``fit`` made that a user should know about.
    feature_names_in_ : ndarray of str
        Every column of the fitted table.

    Examples
    --------
    >>> import pandas as pd
    >>> from skaug.compare import TableColumns
    >>> raw = pd.DataFrame({"id": [str(i) for i in range(60)],
    ...                     "amount": ["1,250", "950", "2,100,000"] * 20,
    ...                     "city": ["Oslo", "NA", "Lima"] * 20})
    >>> cols = TableColumns().fit(raw)
    >>> cols.columns_, cols.kinds_
    (['amount', 'city'], ['numeric', 'categorical'])
    >>> cols.transform(raw).iloc[:3].values.tolist()
    [[1250.0, 'Oslo'], [950.0, 'missing'], [2100000.0, 'Lima']]
    """

    def __init__(self, keep=(), drop=(), thousands=None, decimal=None, text=()):
        self.keep = keep
        self.drop = drop
        self.thousands = thousands
        self.decimal = decimal
        self.text = text

    def _resolve(self, name, rule, values, file_rule):
        """A column's ``(decimal, thousands)``: its own, else the user's, else the file's
        other columns', else a guess from three or more values grouped by three (with a
        note), else an error that asks."""
        if rule not in ("ambiguous", "mixed"):
            return rule, None
        if self.thousands or self.decimal:
            return (self.decimal or ".", self.thousands), None
        if rule == "ambiguous" and file_rule is not None:
            return file_rule, "as the file's other columns"
        commas = values[values.str.contains(",", regex=False)]
        if rule == "ambiguous" and commas.nunique() >= 3:
            return (".", ","), "every comma is followed by three digits"
        shown = printable(name)
        if rule == "mixed":
            raise ValueError(
                f"column {shown!r} mixes decimal commas and thousands separators; write its "
                "numbers one way, or say how: thousands=',' or decimal=','.")
        example = commas.iloc[0]
        raise ValueError(
            f"column {shown!r} has numbers like {example!r}, which read as "
            f"{float(example.replace(',', '')):g} with a thousands separator or "
            f"{float(example.replace(',', '.')):g} with a decimal comma; say which: "
            "thousands=',' or decimal=','.")

    def fit(self, X, y=None):
        """Decide what each column of ``X`` (a DataFrame; ``y`` the target, to catch its
        copies) is."""
        import pandas as pd

        if not hasattr(X, "columns"):
            raise TypeError("TableColumns reads a pandas DataFrame with named columns.")
        names = [str(c) for c in X.columns]
        unknown = [c for c in [*self.keep, *self.drop, *self.text] if c not in names]
        if unknown:
            raise ValueError(f"no column {', '.join(map(repr, map(printable, unknown)))} to "
                             f"keep, drop or read as text; the columns are: "
                             f"{', '.join(map(printable, names))}.")
        self.feature_names_in_ = np.asarray(names, dtype=object)
        n = len(X)
        target = None if y is None else pd.factorize(pd.Series(np.asarray(y)).astype(str))[0]
        # first pass: each column's values and how it writes numbers
        found = {}
        for i, name in enumerate(names):
            if name in self.drop:
                continue
            raw = X.iloc[:, i].reset_index(drop=True)
            if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
                found[name] = (raw, None, raw.astype(np.float64), (".", None))
                continue
            text = _as_text(raw)
            present = text[~_missing(text) & raw.notna()]
            found[name] = (raw, text, present, number_rule(present))
        clear = [r for _, (_, text, _, r) in found.items() if text is not None and
                 r not in ("ambiguous", "mixed") and r != (".", None)]
        file_rule = clear[0] if clear and all(r == clear[0] for r in clear) else None
        notes, columns, kinds, rules, codes = [], [], [], {}, {}
        for name, (raw, text, present, rule) in found.items():
            shown, kept = printable(name), name in self.keep
            if name in self.text:
                columns.append(name)
                kinds.append("text")
                codes[name] = np.asarray([], dtype=object)  # never a copy of another column
                continue
            if len(present) == 0 or text is None and raw.isna().all():
                notes.append(f"left out {shown!r}: no values")
                continue
            code = pd.factorize(raw if text is None else text)[0]
            if target is not None and not kept and _one_to_one(code, target):
                notes.append(f"left out {shown!r}: it determines the target one-to-one (a copy "
                             f"or recoding of the label?); keep=[{shown!r}] to use it")
                continue
            values = raw.to_numpy(np.float64) if text is None else text.to_numpy(dtype=object)
            copy = next((c for c in columns if _same(codes[c], values)), None)
            if copy is not None and not kept:
                notes.append(f"left out {shown!r}: the same values as {printable(copy)!r}")
                continue
            if text is None:
                numbers, share = present, 1.0
            else:
                rule, why = self._resolve(name, rule, present, file_rule)
                numbers = parse_numbers(present, *rule)
                share = numbers.notna().mean()
            if share >= NUMERIC_SHARE:
                infinite = np.isinf(numbers).any() or text is not None and \
                    present.str.lower().str.lstrip("+-").isin(["inf", "infinity"]).any()
                if infinite:
                    raise ValueError(f"column {shown!r} holds infinite values (inf); replace "
                                     "them (e.g. by an empty cell, then imputed) or leave the "
                                     f"column out: drop=[{shown!r}].")
                if text is not None:
                    stray = present[numbers.isna().to_numpy()]
                    if len(stray):
                        notes.append(f"{shown!r}: {len(stray)} values that are not numbers "
                                     f"(e.g. {printable(stray.iloc[0])!r}) read as missing")
                    if rule != (".", None):
                        notes.append(f"{shown!r}: numbers written with decimal mark {rule[0]!r}"
                                     + (f" and thousands separator {rule[1]!r}" if rule[1]
                                        else "") + (f" ({why})" if why else ""))
                whole = numbers.dropna()
                if (not kept and n >= 20 and len(whole) == n and whole.nunique() == n
                        and (whole == whole.round()).all()):
                    notes.append(f"left out {shown!r}: distinct integers in every row (an "
                                 f"identifier?); keep=[{shown!r}] to use it")
                    continue
                rules[name] = rule
                kinds.append("numeric")
            else:
                distinct = present.nunique()
                if distinct > max(50, 0.05 * n) and not kept:
                    notes.append(f"left out {shown!r}: {distinct} distinct text values (an "
                                 f"identifier or free text?); keep=[{shown!r}] to use it")
                    continue
                kinds.append("categorical")
            columns.append(name)
            codes[name] = values
        if not columns:
            raise ValueError("no feature columns are left" + (": " + "; ".join(notes) if notes
                                                                else "."))
        self.columns_, self.kinds_, self.rules_, self.notes_ = columns, kinds, rules, notes
        return self

    def transform(self, X):
        """The fitted columns of ``X`` (by name), read as ``fit`` decided: a DataFrame."""
        import pandas as pd

        check_is_fitted(self, "columns_")
        if not hasattr(X, "columns"):
            raise TypeError("TableColumns reads a pandas DataFrame with named columns, e.g. "
                            "pd.read_csv('new.csv').")
        have = {str(c): c for c in X.columns}
        absent = [c for c in self.columns_ if c not in have]
        if absent:
            raise ValueError(f"the table has no column {', '.join(map(repr, map(printable, absent)))}"
                             f"; the model reads {', '.join(map(printable, self.columns_))}.")
        out = {}
        for name, kind in zip(self.columns_, self.kinds_):
            raw = X[have[name]].reset_index(drop=True)
            if kind == "text":
                out[name] = raw.astype(object).where(raw.notna(), "").astype(str)
            elif kind == "numeric":
                if pd.api.types.is_bool_dtype(raw):
                    out[name] = raw.astype(np.float64)
                elif pd.api.types.is_numeric_dtype(raw):
                    out[name] = raw.astype(np.float64)
                else:
                    text = raw.astype(object).where(raw.notna(), "").astype(str)
                    out[name] = parse_numbers(text.where(~_missing(text), "nan"),
                                              *self.rules_[name])
            else:
                text = _as_text(raw)
                out[name] = text.where(~_missing(text) & raw.notna(), "missing").astype(object)
        return pd.DataFrame(out, index=pd.RangeIndex(len(X)))

    def get_feature_names_out(self, input_features=None):
        check_is_fitted(self, "columns_")
        return np.asarray(self.columns_, dtype=object)
