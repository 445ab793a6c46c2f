"""The statistics of the verdict: the corrected resampled t-test and one plain sentence."""

from dataclasses import dataclass

import numpy as np

from ._metrics import NAMES as METRIC_NAMES


def corrected_ttest(differences, n_train, n_test):
    """Nadeau & Bengio's corrected resampled t-test of paired differences over CV folds.

    The variance of the mean difference is corrected by ``1/k + n_test/n_train``
    instead of ``1/k`` (``k`` folds), because the folds' training sets
    overlap. Returns ``(mean, std, p)``, ``p`` two-sided with ``k − 1``
    degrees of freedom (:func:`scipy.stats.t`).
    """
    from scipy import stats

    d = np.asarray(differences, dtype=float)
    k = len(d)
    mean, var = d.mean(), d.var(ddof=1) if k > 1 else 0.0
    if var == 0:
        return mean, 0.0, 1.0 if mean == 0 else 0.0
    t = mean / np.sqrt((1 / k + n_test / n_train) * var)
    return mean, float(np.sqrt(var)), float(2 * stats.t.sf(abs(t), k - 1))


def paired_ttest(result, other):
    """``(mean, std, p)`` of ``result``'s fold scores minus ``other``'s (two
    :class:`~skaug.compare.ModelResult` over the same outer folds), by :func:`corrected_ttest`."""
    d = np.subtract(result.scores, other.scores)
    return corrected_ttest(d, result.n_train, result.n_test)


@dataclass(frozen=True)
class MethodTest:
    """One method against the best baseline: the paired difference of their fold scores."""

    name: str
    label: str
    difference: float
    std: float
    p: float


@dataclass(frozen=True)
class Verdict:
    """What :func:`verdict` concludes: a sentence, the best baseline and each method's test."""

    sentence: str
    metric: str
    best_baseline: str
    tests: tuple

    def __str__(self):
        return self.sentence


def verdict(results, metric, alpha=0.05):
    """One plain sentence: does any method beat the best baseline reliably, and by how much?

    The best baseline is the one with the highest mean ``metric`` (the
    strongest rival, a conservative choice). Each method's fold-by-fold
    difference to it is tested with :func:`corrected_ttest`. When every
    method is behind, the sentence says so and names the closest.

    Parameters
    ----------
    results : sequence of ModelResult
        Over the same outer folds, scored on ``metric``.
    metric : str
    alpha : float, default=0.05

    Returns
    -------
    Verdict
    """
    name = METRIC_NAMES.get(metric, metric)
    baselines = [r for r in results if r.role == "baseline"]
    best = max(baselines, key=lambda r: np.mean(r.scores))
    tests = []
    for r in results:
        if r.role != "method":
            continue
        mean, std, p = paired_ttest(r, best)
        tests.append(MethodTest(r.name, r.label, float(mean), float(std), float(p)))
    tests = tuple(tests)
    folds = len(best.scores)
    how = f"({name}, mean ± std of the paired fold differences; corrected resampled t-test, " \
          f"{folds} folds)"
    if not tests:
        sentence = f"{best.label} is the best baseline on {name}; no method was compared."
        return Verdict(sentence, metric, best.name, tests)
    top = max(tests, key=lambda t: t.difference)
    found = f"{top.label} at {top.difference:+.1f} ± {top.std:.1f} pt, p = {top.p:.2g}"
    if top.difference > 0 and top.p < alpha:
        sentence = (f"{top.label} beats {best.label}: {top.difference:+.1f} ± {top.std:.1f} pt "
                    f"over the same folds, p = {top.p:.2g} {how}.")
    elif top.difference <= 0:
        sentence = (f"Every method is behind {best.label}; the closest is {found} {how}.")
    else:
        sentence = (f"No method beats {best.label} reliably: the best, {found}, is within the "
                    f"noise {how}.")
    return Verdict(sentence, metric, best.name, tests)
