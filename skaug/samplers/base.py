"""The shell of skaug's samplers: imbalanced-learn's contract, and what the samplers share.

imbalanced-learn's ``fit_resample`` validates ``X`` and ``y``, turns
``sampling_strategy`` into ``sampling_strategy_`` and calls the sampler's
``_fit_resample``; :class:`BaseFeatureOverSampler` implements that hook once
for every skaug sampler: the original rows first, then the new ones, made
class by class by the subclass's ``_new_rows``. New rows keep each column's type: a boolean column stays 0/1 (rounded, not cast:
a share of ``True`` near its class's), an integer column stays whole and within
its observed range, and a group of adjacent 0/1 columns that hold exactly one 1
per row (one-hot encoded categories, of any dtype) keeps exactly one 1 (the
largest). A float column that takes few distinct values (at most 255, and at most half as
many as there are rows: whole counts, ratings, standardised integers) is discrete: each new
value moves to the nearest value the column takes, because a value off that grid marks a
row as new to a model that splits on exact values (gradient boosting gives each of up to
255 values its own bin: ``benchmarks/results/sampler_binning.md``). Other float columns are
left as the method makes them. A class of one row, from which
every new row would be made, gets a warning. A subclass implements

- ``_prepare(X, y, rng)`` (optional): fits what the rows are made with (a
  proxy model, a VAE, statistics); sets the fitted attributes a user reads
  on ``self`` (numpy arrays and skaug's estimators only, so skops can save
  the sampler) and returns a :class:`PerFit` record of the working state
  (tensors, index arrays), which stays local to the call;
- ``_new_rows(X, y, c, n, rng, fit)``: ``n`` new float64 rows of class ``c``.
"""

import warnings
from numbers import Real

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions

from .._shell._runtime import draw_seed, torch_generator
from .._shell._validation import user_stacklevel


class PerFit:
    """The working state of one ``fit_resample`` call (attributes set by ``_prepare``)."""

    def __init__(self, **state):
        self.__dict__.update(state)


def _as_callable(strategy):
    """skaug's float ``sampling_strategy`` as imbalanced-learn's callable (None for the others):
    a float > 1 multiplies every class's rows (:class:`_Multiply`), a float in (0, 1] brings
    every class up to that share of the largest (:class:`_UpTo`)."""
    if not isinstance(strategy, (float, int, np.floating)) or isinstance(strategy, bool) \
            or not strategy > 0:  # not a number, or one the parameter check refuses
        return None
    return _Multiply(strategy) if strategy > 1 else _UpTo(strategy)


class _Multiply:
    """``sampling_strategy`` as imbalanced-learn's callable: every class's rows times ``factor``."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, y):
        classes, counts = np.unique(y, return_counts=True)
        return {c: int(round(self.factor * n)) for c, n in zip(classes, counts)}


class _UpTo:
    """``sampling_strategy`` as imbalanced-learn's callable: every class up to ``share`` × the
    largest class's rows (a class already there gets none). For two classes this is
    imbalanced-learn's float (the minority's rows over the majority's after resampling)."""

    def __init__(self, share):
        self.share = share

    def __call__(self, y):
        classes, counts = np.unique(y, return_counts=True)
        target = int(round(self.share * counts.max()))
        return {c: max(int(n), target) for c, n in zip(classes, counts)}


class BaseFeatureOverSampler(BaseOverSampler):
    """imbalanced-learn's over-sampler contract for feature rows; see the module docstring.

    ``sampling_strategy`` is imbalanced-learn's, plus a float > 1 that
    multiplies every class's rows, and a float in (0, 1] for any number of classes:
    every class up to that share of the largest (imbalanced-learn's float for two
    classes, where a minority already above the share gets no new rows rather than
    an error). Both are handed to imbalanced-learn's validation as the equivalent
    callable.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "sampling_strategy": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "minority", "not minority", "not majority", "all"}),
            dict,
            callable,
        ],
    }

    def fit_resample(self, X, y, **params):
        """Resample: ``(X_res, y_res)``, the original rows first, then the new ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (dense).
        y : array-like of shape (n_samples,)

        Returns
        -------
        X_resampled : array-like of shape (n_samples_new, n_features)
        y_resampled : array-like of shape (n_samples_new,)
        """
        strategy = self.sampling_strategy
        as_callable = _as_callable(strategy)
        if as_callable is None:
            return super().fit_resample(X, y, **params)
        self.sampling_strategy = as_callable  # imbalanced-learn's own validation
        try:
            return super().fit_resample(X, y, **params)
        finally:
            self.sampling_strategy = strategy

    def _check_X_y(self, X, y, accept_sparse=None):
        # imbalanced-learn's fit_resample hands the input here first: its column dtypes
        # (a DataFrame's, or the array's) decide which columns are booleans or integers
        dtypes = getattr(X, "dtypes", None)
        self._input_dtypes = list(dtypes) if dtypes is not None else \
            np.asarray(X).dtype if hasattr(X, "__array__") else None
        return super()._check_X_y(X, y, accept_sparse=False)

    def _fit_resample(self, X, y):
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{type(self).__name__} got NaN or infinite values in X: impute "
                             "them first (e.g. SimpleImputer before the sampler).")
        rng = check_random_state(self.random_state)
        # C order: the same rows whatever the input's memory layout (numpy, pandas, ...)
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        self._warn_single_row_classes(y)
        fit = self._prepare(X64, y, rng) or PerFit()
        rows, labels = self._make_rows(X64, y, rng, fit)
        types = ColumnTypes.of(X64, self.__dict__.pop("_input_dtypes", None))
        rows = [types.conform(r) for r in rows]
        new_X = [X] + [r.astype(X.dtype, copy=False) for r in rows]
        y_res = np.concatenate([y] + [np.asarray(lab, dtype=y.dtype) for lab in labels])
        return np.vstack(new_X), y_res

    def _warn_single_row_classes(self, y):
        classes, counts = np.unique(y, return_counts=True)
        alone = [c for c, n in zip(classes, counts) if n == 1 and
                 self.sampling_strategy_.get(c, 0) > 0]
        if alone:
            warnings.warn(
                f"{type(self).__name__}: class {', '.join(str(c) for c in alone)} has a "
                "single row, so every new row of it is made from that one row (a copy, "
                "up to the method's perturbation). Drop the class, collect more rows, or ask "
                "for no new rows of it (a dict sampling_strategy).",
                UserWarning, stacklevel=user_stacklevel())

    def _make_rows(self, X, y, rng, fit):
        """The new rows and their labels, as lists of blocks: ``_new_rows`` class by class."""
        rows, labels = [], []
        for c, n in self.sampling_strategy_.items():
            if n > 0:
                rows.append(self._new_rows(X, y, c, n, rng, fit))
                labels.append(np.full(n, c))
        return rows, labels

    def _prepare(self, X, y, rng):
        """Fit what the rows are made with; return a :class:`PerFit` (or None)."""

    def _new_rows(self, X, y, c, n, rng, fit):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _generator(rng):
        return torch_generator(draw_seed(rng))

    @staticmethod
    def _draw(X, y, c, n, rng):
        """``n`` rows of class ``c`` drawn with replacement, and their indices."""
        idx = rng.choice(np.flatnonzero(y == c), n, replace=True)
        return X[idx], idx

    def _proxy_weight(self, X, y, fit_intercept=True, class_weight=None):
        """``(C, d)`` weight (and ``(C,)`` bias) of a LogisticRegression fitted on ``(X, y)``.

        For two classes the single coefficient row ``w`` becomes ``(−w/2, w/2)``:
        the same softmax as the logistic model.
        """
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(max_iter=2000, fit_intercept=fit_intercept,
                                class_weight=class_weight).fit(X, y)
        W, b = lr.coef_, lr.intercept_
        if W.shape[0] == 1:
            W, b = np.vstack([-W / 2, W / 2]), np.concatenate([-b / 2, b / 2])
        self.proxy_classes_ = lr.classes_
        return torch.as_tensor(W), torch.as_tensor(b)

    def _class_index(self, c):
        return int(np.searchsorted(self.proxy_classes_, c))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


def augmenter_rows(augmenter, X, n, generator):
    """``augmenter`` applied to ``n`` rows of one class (labels are that class)."""
    batch = torch.as_tensor(X)
    Y = torch.ones(len(batch), 1, dtype=batch.dtype)  # one class: every label is the same
    X_aug, _ = augmenter(batch, Y, generator)
    return X_aug.numpy()


#: A float column with at most this many distinct values (and at most half as many as rows)
#: is discrete: new values move to the nearest value it takes (gradient boosting's bins).
DISCRETE_VALUES = 255


class ColumnTypes:
    """Which columns of a table are 0/1, whole numbers, one-hot groups or discrete floats (see
    the module docstring), and :meth:`conform` to make new rows of the same types."""

    def __init__(self, binary, integer, low, high, groups, grids=None):
        self.binary, self.integer, self.low, self.high = binary, integer, low, high
        self.groups, self.grids = groups, grids or {}

    @classmethod
    def of(cls, X, dtypes=None):
        """The types of the columns of ``X`` (float64), given the input's ``dtypes`` (a list
        per column, one dtype, or None)."""
        d = X.shape[1]
        if dtypes is None or not isinstance(dtypes, list):
            dtypes = [np.dtype(dtypes if dtypes is not None else np.float64)] * d
        kinds = [np.dtype(t).kind if isinstance(t, np.dtype) else getattr(t, "kind", "O")
                 for t in dtypes]
        zero_one = np.all((X == 0) | (X == 1), axis=0)
        binary = np.array([k == "b" or k in "iu" and z for k, z in zip(kinds, zero_one)])
        integer = np.array([k in "iu" for k in kinds]) & ~binary
        groups, j, cols = [], 0, np.flatnonzero(zero_one)
        while j < len(cols):  # runs of adjacent 0/1 columns summing to 1 in every row
            k = j
            while k + 1 < len(cols) and cols[k + 1] == cols[k] + 1 and \
                    np.all(X[:, cols[j]:cols[k + 1] + 1].sum(axis=1) <= 1):
                k += 1
            if k > j and np.all(X[:, cols[j]:cols[k] + 1].sum(axis=1) == 1):
                groups.append(np.arange(cols[j], cols[k] + 1))
                j = k + 1
            else:
                j += 1
        free = ~binary & ~integer
        for group in groups:
            free[group] = False
        grids = {}
        for j in np.flatnonzero(free):
            values = np.unique(X[:, j])
            if len(values) <= min(DISCRETE_VALUES, len(X) / 2):
                grids[int(j)] = values
        return cls(binary, integer, X.min(axis=0), X.max(axis=0), groups, grids)

    def conform(self, rows):
        """New float rows with the table's column types."""
        if not (self.binary.any() or self.integer.any() or self.groups or self.grids):
            return rows
        # in float64: a grid value written into the float32 rows of a torch method would be
        # rounded off the grid again
        made, rows = rows, np.array(rows, dtype=np.float64)
        rows[:, self.integer] = np.clip(np.round(rows[:, self.integer]),
                                        self.low[self.integer], self.high[self.integer])
        rows[:, self.binary] = np.clip(np.round(rows[:, self.binary]), 0, 1)
        for group in self.groups:  # the largest of the group, as made, is the one 1
            top = made[:, group].argmax(axis=1)
            rows[:, group] = 0
            rows[np.arange(len(rows)), group[top]] = 1
        for j, values in self.grids.items():
            rows[:, j] = nearest_value(values, made[:, j])
        return rows


def nearest_value(values, x):
    """Each of ``x`` moved to the nearest of the sorted ``values`` (the lower one on a tie)."""
    right = np.clip(np.searchsorted(values, x), 0, len(values) - 1)
    left = np.maximum(right - 1, 0)
    return np.where(np.abs(x - values[left]) <= np.abs(values[right] - x), values[left],
                    values[right])
