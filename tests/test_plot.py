"""skaug.plot: training curves, and the comparison drawn as the verdict tests it."""

import pytest

from skaug.compare import Comparison, ModelResult


def _result(name, label, role, scores):
    return ModelResult(name=name, label=label, role=role, metric="accuracy",
                       fold_scores={"accuracy": tuple(scores),
                                    "balanced_accuracy": tuple(scores)},
                       fit_seconds=1.0, tuned="", warnings=(), n_train=100.0, n_test=50.0)


@pytest.fixture
def pyplot():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_the_comparison_plot_shows_one_point_differences_and_the_verdict(pyplot):
    from skaug.plot import plot_comparison

    comparison = Comparison((_result("lr", "LogisticRegression", "baseline", [91.0, 92.0, 91.5]),
                             _result("sea", "SeA", "method", [92.0, 93.0, 92.5])), "accuracy")
    ax = plot_comparison(comparison, title="my data")
    low, high = ax.get_xlim()
    assert 89 <= low < 91 and 93 < high <= 95  # zoomed: one point is a visible distance
    assert [t.get_text() for t in ax.get_yticklabels()] == ["LogisticRegression", "SeA"]
    title = ax.get_title(loc="left")
    assert title.startswith("my data\n") and "SeA" in title and "LogisticRegression" in title
    # every fold's score is a dot; baselines and methods differ in colour
    from matplotlib.collections import PathCollection

    dots = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert sorted(len(c.get_offsets()) for c in dots) == [3, 3]
    assert {tuple(c.get_facecolor()[0]) for c in dots} and len(
        {tuple(c.get_facecolor()[0]) for c in dots}) == 2
    assert "accuracy % per outer fold" in ax.get_xlabel()


def test_training_curves_need_a_fitted_skaug_classifier(pyplot):
    from sklearn.linear_model import LogisticRegression

    from skaug.plot import plot_training_curves

    with pytest.raises(ValueError, match="no loss_curve_"):
        plot_training_curves(LogisticRegression())
