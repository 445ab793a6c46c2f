"""IADAClassifier and its Step (skaug/_iada.py): strengths, covariances, the meta set."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_blobs
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skaug import (
    IADAClassifier,
)
from skaug._iada import IADAStep
from skaug._shell.step import HeldOut
from skaug.methods.iada import (
    ClassCovariance,
    training_characteristics,
)
from tests._helpers import _head, _step_problem


@pytest.fixture(scope="module")
def iada_blobs():
    X, y = make_blobs(n_samples=240, centers=3, n_features=5, random_state=1, cluster_std=3.0)
    return X, y


def _long_tail(X, y, ratio, rng):
    """Exponential class profile n_c = n_max · ratio^(−c/(C−1)) (CIFAR-LT)."""
    classes = np.unique(y)
    n_max = min(np.bincount(y))
    keep = []
    for k, c in enumerate(classes):
        n_c = max(int(n_max * ratio ** (-k / (len(classes) - 1))), 1)
        keep.extend(rng.choice(np.flatnonzero(y == c), n_c, replace=False))
    return np.asarray(keep)


def _iada_reference(head, X, y, cov, eps, lam, alpha, beta):
    """Mean L_IADA written out row by row (float64 numpy), from a given covariance state."""
    W = head.fc.weight.detach().numpy()
    b = head.fc.bias.detach().numpy()
    Xn, yn = X.numpy(), y.numpy()
    S = cov.covariance.numpy()
    traces = np.array([np.trace(S[c]) for c in range(len(S))])
    spread = np.sqrt((cov.count.numpy() * traces).sum() / cov.count.numpy().sum())
    losses = []
    for i in range(len(Xn)):
        z = W @ Xn[i] + b
        p = np.exp(z - z.max())
        p /= p.sum()
        g = (p - np.eye(len(z))[yn[i]]) @ W  # ∇_h CE
        u = g / np.linalg.norm(g)
        zh = z.copy()
        for j in range(len(z)):
            dw = W[j] - W[yn[i]]
            zh[j] += alpha * eps * spread * dw @ u + beta * lam / 2 * dw @ S[yn[i]] @ dw
        zh -= zh.max()
        losses.append(np.log(np.exp(zh).sum()) - zh[yn[i]])
    return float(np.mean(losses))


def _iada_step(perturbation="constant", epsilon=0.5, lambda0=0.2, warmup=0.0, **kw):
    kw = {"meta": None, "meta_lr": 1e-3, "lr": 1e-2, "meta_batch_size": 128, "device": "cpu",
          **kw}
    step = IADAStep(n_classes=3, n_hidden=5, perturbation=perturbation, epsilon=epsilon,
                    lambda0=lambda0, alpha=0.5, beta=1.0, diagonal=False,
                    warmup_fraction=warmup, **kw)
    step.covariance.double()  # the tests run in float64
    step.stats.double()
    return step


def test_zero_epsilon_and_lambda_is_the_plain_cross_entropy_head(iada_blobs):
    X, y = iada_blobs
    common = dict(max_epochs=12, random_state=0, perturbation="constant")
    iada = IADAClassifier(epsilon=0.0, lambda0=0.0, warmup_epochs=2, **common).fit(X, y)
    ce = IADAClassifier(epsilon=0.5, lambda0=0.5, warmup_epochs=12, **common).fit(X, y)  # CE only
    np.testing.assert_allclose(iada.predict_proba(X), ce.predict_proba(X), rtol=1e-5, atol=1e-7)
    isda = IADAClassifier(epsilon=0.0, lambda0=5.0, warmup_epochs=2, **common).fit(X, y)
    assert np.abs(isda.predict_proba(X) - ce.predict_proba(X)).max() > 1e-3


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_stored_covariances_are_those_of_the_training_features(iada_blobs, covariance):
    X, y = iada_blobs
    clf = IADAClassifier(perturbation="constant", covariance=covariance, max_epochs=3,
                         random_state=0).fit(X, y)
    for c in range(3):
        cov = np.cov(X[y == c], rowvar=False, bias=True)
        want = cov if covariance == "full" else np.diag(cov)
        np.testing.assert_allclose(clf.covariances_[c], want, rtol=2e-3, atol=2e-3)


def test_meta_set_is_class_balanced_and_never_trained_on(iada_blobs):
    X, y = iada_blobs
    y = y.copy()
    y[:200][y[:200] == 2] = 0  # class 2 keeps only its rows among the last 40
    counts = np.bincount(y)
    clf = IADAClassifier(perturbation="meta", meta_per_class=10, max_epochs=4, warmup_epochs=1,
                         random_state=0)
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
        IADAClassifier(perturbation="meta", max_epochs=2).fit(X, [0, 1])
    IADAClassifier(perturbation="class", max_epochs=2).fit(X, [0, 1])


def test_class_strategy_makes_tail_classes_harder(iada_blobs):
    X, y = iada_blobs
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


def test_mlp_head_covariances_live_in_the_hidden_space(iada_blobs):
    X, y = iada_blobs
    clf = IADAClassifier(head="mlp", hidden_layer_sizes=(7,), perturbation="class", max_epochs=3,
                         random_state=0).fit(X, y)
    assert clf.covariances_.shape == (3, 7, 7)


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


@pytest.mark.parametrize("epsilon", [0.8, -0.8, 0.0])
def test_iada_step_loss_uses_the_signed_strength_and_the_ramped_lambda(epsilon):
    X, y = _step_problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=epsilon, lambda0=0.2)
    step.observe(y.numpy())
    cov = ClassCovariance(3, 5).double()
    cov.update(X, y)  # the step first merges the batch into its statistics
    got = step.loss(head, X, y, None, generator=None, progress=0.5)
    expected = _iada_reference(head, X, y, cov, epsilon, lam=0.2 * 0.5, alpha=0.5, beta=1.0)
    assert float(got) == pytest.approx(expected, rel=1e-9)
    # the ramp matters: λ0 at progress 0.5 would be another loss
    no_ramp = _iada_reference(head, X, y, cov, epsilon, lam=0.2, alpha=0.5, beta=1.0)
    assert abs(no_ramp - expected) > 1e-4


def test_iada_positive_strength_is_adversarial():
    X, y = _step_problem()
    head = _head(5, 3)
    losses = {}
    for eps in (-0.8, 0.0, 0.8):
        step = _iada_step(epsilon=eps, lambda0=0.0)
        step.observe(y.numpy())
        losses[eps] = float(step.loss(head, X, y, None, generator=None, progress=0.5))
    assert losses[-0.8] < losses[0.0] < losses[0.8]
    assert losses[0.0] == pytest.approx(float(F.cross_entropy(head(X), y)))


def test_iada_step_warms_up_with_cross_entropy_and_always_updates_its_statistics():
    X, y = _step_problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=0.8, warmup=0.3)
    step.observe(y.numpy())
    ce = F.cross_entropy(head(X), y)
    torch.testing.assert_close(step.loss(head, X, y, None, generator=None, progress=0.29), ce)
    assert step.covariance.count.sum() == len(y)
    assert step.loss(head, X, y, None, generator=None, progress=0.3) > ce
    assert step.covariance.count.sum() == 2 * len(y)


def test_iada_step_end_epoch_moves_the_epoch_statistics():
    X, y = _step_problem()
    head = _head(5, 3)
    step = _iada_step()
    step.observe(y.numpy())
    step.loss(head, X, y, None, generator=None, progress=0.5)
    assert torch.all(step.stats.loss_prev == 0)
    step.end_epoch(head)
    ce = F.cross_entropy(head(X), y, reduction="none").detach()
    for c in range(3):
        assert float(step.stats.loss_prev[c]) == pytest.approx(float(ce[y == c].mean()))


def test_iada_class_strategy_counts_accumulate_and_follow_the_floored_log_ratio():
    step = _iada_step(perturbation="class", epsilon=2.0)
    step.observe(np.array([0] * 50 + [1] * 5 + [2] * 2))
    step.observe(np.array([0] * 50 + [1] * 5))
    counts = np.array([100, 10, 2])
    np.testing.assert_array_equal(step.fitted_attributes()["class_counts_"], counts)
    expected = 2.0 * np.log(100 / counts) / np.log(100 / 2)
    np.testing.assert_allclose(step.fitted_attributes()["class_epsilon_"], expected, rtol=1e-6)
    # near balance (ratio < 10) the floor log 10 keeps the smallest class below ε
    near = _iada_step(perturbation="class", epsilon=2.0)
    near.observe(np.array([0] * 100 + [1] * 95 + [2] * 90))
    eps = near.fitted_attributes()["class_epsilon_"]
    np.testing.assert_allclose(eps, 2.0 * np.log(100 / np.array([100, 95, 90])) / np.log(10),
                               rtol=1e-6)
    assert eps.max() < 0.1


def test_iada_class_strategy_loss_uses_each_row_s_class_strength():
    X, y = _step_problem(n=30)
    head = _head(5, 3)
    step = _iada_step(perturbation="class", epsilon=1.5, lambda0=0.0)
    step.observe(np.array([0] * 100 + [1] * 10 + [2] * 1))
    eps = torch.as_tensor(step.fitted_attributes()["class_epsilon_"], dtype=X.dtype)
    got = step.loss(head, X, y, None, generator=None, progress=1.0)
    per_class = [_iada_reference(head, X[y == c], y[y == c], step.covariance, float(eps[c]),
                                 0.0, 0.5, 1.0) for c in range(3)]
    # 10 rows per class; the strengths are float32
    assert float(got) == pytest.approx(np.mean(per_class), rel=1e-6)


def test_meta_iada_step_uses_the_strengths_of_the_updated_perturbation_net():
    X, y = _step_problem(n=30)
    Xm, ym = _step_problem(n=9, seed=5)
    head = _head(5, 3)
    torch.manual_seed(0)
    step = _iada_step(perturbation="meta", epsilon=1.0, lambda0=0.1,
                      meta=HeldOut(Xm, ym), device="cpu")
    step.perturbation_net.double()
    step.observe(y.numpy())
    before = copy.deepcopy(step.perturbation_net)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.5)
    assert len(step.meta_losses) == 1
    chars = training_characteristics(X, head(X), y, head.fc.weight, step.class_counts,
                                     step.stats, 0.5)
    eps_after = step.perturbation_net(chars).detach()
    assert not torch.allclose(before(chars), eps_after)  # the meta step changed the net
    expected = np.mean([
        _iada_reference(head, X[i:i + 1], y[i:i + 1], step.covariance, float(eps_after[i]),
                        0.05, 0.5, 1.0)
        for i in range(len(y))
    ])
    assert float(got) == pytest.approx(expected, rel=1e-6)
    step.end_epoch(head)
    assert step.fitted_attributes()["meta_loss_curve_"] == [pytest.approx(step.meta_loss_curve[0])]


def test_iada_step_uses_its_beta():
    X, y = _step_problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=0.0, lambda0=0.4)
    step.beta = 0.25
    step.observe(y.numpy())
    cov = ClassCovariance(3, 5).double()
    cov.update(X, y)
    got = step.loss(head, X, y, None, generator=None, progress=1.0)
    assert float(got) == pytest.approx(_iada_reference(head, X, y, cov, 0.0, 0.4, 0.5, 0.25),
                                       rel=1e-9)


def test_iada_passes_its_parameters_and_exposes_its_state(small_blobs):
    X, y = small_blobs
    clf = IADAClassifier(perturbation="meta", epsilon=0.7, lambda0=0.3, alpha=0.2, beta=0.4,
                         warmup_epochs=2, max_epochs=4, meta_lr=5e-3, lr=2e-2, batch_size=32,
                         covariance="diag", random_state=0).fit(X, y)
    step = clf.net_.step
    assert (step.epsilon, step.lambda0, step.alpha, step.beta) == (0.7, 0.3, 0.2, 0.4)
    assert step.warmup_fraction == 0.5 and step.lr == 2e-2 and step.meta_batch_size == 32
    assert step.perturbation_optimizer.param_groups[0]["lr"] == 5e-3
    assert step.perturbation_net.max_strength == 0.7
    assert clf.covariances_.shape == (3, 4)  # diagonal
    assert isinstance(clf.perturbation_net_, torch.nn.Module)
    assert clf.perturbation_net_ is not step.perturbation_net and not clf.perturbation_net_.training
    assert len(clf.meta_loss_curve_) == 2  # the epochs after the warm-up
    meta = step.meta
    assert len(meta) == 3 * 10 and meta.X.dtype == torch.float32
    np.testing.assert_array_equal(clf.class_counts_, np.bincount(y) - 10)
    full = IADAClassifier(perturbation="constant", max_epochs=1, random_state=0).fit(X, y)
    assert full.covariances_.shape == (3, 4, 4)


def test_iada_meta_step_uses_the_sample_weights(small_blobs):
    X, y = small_blobs
    w = np.where(y == 0, 5.0, 0.2)
    nets = [IADAClassifier(perturbation="meta", warmup_epochs=0, max_epochs=1, random_state=0)
            .fit(X, y, sample_weight=s).perturbation_net_ for s in (None, w)]
    a, b = (torch.cat([p.flatten() for p in n.parameters()]) for n in nets)
    assert not torch.allclose(a, b)
    # the meta rows carry their sample × class weights into the meta loss
    clf = IADAClassifier(perturbation="meta", warmup_epochs=0, max_epochs=1, random_state=0,
                         class_weight={0: 3.0, 1: 1.0, 2: 1.0}).fit(X, y, sample_weight=w)
    meta = clf.net_.step.meta
    expected = np.where(meta.y.numpy() == 0, 5.0 * 3.0, 0.2)  # up to the shell's one scale
    got = meta.sample_weight.numpy()
    np.testing.assert_allclose(got / got[0], expected / expected[0], rtol=1e-5)
    unweighted = IADAClassifier(perturbation="meta", warmup_epochs=0, max_epochs=1,
                                random_state=0).fit(X, y)
    assert unweighted.net_.step.meta.sample_weight is None


def test_iada_covariance_guard_is_on_the_peak_at_its_exact_boundary(monkeypatch):
    import skaug._iada as iada

    # the peak of a full-covariance fit: factor × 4 bytes × C × d²; at the limit full is kept
    monkeypatch.setattr(iada, "FULL_COVARIANCE_LIMIT",
                        iada.FULL_COVARIANCE_PEAK_FACTOR * 4 * 2 * 10 * 10)
    rng = np.random.RandomState(0)
    y = np.array([0, 1] * 4)
    at = IADAClassifier(perturbation="constant", max_epochs=1).fit(rng.randn(8, 10), y)
    assert at.covariances_.shape == (2, 10, 10)
    with pytest.warns(UserWarning, match="keeps only the diagonals"):
        over = IADAClassifier(perturbation="constant", max_epochs=1).fit(rng.randn(8, 11), y)
    assert over.covariances_.shape == (2, 11)
    with pytest.raises(ValueError, match=r"2 classes × 11² floats.*Use covariance='diag'"):
        IADAClassifier(perturbation="constant", covariance="full", max_epochs=1).fit(
            rng.randn(8, 11), y)
    clf = IADAClassifier(perturbation="constant", covariance="diag", max_epochs=1).fit(
        rng.randn(8, 11), y)
    assert clf.covariances_.shape == (2, 11)


def test_meta_set_takes_at_most_half_of_a_class():
    X = np.random.RandomState(0).randn(46, 3)
    y = np.array([0] * 40 + [1] * 6)
    clf = IADAClassifier(perturbation="meta", meta_per_class=10, max_epochs=1,
                         random_state=0).fit(X, y)
    assert len(clf.net_.step.meta) == 10 + 3
    np.testing.assert_array_equal(clf.class_counts_, [30, 3])

