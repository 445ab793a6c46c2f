"""skaug.compare._metrics: every metric a comparison can decide on, against its definition."""

import pytest
from sklearn.linear_model import LogisticRegression

from skaug.compare import compare
from skaug.compare._metrics import check_metric, score, scorer
from skaug.datasets import load_builtin


@pytest.fixture(scope="module")
def fitted():
    X, y = load_builtin("qsar_biodeg")
    model = LogisticRegression(max_iter=3000).fit(X[:600], y[:600])
    return model, X[600:], y[600:]


def test_each_metric_is_its_libraries_score_in_percent(fitted):
    from imblearn.metrics import geometric_mean_score
    from sklearn import metrics

    model, X, y = fitted
    pred = model.predict(X)
    assert score("accuracy", model, X, y) == pytest.approx(100 * metrics.accuracy_score(y, pred))
    assert score("balanced_accuracy", model, X, y) == pytest.approx(
        100 * metrics.balanced_accuracy_score(y, pred))
    assert score("f1_macro", model, X, y) == pytest.approx(
        100 * metrics.f1_score(y, pred, average="macro"))
    assert score("geometric_mean", model, X, y) == pytest.approx(
        100 * geometric_mean_score(y, pred))
    # string labels: the precision-recall curve of classes_[1] ("RB"), from its probability
    proba = model.predict_proba(X)[:, list(model.classes_).index("RB")]
    assert model.classes_[1] == "RB"
    assert score("average_precision", model, X, y) == pytest.approx(
        100 * metrics.average_precision_score(y == "RB", proba))
    assert scorer("f1_macro")(model, X, y) == score("f1_macro", model, X, y)


def test_metrics_that_cannot_apply_are_refused():
    with pytest.raises(ValueError, match="metric must be one of"):
        check_metric("f2", [0, 1])
    with pytest.raises(ValueError, match="average_precision' needs two classes"):
        check_metric("average_precision", [0, 1, 2])


@pytest.mark.parametrize("metric", ["f1_macro", "average_precision", "geometric_mean"])
def test_compare_decides_on_the_metric_and_still_reports_accuracy(metric):
    X, y = load_builtin("qsar_biodeg")
    result = compare(X[::3], y[::3], [], cv=2, progress=False, metric=metric)
    assert result.metric == metric
    for r in result:
        assert set(r.fold_scores) == {"accuracy", "balanced_accuracy", metric}
        assert r.scores == r.fold_scores[metric] and all(0 <= s <= 100 for s in r.scores)
    assert "macro F1" in result.verdict().sentence or metric != "f1_macro"
