"""skaug.compare._stats: the corrected resampled t-test and the verdict."""

import numpy as np
import pytest

from skaug.compare import ModelResult, corrected_ttest, paired_ttest, verdict


def _result(name, label, role, scores, n_train=800.0, n_test=200.0):
    return ModelResult(name=name, label=label, role=role, metric="balanced_accuracy",
                       fold_scores={"balanced_accuracy": tuple(scores),
                                    "accuracy": tuple(scores)},
                       fit_seconds=0.0, tuned="", warnings=(), n_train=n_train,
                       n_test=n_test)


def _results(base, method):
    return [_result("lr", "LogisticRegression", "baseline", base),
            _result("hgb", "HistGradientBoosting", "baseline", [s - 5 for s in base]),
            _result("sea", "SeA", "method", method)]


def test_corrected_resampled_t_test_by_hand():
    from scipy import stats

    mean, std, p = corrected_ttest([1.0, 2.0, 3.0], n_train=200, n_test=100)
    t = 2.0 / np.sqrt((1 / 3 + 100 / 200) * 1.0)
    assert (mean, std) == (2.0, 1.0) and p == pytest.approx(2 * stats.t.sf(t, 2))
    # the correction makes the test more careful than the naive paired t-test
    naive = stats.ttest_1samp([1.0, 2.0, 3.0], 0).pvalue
    assert p > naive
    assert corrected_ttest([0.0, 0.0], 10, 5) == (0.0, 0.0, 1.0)
    assert corrected_ttest([1.0, 1.0], 10, 5) == (1.0, 0.0, 0.0)  # no spread: certain


def test_paired_ttest_pairs_the_folds_of_two_results():
    a = _result("a", "A", "method", [80.0, 90.0, 85.0], n_train=300, n_test=100)
    b = _result("b", "B", "baseline", [79.0, 88.0, 85.0], n_train=300, n_test=100)
    assert paired_ttest(a, b) == corrected_ttest([1.0, 2.0, 0.0], 300, 100)


def test_verdict_names_a_reliable_winner():
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0, 82.0, 80.0, 79.0, 81.0]
    better = [b + 3 + 0.2 * (i % 3) for i, b in enumerate(base)]
    v = verdict(_results(base, better), "balanced_accuracy")
    assert v.sentence.startswith("SeA beats LogisticRegression: +3.2")
    assert "balanced accuracy" in v.sentence and "10 folds" in v.sentence
    assert v.best_baseline == "lr" and v.tests[0].name == "sea" and v.tests[0].p < 0.01


def test_verdict_says_when_no_method_is_reliably_better():
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0, 82.0, 80.0, 79.0, 81.0]
    noisy = [b + (1.5 if i % 2 else -0.5) for i, b in enumerate(base)]  # +0.5 on average
    v = verdict(_results(base, noisy), "accuracy")
    assert v.sentence.startswith("No method beats LogisticRegression reliably: the best, SeA "
                                 "at +0.5")
    assert v.tests[0].p > 0.3


def test_verdict_says_plainly_when_every_method_is_behind():
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0]
    worse = [b - 2.4 + (0.5 if i % 2 else -0.5) for i, b in enumerate(base)]
    v = verdict(_results(base, worse), "balanced_accuracy")
    assert v.sentence.startswith("Every method is behind LogisticRegression; the closest is SeA "
                                 "at -2.4 ± 0.5 pt")
    only = verdict(_results(base, worse)[:2], "accuracy")
    assert only.sentence == ("LogisticRegression is the best baseline on accuracy; no method "
                             "was compared.") and only.tests == ()


def test_one_fold_has_no_spread_and_integer_differences_are_numbers():
    assert corrected_ttest([2.0], 10, 5) == (2.0, 0.0, 0.0)
    assert corrected_ttest([0.0], 10, 5) == (0.0, 0.0, 1.0)
    assert corrected_ttest([1, 2, 3], 200, 100) == corrected_ttest([1.0, 2.0, 3.0], 200, 100)


def test_verdict_keeps_the_metric_and_names_an_unknown_one_as_given():
    base = [80.0, 82.0, 81.0, 79.0]
    v = verdict(_results(base, [b - 1 for b in base]), "balanced_accuracy")
    assert v.metric == "balanced_accuracy" and str(v) == v.sentence
    assert verdict(_results(base, base)[:2], "balanced_accuracy").metric == "balanced_accuracy"
    mine = [ModelResult(name="lr", label="LogisticRegression", role="baseline",
                        metric="my_score", fold_scores={"my_score": tuple(base)},
                        fit_seconds=0.0, tuned="", warnings=(), n_train=80.0, n_test=20.0)]
    assert "on my_score" in verdict(mine, "my_score").sentence


def test_the_verdict_reports_the_method_with_the_largest_difference():
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0]
    results = [*_results(base, [b - 3 for b in base]),
               _result("idaa", "IDAA", "method", [b - 1 + (0.2 if i % 2 else -0.2)
                                                  for i, b in enumerate(base)]),
               _result("saflex", "SAflex", "method", [b - 2 for b in base])]
    v = verdict(results, "accuracy")
    assert v.sentence.startswith("Every method is behind LogisticRegression; the closest is "
                                 "IDAA at -1.0")
    assert [t.name for t in v.tests] == ["sea", "idaa", "saflex"]


def test_a_method_level_with_the_best_baseline_is_behind_not_a_winner():
    base = [80.0, 82.0, 81.0, 79.0]
    v = verdict(_results(base, list(base)), "accuracy")
    assert v.sentence.startswith("Every method is behind LogisticRegression; the closest is SeA "
                                 "at +0.0")


def test_two_folds_have_a_spread_and_a_small_reliable_gain_wins():
    from scipy import stats

    mean, std, p = corrected_ttest([1.0, 3.0], 100, 100)
    t = 2.0 / np.sqrt((1 / 2 + 1.0) * 2.0)
    assert (mean, std) == (2.0, pytest.approx(np.sqrt(2)))
    assert p == pytest.approx(2 * stats.t.sf(t, 1))
    base = [80.0, 82.0, 81.0, 79.0, 80.0, 81.0, 82.0, 80.0, 79.0, 81.0]
    gain = [b + 0.5 + 0.01 * (i % 2) for i, b in enumerate(base)]
    v = verdict(_results(base, gain), "accuracy")
    assert v.sentence.startswith("SeA beats LogisticRegression: +0.5")
    assert verdict(_results(base, base)[:2], "accuracy").best_baseline == "lr"
