"""What the shell checks and derives from a user's input before a fit.

Features (one ``validate_data`` with messages that say what to do), the scale
warning of the MLP heads, layer-size checks, labels, sample weights times class
weights, and :func:`stratified_hold_out`, the one way skaug holds rows out of
training (early stopping, SAflex's validation set, Meta-IADA's meta set,
``SAflexSampler``).
"""

import warnings
from numbers import Integral

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.validation import check_array, validate_data

#: Column means or standard deviations beyond this make an MLP head warn.
UNSCALED_FEATURES = 1e3


def validate_features(estimator, X, **kwargs):
    """``validate_data`` for float32 features, with a hint for non-numeric or sparse input."""
    try:
        return validate_data(estimator, X, dtype=np.float32, **kwargs)
    except TypeError as exc:
        if "sparse" not in str(exc).lower():
            raise
        raise TypeError(
            f"{type(estimator).__name__} needs a dense array, but X is a sparse matrix. "
            "Densify it (X.toarray()) if it fits in memory, or make the step before it "
            "dense, e.g. OneHotEncoder(sparse_output=False) in a ColumnTransformer."
        ) from exc
    except ValueError as exc:
        msg = str(exc)
        if "convert" in msg and ("string" in msg or "float" in msg):
            raise ValueError(
                f"{type(estimator).__name__} needs numeric features, but X holds "
                f"non-numeric values ({msg}). Encode categorical or text columns first, "
                "e.g. with sklearn.preprocessing.OneHotEncoder in a ColumnTransformer, "
                "or skaug.DeepFeatureExtractor for texts and images."
            ) from exc
        raise


def user_stacklevel():
    """``stacklevel`` for ``warnings.warn`` called by the caller of this function: the
    first frame outside skaug, scikit-learn, imbalanced-learn, skorch and joblib (the
    user's call, also through a pipeline or a search), found by file as Python's
    ``skip_file_prefixes`` does."""
    import os
    import sys

    prefixes = []
    for name in ("skaug", "sklearn", "imblearn", "skorch", "joblib"):
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            prefixes.append(os.path.dirname(module.__file__) + os.sep)
    prefixes = tuple(prefixes)
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level


def warn_unscaled(estimator, X):
    """Warn when the columns of ``X`` are far from standardised (the heads' Adam steps and
    initialisation assume features of order 1)."""
    mean, std = X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)
    scale = np.max(np.maximum(np.abs(mean), std), initial=0.0)
    if scale > UNSCALED_FEATURES:
        warnings.warn(
            f"{type(estimator).__name__}: the features are far from standardised (a column's "
            f"mean or standard deviation reaches {scale:.3g}); its head trains poorly on them. "
            "Put sklearn.preprocessing.StandardScaler before it, e.g. "
            f"make_pipeline(StandardScaler(), {type(estimator).__name__}()).",
            UserWarning,
            stacklevel=user_stacklevel(),
        )


def check_layer_sizes(estimator, name):
    """Refuse a ``hidden_layer_sizes``-like parameter that is not a tuple of positive integers."""
    sizes = getattr(estimator, name)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be a tuple of "
            f"positive integers (the widths of the hidden layers), got {sizes!r}."
        )


def class_weights(class_weight, classes, y):
    """Weight of each class of ``classes`` under ``class_weight`` ("balanced" or a dict;
    1 for classes it does not name), from the encoded labels ``y``."""
    n_classes = len(classes)
    if class_weight == "balanced":
        present = np.unique(y)
        weights = np.ones(n_classes)
        weights[present] = compute_class_weight("balanced", classes=present, y=y)
        return weights
    unknown = set(class_weight) - set(classes.tolist())
    if unknown:
        raise ValueError(
            f"class_weight names {sorted(unknown, key=str)}, which are not classes of y "
            f"({list(classes)})."
        )
    return np.array([float(class_weight.get(c, 1.0)) for c in classes])


def check_sample_weight(sample_weight, n_samples):
    """Finite, non-negative float64 weights, one per row (a number: the same for every
    row), or a clear error."""
    sample_weight = np.asarray(sample_weight)
    if sample_weight.ndim == 0:
        sample_weight = np.full(n_samples, sample_weight, dtype=np.float64)
    sample_weight = check_array(sample_weight, ensure_2d=False, dtype=np.float64,
                                input_name="sample_weight")
    if sample_weight.shape != (n_samples,):
        raise ValueError(f"sample_weight must have one value per row of X: shape "
                         f"({n_samples},), got {sample_weight.shape}.")
    if np.any(sample_weight < 0):
        raise ValueError("Negative values in data passed to sample_weight.")
    if not np.any(sample_weight):
        raise ValueError("sample_weight must contain at least one non-zero number.")
    return sample_weight


def effective_weights(sample_weight, row_class_weight):
    """Sample weights times class weights, rescaled to mean 1 (float32), or None.

    Only their ratios matter, so the effective learning rate stays as it is;
    equal weights are no weights. In float64, and scaled by the largest
    weight first: weights near float32's maximum (1e38) neither overflow in
    the product and mean nor vanish after.
    """
    if row_class_weight is not None:
        with np.errstate(over="ignore"):  # an overflow is refused just below
            sample_weight = (row_class_weight if sample_weight is None
                             else sample_weight * row_class_weight)
    if sample_weight is None:
        return None
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError("sample_weight times class_weight overflows: scale the weights "
                         "down (only their ratios matter).")
    largest = sample_weight.max()
    total = (sample_weight / largest).mean() if largest > 0 else 0.0
    if not total > 0:
        raise ValueError("sample_weight (times class_weight) must not be all zero.")
    sample_weight = (sample_weight / largest / total).astype(np.float32)
    if np.all(sample_weight == sample_weight[0]):
        return None  # equal weights are no weights
    return sample_weight


def stratified_hold_out(y, seed, *, fraction=None, per_class=None, who="", remedy=""):
    """Row indices ``(kept, held_out)``: the one way skaug holds rows out of training.

    ``fraction``: a share of the rows, stratified by class, at least one per
    class: ``max(ceil(fraction · n), n_classes)`` rows (scikit-learn's
    ``train_test_split``, seeded with ``seed``). ``per_class``: a
    class-balanced set, ``min(per_class, n_c // 2)`` rows of each class
    (Meta-IADA's meta set). Both index arrays are sorted ascending for
    ``per_class``, in the split's order for ``fraction``.

    An impossible split raises a ``ValueError`` that names ``who`` holds the
    rows out and ends with ``remedy``.
    """
    y = np.asarray(y)
    if per_class is not None:
        rng = np.random.RandomState(seed)
        held = []
        for c in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == c))
            held.extend(rows[: min(per_class, len(rows) // 2)])
        if not held:
            raise ValueError(
                f"{who} holds out a class-balanced set of up to {per_class} rows per class "
                f"(at most half of each class), but no class has 2 rows. {remedy}"
            )
        held = np.sort(np.asarray(held))
        return np.setdiff1d(np.arange(len(y)), held), held
    n_held = max(int(np.ceil(fraction * len(y))), len(np.unique(y)))
    try:
        return train_test_split(np.arange(len(y)), test_size=n_held, stratify=y,
                                random_state=seed)
    except ValueError as exc:
        raise ValueError(
            f"{who} holds out validation_fraction={fraction} of the training data, stratified "
            f"by class, and that split is impossible here ({exc}). {remedy}"
        ) from exc


def take_rows(rows, *arrays):
    """``arrays`` indexed by ``rows``, an absent one (None, e.g. no sample weights) kept None."""
    return [None if a is None else a[rows] for a in arrays]
