"""IADAClassifier as a user meets it: ISDA and CE as special cases, meta set, real data."""

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skaug import IADAClassifier


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=240, centers=3, n_features=5, random_state=1, cluster_std=3.0)
    return X, y


def test_zero_epsilon_and_lambda_is_the_plain_cross_entropy_head(blobs):
    X, y = blobs
    common = dict(max_epochs=12, random_state=0, perturbation="constant")
    iada = IADAClassifier(epsilon=0.0, lambda0=0.0, warmup_epochs=2, **common).fit(X, y)
    ce = IADAClassifier(epsilon=0.5, lambda0=0.5, warmup_epochs=12, **common).fit(X, y)  # CE only
    np.testing.assert_allclose(iada.predict_proba(X), ce.predict_proba(X), rtol=1e-5, atol=1e-7)
    isda = IADAClassifier(epsilon=0.0, lambda0=5.0, warmup_epochs=2, **common).fit(X, y)
    assert np.abs(isda.predict_proba(X) - ce.predict_proba(X)).max() > 1e-3


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_stored_covariances_are_those_of_the_training_features(blobs, covariance):
    X, y = blobs
    clf = IADAClassifier(perturbation="constant", covariance=covariance, max_epochs=3,
                         random_state=0).fit(X, y)
    for c in range(3):
        cov = np.cov(X[y == c], rowvar=False, bias=True)
        want = cov if covariance == "full" else np.diag(cov)
        np.testing.assert_allclose(clf.covariances_[c], want, rtol=2e-3, atol=2e-3)


def test_meta_set_is_class_balanced_and_never_trained_on(blobs):
    X, y = blobs
    y = y.copy()
    y[:200][y[:200] == 2] = 0  # class 2 keeps only its rows among the last 40
    counts = np.bincount(y)
    clf = IADAClassifier(meta_per_class=10, max_epochs=4, warmup_epochs=1, random_state=0)
    clf.fit(X, y)
    meta = np.minimum(10, counts // 2)
    np.testing.assert_array_equal(clf.class_counts_, counts - meta)
    # every training row passes through the covariance estimator once per epoch
    seen = clf.net_.step.covariance.count.numpy()
    np.testing.assert_array_equal(seen, 4 * (counts - meta))
    assert len(clf.meta_loss_curve_) == 3 and np.all(np.isfinite(clf.meta_loss_curve_))
    assert clf.perturbation_net_ is not None and not hasattr(clf, "_meta")


def test_meta_needs_two_rows_in_some_class():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="meta set"):
        IADAClassifier(max_epochs=2).fit(X, [0, 1])
    IADAClassifier(perturbation="class", max_epochs=2).fit(X, [0, 1])


def test_class_strategy_makes_tail_classes_harder(blobs):
    X, y = blobs
    keep = np.concatenate([np.flatnonzero(y == 0), np.flatnonzero(y == 1)[:30], np.flatnonzero(y == 2)[:8]])
    clf = IADAClassifier(perturbation="class", epsilon=1.5, max_epochs=3, random_state=0)
    clf.fit(X[keep], y[keep])
    eps = clf.class_epsilon_
    assert eps[0] == 0 and eps[2] == pytest.approx(1.5) and 0 < eps[1] < 1.5


def test_full_covariance_guard_counts_the_peak_of_the_fit():
    # 3 × 10,000² float32 covariances are 1.1 GiB, under the 2 GiB limit; the fit's
    # peak (2.5×) is not: "full" is refused, "auto" (the default) keeps the diagonals.
    X = np.random.RandomState(0).randn(6, 10_000).astype(np.float32)
    y = np.array([0, 1, 2] * 2)
    with pytest.raises(ValueError, match=r"need about 2\.8 GiB.*Use covariance='diag'"):
        IADAClassifier(perturbation="constant", covariance="full", max_epochs=1).fit(X, y)
    with pytest.warns(UserWarning, match="covariance='auto' keeps only the diagonals"):
        clf = IADAClassifier(perturbation="constant", max_epochs=1).fit(X, y)
    assert clf.covariances_.shape == (3, 10_000)
    small = IADAClassifier(perturbation="constant", max_epochs=1).fit(X[:, :50], y)
    assert small.covariances_.shape == (3, 50, 50)  # auto: full where it fits


def test_mlp_head_covariances_live_in_the_hidden_space(blobs):
    X, y = blobs
    clf = IADAClassifier(head="mlp", hidden_layer_sizes=(7,), perturbation="class", max_epochs=3,
                         random_state=0).fit(X, y)
    assert clf.covariances_.shape == (3, 7, 7)


def _long_tail(X, y, ratio, rng):
    """Exponential class profile n_c = n_max · ratio^(−c/(C−1)) (CIFAR-LT)."""
    classes = np.unique(y)
    n_max = min(np.bincount(y))
    keep = []
    for k, c in enumerate(classes):
        n_c = max(int(n_max * ratio ** (-k / (len(classes) - 1))), 1)
        keep.extend(rng.choice(np.flatnonzero(y == c), n_c, replace=False))
    return np.asarray(keep)


def test_long_tailed_real_features(cifar_features):
    X, y = cifar_features
    rng = np.random.RandomState(0)
    train, test = train_test_split(np.arange(len(y)), test_size=3000, stratify=y, random_state=0)
    lt = train[_long_tail(X[train], y[train], 50, rng)]
    results = {}
    for name, params in {
        "ce": dict(perturbation="constant", epsilon=0.0, lambda0=0.0),
        "meta": dict(),
    }.items():
        clf = IADAClassifier(max_epochs=30, random_state=0, **params).fit(X[lt], y[lt])
        results[name] = balanced_accuracy_score(y[test], clf.predict(X[test]))
    # the tail costs the CE head: far below the ~85 % of balanced training,
    # and Meta-IADA stays a working classifier on it
    assert 0.4 < results["ce"] < 0.83
    assert results["meta"] > results["ce"] - 0.05
