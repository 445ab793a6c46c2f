"""skaug.compare._budget and the tuning sample: a run that fits a time budget, said aloud."""

import numpy as np
import pytest

from skaug.compare import Model, compare
from skaug.compare._budget import Plan, choose, fold_seconds, plans, task_seconds
from skaug.compare._protocol import fit_tuned, tuned_search, tuning_sample
from tests.compare.test_protocol import Recorder, _ids, _recorders


def test_the_tuning_sample_is_stratified_and_keeps_small_classes():
    y = np.array([0] * 8977 + [1] * 985 + [2] * 30 + [3] * 8)
    rows = tuning_sample(y, 2000, seed=0)
    counts = np.bincount(y[rows])
    assert counts[3] == 8 and counts[2] == 10  # at least 10 of a class (all of a smaller one)
    assert counts[0] == 1795 and counts[1] == 197  # the others in proportion
    assert len(np.unique(rows)) == len(rows) and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(tuning_sample(y, 2000, seed=0), rows)  # seeded
    np.testing.assert_array_equal(tuning_sample(y[:500], 2000, seed=0), np.arange(500))
    np.testing.assert_array_equal(tuning_sample(y, None, seed=0), np.arange(len(y)))


def test_fit_tuned_searches_the_sample_and_refits_on_every_row():
    Recorder.seen.clear()
    y = np.array([0, 1] * 300)
    X = _ids(600)
    search = tuned_search(_recorders()["rec"], "passthrough", X, y, inner_cv=2,
                          metric="accuracy", class_weight=None, epochs=1, seed=0)
    fitted, chosen = fit_tuned(search, X, y, tune_rows=100, seed=0)
    sizes = [len(rows) for rows, _, _ in Recorder.seen]
    assert sizes[:-1] == [50] * 6 and sizes[-1] == 600  # 3 settings × 2 inner folds, refit
    assert chosen == search.best_params_ and fitted.named_steps["model"].c == chosen["model__c"]
    Recorder.seen.clear()
    fit_tuned(search, X, y, tune_rows=100, seed=0, refit_rows=200)
    assert len(Recorder.seen[-1][0]) == 200  # a budget's plan may refit on a sample too


def test_plans_give_up_a_little_more_each_step():
    default = Plan(2000, None, 50)
    steps = plans(default)
    assert steps[0] == default and steps[-1] == Plan(500, 2000, 10)
    assert [p.tune_rows for p in steps[:3]] == [2000, 1000, 500]
    for a, b in zip(steps, steps[1:]):  # each step reduces exactly one thing
        assert sum([a.tune_rows != b.tune_rows, a.refit_rows != b.refit_rows,
                    a.epochs != b.epochs]) == 1
    assert Plan(500, 2000, 10).describe(20000, default) == (
        "tuning on 500 of the 20,000 training rows per fold (default 2,000); refitting on "
        "2,000 of them (a stratified sample) instead of all; at most 10 epochs (default 50)")


def test_the_cost_model_and_the_choice_of_a_plan():
    model = Model("m", "method", None, {"a": [1, 2, 3]})
    # 3 candidates × 2 inner folds × 1000 rows × 1/2 + 4000 refit rows, at 1 ms a row
    assert task_seconds(model, 1e-3, Plan(1000, None, 50), 4000, 2, False) == pytest.approx(7.0)
    assert task_seconds(model, 1e-3, Plan(1000, None, 50), 4000, 2, True) == pytest.approx(10.0)
    selection = {"a": model, "b": model, "c": model}
    cost = {"a": 1e-3, "b": 1e-3, "c": 2e-3}
    # two workers, the longest task first: [14] and [7, 7]
    assert fold_seconds(selection, cost, Plan(1000, None, 50), 4000, 2, False, 2) == \
        pytest.approx(14.0)
    default = Plan(2000, None, 50)
    plan, estimate = choose(selection, cost, default, seconds=100, n_train=4000, inner_cv=2,
                            weighted=False, workers=2, folds=3)
    assert plan == default and estimate <= 0.85 * 100
    plan, estimate = choose(selection, cost, default, seconds=60, n_train=4000, inner_cv=2,
                            weighted=False, workers=2, folds=3)
    assert plan == Plan(1000, None, 50) and estimate == pytest.approx(3 * 14.0)
    assert choose(selection, cost, default, seconds=1, n_train=4000, inner_cv=2,
                  weighted=False, workers=2, folds=3) == (None, None)


def test_a_budgeted_run_says_what_it_gave_up():
    from skaug.datasets import load_builtin

    X, y = load_builtin("qsar_biodeg")
    said = []
    result = compare(X, y, ["sea"], cv=2, epochs=3, progress=False, time_budget=3.0,
                     tune_rows=600, on_note=said.append)
    assert said == list(result.notes)
    assert said[0].startswith("time budget: ") and "estimated" in said[0]
    assert said[-1].startswith("time budget: ") and said[-1].endswith("s of 3 s used")
    assert len(result["sea"].scores) == 2  # two folds at least, for a verdict
