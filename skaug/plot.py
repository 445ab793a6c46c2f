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


def plot_comparison(comparison, ax=None, title=None):
    """What the verdict tests, drawn: each model's fold scores on the deciding metric.

    One row per model: its score on every outer fold (dots) and their mean ±
    std (a bar), baselines and methods in different colours, on an axis
    zoomed to the scores (so one-point differences show); a dashed line marks
    the best baseline's mean. The title is the verdict.

    Parameters
    ----------
    comparison : skaug.compare.Comparison
        As returned by :func:`skaug.compare.compare`.
    ax : matplotlib Axes, default=None
    title : str, default=None
        A first title line (e.g. the data set); the verdict follows it.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skaug.compare import compare
    >>> from skaug.datasets import load_builtin
    >>> from skaug.plot import plot_comparison
    >>> X, y = load_builtin("qsar_biodeg")
    >>> result = compare(X[::3], y[::3], ["sea"], cv=2, epochs=2, progress=False)
    >>> ax = plot_comparison(result)
    >>> [t.get_text() for t in ax.get_yticklabels()][0]
    'LogisticRegression'
    """
    import textwrap

    import numpy as np

    results = list(comparison)
    if not results:
        raise ValueError("plot_comparison needs at least one result.")
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(7.5, 0.45 * len(results) + 1.8))
    colours = {"baseline": "tab:gray", "method": "tab:blue"}
    ys = np.arange(len(results))
    for y_pos, r in zip(ys, results):
        colour = colours.get(r.role, "tab:blue")
        scores = np.asarray(r.scores)
        ax.barh(y_pos, r.mean(), xerr=r.std(), color=colour, alpha=0.35, capsize=3,
                height=0.6)
        jitter = np.linspace(-0.15, 0.15, len(scores)) if len(scores) > 1 else [0.0]
        ax.scatter(scores, y_pos + np.asarray(jitter), color=colour, s=14, zorder=3)
        ax.text(r.mean(), y_pos - 0.34, f"{r.mean():.1f}", ha="center", va="bottom",
                fontsize=7)
    best = max((r for r in results if r.role == "baseline"), key=lambda r: r.mean(),
               default=None)
    if best is not None:
        ax.axvline(best.mean(), color="black", linestyle="--", linewidth=0.8)
    low = min(float(np.min(r.scores)) for r in results)
    high = max(float(np.max(r.scores)) for r in results)
    pad = max(1.0, 0.1 * (high - low))
    ax.set_xlim(max(0.0, low - pad), min(100.0, high + pad))
    ax.set_yticks(list(ys), [r.label for r in results])
    ax.invert_yaxis()
    metric = comparison.metric.replace("_", " ")
    ax.set_xlabel(f"{metric} % per outer fold (dots), mean ± std (bars); dashed: best baseline")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, alpha=0.5, label=k) for k, c in colours.items()],
              loc="lower right", fontsize=8)
    sentence = "\n".join(textwrap.wrap(comparison.verdict().sentence, 95))
    ax.set_title(f"{title}\n{sentence}" if title else sentence, fontsize=8, loc="left")
    ax.figure.tight_layout()
    return ax
