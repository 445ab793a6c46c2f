"""Preprocessing inside each fold: numeric columns imputed and standardised, categorical
ones one-hot encoded; unit-length rows (deep features) left as they are."""

import numpy as np


def unit_rows(X, tol=1e-3):
    """Whether every row of numeric ``X`` has unit L2 norm (deep features after Eq. 1)."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError):
        return False
    norms = np.linalg.norm(X, axis=1)
    return bool(np.all(np.isfinite(norms)) and np.all(np.abs(norms - 1) < tol))


def make_preprocessor(kinds):
    """Numeric columns: median imputation, standardisation; categorical: one-hot."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    numeric = [i for i, k in enumerate(kinds) if k == "numeric"]
    categorical = [i for i, k in enumerate(kinds) if k == "categorical"]
    parts = []
    if numeric:
        parts.append(("numeric", make_pipeline(SimpleImputer(strategy="median"),
                                               StandardScaler()), numeric))
    if categorical:
        parts.append(("categorical", OneHotEncoder(handle_unknown="ignore",
                                                   sparse_output=False), categorical))
    return ColumnTransformer(parts)
