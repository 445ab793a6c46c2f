"""The metrics a comparison can decide on: one table, for the tuning and for the test rows.

Every score is in %. ``accuracy``, ``balanced_accuracy`` and ``f1_macro`` (the
unweighted mean of the classes' F1) are scikit-learn's; ``geometric_mean`` is
imbalanced-learn's ``geometric_mean_score`` (the geometric mean of the classes'
recalls: zero when a class is never found); ``average_precision`` is
scikit-learn's, on the probability of the second class (``classes_[1]``), for two
classes only.
"""

import numpy as np

#: metric -> what it is, in words (messages, the verdict)
NAMES = {
    "accuracy": "accuracy",
    "balanced_accuracy": "balanced accuracy",
    "f1_macro": "macro F1",
    "average_precision": "average precision",
    "geometric_mean": "geometric mean of the class recalls",
}
#: metrics every comparison reports, whatever decides
REPORTED = ("accuracy", "balanced_accuracy")


def check_metric(metric, y):
    """Refuse a metric that is unknown, or that these labels cannot have."""
    if metric not in NAMES:
        raise ValueError(f"metric must be one of {', '.join(NAMES)}; got {metric!r}.")
    if metric == "average_precision" and len(np.unique(y)) != 2:
        raise ValueError("metric='average_precision' needs two classes (the precision-recall "
                         f"curve of one of them); these labels have {len(np.unique(y))}.")
    if metric == "geometric_mean":
        import importlib.util

        if importlib.util.find_spec("imblearn") is None:
            raise ImportError("metric='geometric_mean' is imbalanced-learn's "
                              "geometric_mean_score: pip install 'skaug[samplers]'.")


def _positive_scores(estimator, X):
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    return estimator.decision_function(X)


def score(metric, estimator, X, y, pred=None):
    """``metric`` of a fitted ``estimator`` on ``(X, y)``, in %; ``pred``: its predictions, if
    already made."""
    from sklearn import metrics

    if metric == "average_precision":
        positive = estimator.classes_[1]
        return 100 * metrics.average_precision_score(y == positive,
                                                     _positive_scores(estimator, X))
    pred = estimator.predict(X) if pred is None else pred
    if metric == "accuracy":
        return 100 * metrics.accuracy_score(y, pred)
    if metric == "balanced_accuracy":
        return 100 * metrics.balanced_accuracy_score(y, pred)
    if metric == "f1_macro":
        return 100 * metrics.f1_score(y, pred, average="macro")
    from imblearn.metrics import geometric_mean_score

    return 100 * geometric_mean_score(y, pred)


def scorer(metric):
    """A scikit-learn scorer of ``metric`` (for the inner cross-validation)."""
    def scored(estimator, X, y):
        return score(metric, estimator, X, np.asarray(y))

    scored.__name__ = f"skaug_{metric}"
    return scored
