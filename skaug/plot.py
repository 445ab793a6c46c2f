"""Plots for people: training curves and comparison bar charts (matplotlib, optional).

Install matplotlib with ``pip install "skaug[plot]"``.
"""


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "skaug.plot needs matplotlib: pip install matplotlib (or skaug[plot])."
        ) from exc
    return plt


def _axes(ax):
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(6, 3.5))
    return ax


def plot_training_curves(estimator, ax=None, label=None):
    """Training (and validation) loss per epoch of a fitted skaug classifier.

    Parameters
    ----------
    estimator : fitted skaug classifier, or a Pipeline ending in one
    ax : matplotlib Axes, default=None
        Drawn into a new figure when None.
    label : str, default=None
        Legend prefix (default: the estimator's class name).

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import make_blobs
    >>> from skaug import SeAClassifier
    >>> from skaug.plot import plot_training_curves
    >>> X, y = make_blobs(200, centers=3, random_state=0)
    >>> clf = SeAClassifier(max_epochs=5, early_stopping=True, random_state=0).fit(X, y)
    >>> ax = plot_training_curves(clf)
    >>> [line.get_label() for line in ax.get_lines()]
    ['SeAClassifier train', 'SeAClassifier validation']
    """
    est = estimator[-1] if hasattr(estimator, "steps") else estimator
    if not hasattr(est, "loss_curve_"):
        raise ValueError(f"{type(est).__name__} has no loss_curve_: fit a skaug classifier first.")
    ax = _axes(ax)
    label = label or type(est).__name__
    epochs = range(1, len(est.loss_curve_) + 1)
    ax.plot(epochs, est.loss_curve_, label=f"{label} train")
    if hasattr(est, "validation_loss_curve_"):
        ax.plot(epochs, est.validation_loss_curve_, "--", label=f"{label} validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend()
    return ax


def plot_comparison(rows, ax=None, metric="accuracy", title=None):
    """Bar chart of :func:`skaug.compare.compare` rows, with the std over folds as error bars.

    Parameters
    ----------
    rows : list of dict
        As returned by :func:`skaug.compare.compare`.
    ax : matplotlib Axes, default=None
    metric : {"accuracy", "balanced_accuracy"}, default="accuracy"
    title : str, default=None

    Returns
    -------
    ax : matplotlib Axes
    """
    if metric not in ("accuracy", "balanced_accuracy"):
        raise ValueError(f"metric must be 'accuracy' or 'balanced_accuracy', got {metric!r}.")
    ax = _axes(ax)
    names = [r["model"] for r in rows]
    means = [r[metric] for r in rows]
    stds = [r[f"{metric}_std"] for r in rows]
    ys = range(len(rows))
    ax.barh(ys, means, xerr=stds, capsize=3, color="tab:blue", alpha=0.8)
    ax.set_yticks(list(ys), names)
    ax.invert_yaxis()
    # bars start at 0: a truncated axis would make small differences look large
    ax.set_xlim(0.0, 100.0)
    for y_pos, m in zip(ys, means):
        ax.text(1.0, y_pos, f"{m:.1f}", va="center", ha="left", color="white", fontsize=8)
    ax.set_xlabel(metric.replace("_", " ") + " % (mean ± std over folds)")
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax
