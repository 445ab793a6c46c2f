"""skaug.compare._protocol: nested cross-validation, every model tuned alike, the refit."""

import numpy as np
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin

import skaug.compare._protocol as protocol
from skaug.compare import (
    Model,
    check_target,
    choose_metric,
    compare,
    load_csv,
    make_preprocessor,
    refit_best,
    select_models,
    tuned_search,
    worst_group_accuracy,
)
from skaug.datasets import load_builtin


class Recorder(ClassifierMixin, BaseEstimator):
    """Records the rows of every fit (their ids, in column 0) and predicts one class."""

    seen = []

    def __init__(self, c=0, class_weight=None):
        self.c = c
        self.class_weight = class_weight

    def fit(self, X, y):
        Recorder.seen.append((set(np.round(X[:, 0] * 1e6).astype(int)), self.c,
                              self.class_weight))
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[self.c % len(self.classes_)])


def _recorders():
    return {"rec": Model("recorder", "baseline", lambda rs, ep: Recorder(), {"c": [0, 1, 2]}),
            "rec2": Model("recorder 2", "method", lambda rs, ep: Recorder(), {"c": [0, 1, 2]})}


def _ids(n, seed=0):
    rng = np.random.RandomState(seed)
    return np.column_stack([np.arange(n) / 1e6, rng.randn(n)])


def test_targets_cross_validation_cannot_use_are_refused():
    with pytest.raises(ValueError, match="only one class"):
        check_target(np.array(["a"] * 10), 3)
    # the advice is a setting that passes: 2 folds of 2 rows leave 1 row, too few to tune
    with pytest.raises(ValueError, match="'b' has 2 rows: fewer than the 3 folds.*drop the class"):
        check_target(np.array(["a"] * 10 + ["b"] * 2), 3)
    with pytest.raises(ValueError, match="'b' has 3 rows: fewer than the 4 folds.*use cv=3"):
        check_target(np.array(["a"] * 10 + ["b"] * 3), 4)
    check_target(np.array(["a"] * 10 + ["b"] * 3), 3)
    with pytest.raises(ValueError, match="'b' has 1 rows.*drop the class or add rows"):
        check_target(np.array(["a"] * 10 + ["b"]), 2)  # no "cv=2" when it is already 2
    with pytest.raises(ValueError, match="keeps 2 of them, fewer than the 3 inner folds.*"
                                         "use cv=3 and inner_cv=2"):
        check_target(np.array(["a"] * 10 + ["b"] * 3), 3, inner_cv=3)
    # rows held out inside the inner training folds: early stopping, SAflex's validation rows
    with pytest.raises(ValueError, match="keeps 1 of them, too few to hold rows out for early "
                                         "stopping.*early_stopping=False"):
        check_target(np.array(["a"] * 50 + ["b"] * 3), 3, early_stopping=True)
    with pytest.raises(ValueError, match="early stopping and a model's validation rows "
                                         r"\(stratified: 3 needed\)"):
        check_target(np.array(["a"] * 50 + ["b"] * 8), 3, early_stopping=True, holdouts=1)
    check_target(np.array(["a"] * 50 + ["b"] * 9), 3, early_stopping=True, holdouts=1)
    check_target(np.array(["a"] * 10 + ["b"] * 4), 3, inner_cv=2)  # 4 - ceil(4/3) = 2: enough


def test_nothing_is_chosen_on_test_rows():
    """No fit of any model, inner or outer, ever sees an outer test row."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    Recorder.seen.clear()
    y = np.array([0, 1] * 30)
    X = _ids(60)
    compare(X, y, ["rec", "rec2"], cv=3, repeats=2, preprocessor="passthrough", progress=False,
            baselines=(), extra_models=_recorders())
    folds = list(RepeatedStratifiedKFold(n_splits=3, n_repeats=2, random_state=0).split(X, y))
    trains = [set(tr) for tr, _ in folds]
    tests = [set(te) for _, te in folds]
    # 2 models × 6 folds × (3 settings × 2 inner folds + 1 refit)
    assert len(Recorder.seen) == 2 * 6 * (3 * 2 + 1)
    for rows, _, _ in Recorder.seen:
        # each fit lies inside an outer training fold, and touches none of its test rows
        assert any(rows <= tr and not rows & te for tr, te in zip(trains, tests))
    refits = [rows for rows, _, _ in Recorder.seen if rows in trains]
    assert len(refits) == 2 * 6  # the refit of each model on each whole training fold


def test_every_model_tunes_its_grid_and_class_weight_on_unbalanced_classes():
    """The inner CV tries every grid value with class_weight None and "balanced" alike,
    unless the metric is accuracy (then class_weight stays None)."""
    y = np.array([0] * 40 + [1] * 20)
    for metric, weights in (("balanced_accuracy", (None, "balanced")), ("f1_macro", (None, "balanced")),
                            ("accuracy", (None,))):
        Recorder.seen.clear()
        result = compare(_ids(60), y, ["rec"], cv=2, preprocessor="passthrough", progress=False,
                         baselines=(), extra_models=_recorders(), metric=metric)
        tried = {(c, cw) for _, c, cw in Recorder.seen}
        assert tried == {(c, cw) for c in (0, 1, 2) for cw in weights}, metric
        assert result.metric == metric
    search = tuned_search(_recorders()["rec"], "passthrough", _ids(60), y, inner_cv=2,
                          metric="balanced_accuracy", class_weight=None, epochs=1, seed=0)
    assert search.param_grid == {"model__c": [0, 1, 2], "model__class_weight": [None, "balanced"]}
    under_accuracy = tuned_search(_recorders()["rec"], "passthrough", _ids(60), y, inner_cv=2,
                                  metric="accuracy", class_weight=None, epochs=1, seed=0)
    assert under_accuracy.param_grid == {"model__c": [0, 1, 2]}
    assert under_accuracy.estimator.named_steps["model"].class_weight is None
    # balanced classes: "balanced" is the same model as None, so it is not tried twice
    even = tuned_search(_recorders()["rec"], "passthrough", _ids(60), np.array([0, 1] * 30),
                        inner_cv=2, metric="balanced_accuracy", class_weight=None, epochs=1,
                        seed=0)
    assert even.param_grid == {"model__c": [0, 1, 2]}
    # asked for: fixed for every model, not tuned
    fixed = tuned_search(_recorders()["rec"], "passthrough", _ids(60), y, inner_cv=2,
                         metric="accuracy", class_weight="balanced", epochs=1, seed=0)
    assert fixed.param_grid == {"model__c": [0, 1, 2]}
    assert fixed.estimator.named_steps["model"].class_weight == "balanced"
    assert fixed.scoring == "accuracy" and fixed.cv.n_splits == 2


def test_torch_heads_get_the_runs_early_stopping_and_sklearn_models_keep_theirs():
    X, y = load_builtin("qsar_biodeg")
    for early_stopping in (True, False):
        search = tuned_search(select_models(["sea"])["sea"], "passthrough", X, y, inner_cv=2,
                              metric="accuracy", class_weight=None, epochs=4, seed=0,
                              early_stopping=early_stopping)
        params = search.estimator.named_steps["model"].get_params()
        assert params["early_stopping"] is early_stopping and params["max_epochs"] == 4
        assert params["n_iter_no_change"] == 5
    hgb = tuned_search(select_models([])["hgb"], "passthrough", X, y, inner_cv=2,
                       metric="accuracy", class_weight=None, epochs=4, seed=0)
    assert hgb.estimator.named_steps["model"].get_params()["early_stopping"] == "auto"


def test_compare_tunes_every_model_and_reports_the_choices():
    from skaug.cli._output import format_table

    X, y = load_builtin("qsar_biodeg")
    result = compare(X[:400], y[:400], ["sea"], cv=2, epochs=2, progress=False)
    assert result.names == ["lr", "hgb", "linear", "sea"] and result.metric == "accuracy"
    for r in result:
        assert 0 <= r.accuracy <= 100 and 0 <= r.balanced_accuracy <= 100
        assert r.fit_seconds > 0 and len(r.scores) == 2 and "×" in r.tuned
        assert r.accuracy_std == pytest.approx(np.std(r.fold_scores["accuracy"]))
        assert "class_weight=" not in r.tuned  # under accuracy it stays None
        assert r.n_train + r.n_test == 400
    assert "eta=" in result["sea"].tuned and "C=" in result["lr"].tuned
    assert result["lr"].accuracy > 80  # LogisticRegression on standardised QSAR descriptors
    assert result.best("baseline").role == "baseline"
    frame = result.to_frame()
    assert list(frame.index) == result.names and frame.loc["sea", "role"] == "method"
    text = format_table(result)
    assert "LogisticRegression" in text and "±" in text and len(text.splitlines()) == 5


def test_the_deciding_metric_is_chosen_coherently():
    assert choose_metric([0] * 81 + [1] * 19)[0] == "balanced_accuracy"
    assert choose_metric([0] * 80 + [1] * 20)[0] == "accuracy"
    metric, why = choose_metric([0] * 60 + [1] * 40, class_weight="balanced")
    assert metric == "balanced_accuracy" and "class_weight='balanced'" in why
    assert choose_metric([0] * 60 + [1] * 40, names=["smote+lr"])[0] == "balanced_accuracy"
    X, y = load_builtin("qsar_biodeg")
    X, y = X[::5], y[::5]  # both classes, 34 % RB
    result = compare(X, y, [], cv=2, progress=False, class_weight="balanced")
    assert result.metric == "balanced_accuracy"
    assert result["lr"].scores == result["lr"].fold_scores["balanced_accuracy"]
    with pytest.raises(ValueError, match="metric must be"):
        compare(X, y, [], cv=2, progress=False, metric="f2")


def test_compare_takes_a_dataframe_by_rows():
    pd = pytest.importorskip("pandas")
    X, y = load_builtin("qsar_biodeg")
    rows = np.random.RandomState(0).choice(len(y), 200, replace=False)
    X, y = X[rows], y[rows]
    frame = pd.DataFrame(X, columns=[f"d{i}" for i in range(X.shape[1])])
    a = compare(X, y, [], cv=2, progress=False)
    b = compare(frame, y, [], cv=2, progress=False)
    assert [r.scores for r in a] == [r.scores for r in b]


def test_compare_is_reproducible():
    X, y = load_builtin("qsar_biodeg")
    a = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False)
    b = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False, n_jobs=2)
    assert [r.scores for r in a] == [r.scores for r in b]
    c = compare(X[:300], y[:300], ["cutmix"], cv=2, epochs=2, progress=False, random_state=1)
    assert [r.scores for r in a] != [r.scores for r in c]


def test_worst_group_accuracy_and_groups_never_used_for_fitting():
    y_true = np.array([0, 0, 1, 1, 1, 1])
    y_pred = np.array([0, 1, 1, 1, 1, 0])
    groups = np.array(["a", "a", "b", "b", "c", "c"])
    assert worst_group_accuracy(y_true, y_pred, groups) == 50.0
    X, y = load_builtin("qsar_biodeg")
    g = np.arange(len(y)) % 3
    with_groups = compare(X, y, [], cv=2, progress=False, baselines=("lr",), groups=g)
    without = compare(X, y, [], cv=2, progress=False, baselines=("lr",))
    assert with_groups[0].scores == without[0].scores
    assert without[0].worst_group_accuracy is None
    assert 0 <= with_groups[0].worst_group_accuracy <= with_groups[0].accuracy


def test_extra_models_run_under_the_same_protocol():
    from sklearn.dummy import DummyClassifier

    extra = {"dummy": Model("most frequent", "baseline",
                            lambda rs, ep: DummyClassifier(),
                            {"strategy": ["most_frequent", "prior", "uniform"]})}
    X, y = load_builtin("qsar_biodeg")
    result = compare(X, y, ["dummy"], cv=2, progress=False, baselines=("lr",),
                     extra_models=extra)
    assert result.names == ["lr", "dummy"]
    assert "strategy=" in result["dummy"].tuned


def test_a_fixed_model_is_fitted_once_as_it_is_made():
    Recorder.seen.clear()
    fixed = {"fixed": Model("fixed", "method", lambda rs, ep: Recorder(c=1), tune=False)}
    result = compare(_ids(40), np.array([0] * 30 + [1] * 10), ["fixed"], cv=2,
                     preprocessor="passthrough", progress=False, baselines=(),
                     extra_models=fixed)
    assert [(c, cw) for _, c, cw in Recorder.seen] == [(1, None), (1, None)]  # one fit a fold
    assert result["fixed"].tuned == ""


def test_compare_runs_sampler_pipelines_beside_the_baselines():
    pytest.importorskip("imblearn")
    X, y = load_builtin("qsar_biodeg")
    rows = np.random.RandomState(0).permutation(len(y))[:300]
    result = compare(X[rows], y[rows], ["smote+lr", "mixup-sampler+lr"], cv=2, progress=False)
    assert [r.role for r in result] == ["baseline", "baseline", "baseline", "method"]
    assert result[3].label == "MixupSampler → LogisticRegression"
    assert "model__C=" in result[3].tuned
    assert result.metric == "balanced_accuracy"  # samplers re-balance the classes


def test_compare_function_lets_keyboard_interrupt_through(table, monkeypatch):
    X, y, *_ = load_csv(table, "label")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(protocol, "fit_and_score", interrupted)
    with pytest.raises(KeyboardInterrupt):
        compare(X, y, ["sea"], preprocessor=make_preprocessor(["numeric"] * 2 + ["categorical"]),
                cv=2, progress=False)


def test_refit_best_tunes_on_all_rows_like_a_fold(table):
    X, y, kinds, *_ = load_csv(table, "label")
    pipe = refit_best("lr", X, y, preprocessor=make_preprocessor(kinds))
    search = tuned_search(select_models([])["lr"], make_preprocessor(kinds), X, y,
                          inner_cv=2, metric="accuracy", class_weight=None, epochs=50,
                          seed=0).fit(X, y)
    assert pipe.named_steps["model"].C == search.best_params_["model__C"]


def test_time_left_weighs_each_model_by_its_own_task_times():
    from skaug.compare import FoldResult
    from skaug.compare._schedule import time_left

    tasks = [(name, f) for f in range(3) for name in ("fast", "slow")]

    def fold(name, f, seconds):
        return FoldResult(name, f, {}, seconds, {})

    assert time_left(tasks, {}, 2) is None
    done = {"fast": [fold("fast", 0, 1.0)], "slow": [fold("slow", 0, 9.0)]}
    assert time_left(tasks, done, 2) == pytest.approx((2 * 1.0 + 2 * 9.0) / 2)
    done = {"fast": [fold("fast", 0, 1.0), fold("fast", 1, 3.0)]}  # slow not seen yet: mean
    assert time_left(tasks, done, 1) == pytest.approx(2.0 + 3 * 2.0)
