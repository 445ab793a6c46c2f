"""SeAClassifier and its Step (skaug/_sea.py): each uses what the method computes."""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import (
    SeAClassifier,
)
from skaug._sea import SeAStep
from skaug.methods.common import unit_normalize
from skaug.methods.sea import DIRECTIONS, sea_augment, smoothed_hinge
from tests._helpers import _step_problem


@pytest.fixture(scope="module")
def cifar_split(cifar_features):
    X, y = cifar_features
    return train_test_split(X, y, train_size=1000, test_size=2000, stratify=y, random_state=0)


def test_eta_zero_trains_exactly_like_no_augmentation(cifar_split):
    X_tr, _, y_tr, _ = cifar_split
    a = SeAClassifier(eta=0.0, max_epochs=10, random_state=0).fit(X_tr, y_tr)
    b = SeAClassifier(direction="none", eta=0.8, max_epochs=10, random_state=0).fit(X_tr, y_tr)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-5)
    c = SeAClassifier(eta=0.4, max_epochs=10, random_state=0).fit(X_tr, y_tr)
    assert np.abs(c.coef_ - b.coef_).max() > 1e-2


def test_sea_learns_real_deep_features_and_augmentation_regularises(cifar_split):
    X_tr, X_te, y_tr, y_te = cifar_split
    plain = SeAClassifier(eta=0.0, max_epochs=30, random_state=0).fit(X_tr, y_tr)
    sea = SeAClassifier(eta=0.8, max_epochs=30, random_state=0).fit(X_tr, y_tr)
    # ResNet features of CIFAR-10: a linear head reaches ~85 % (LogisticRegression).
    assert plain.score(X_te, y_te) > 0.8
    assert sea.score(X_te, y_te) > 0.8
    # Augmented batches are harder: the training loss stays higher (paper Fig. 2-3).
    assert sea.loss_curve_[-1] > 1.5 * plain.loss_curve_[-1]
    assert sea.score(X_tr, y_tr) <= plain.score(X_tr, y_tr)


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_every_ablation_direction_trains(cifar_split, direction):
    X_tr, X_te, y_tr, y_te = cifar_split
    eta = 0.02 if direction == "adv" else 0.4
    clf = SeAClassifier(direction=direction, eta=eta, max_epochs=10, random_state=0)
    assert clf.fit(X_tr, y_tr).score(X_te, y_te) > 0.75


def test_input_rows_are_normalised(cifar_split):
    X_tr, X_te, y_tr, _ = cifar_split
    a = SeAClassifier(max_epochs=5, random_state=0).fit(X_tr, y_tr)
    b = SeAClassifier(max_epochs=5, random_state=0).fit(3.0 * X_tr, y_tr)
    np.testing.assert_allclose(a.predict_proba(X_te), b.predict_proba(7.0 * X_te), atol=1e-5)


def test_probabilities_use_the_loss_temperature(cifar_split):
    X_tr, X_te, y_tr, _ = cifar_split
    clf = SeAClassifier(max_epochs=5, temperature=0.5, random_state=0).fit(X_tr, y_tr)
    z = clf.decision_function(X_te)
    p = np.exp((z - z.max(1, keepdims=True)) / 0.5)
    np.testing.assert_allclose(clf.predict_proba(X_te), p / p.sum(1, keepdims=True), rtol=1e-6)


def test_binary_problem_with_a_large_step_warns():
    rng = np.random.RandomState(0)
    X, y = rng.randn(60, 4), np.array([0, 1] * 30)
    with pytest.warns(UserWarning, match="two classes"):
        SeAClassifier(eta=0.8, max_epochs=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SeAClassifier(eta=0.1, max_epochs=2).fit(X, y)
        SeAClassifier(eta=0.8, max_epochs=2, direction="mixup").fit(X, y)


def test_pipeline_grid_search_and_cross_validation_on_real_tabular_data(qsar):
    X, y = qsar  # string labels "RB" / "NRB"
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SeAClassifier(max_epochs=15, random_state=0)),
        {"seaclassifier__eta": [0.0, 0.4], "seaclassifier__alpha": [0.01, 0.05]},
        cv=3,
        n_jobs=2,
    ).fit(X, y)
    assert set(search.predict(X[:20])) <= {"RB", "NRB"}
    assert search.predict_proba(X[:5]).shape == (5, 2)
    assert search.best_score_ > 0.75
    scores = cross_val_score(
        make_pipeline(StandardScaler(), SeAClassifier(eta=0.0, max_epochs=15, random_state=0)),
        X,
        y,
        cv=3,
    )
    logreg = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=3)
    assert scores.mean() > logreg.mean() - 0.05


def test_coef_matches_the_head(cifar_split):
    X_tr, X_te, y_tr, _ = cifar_split
    clf = SeAClassifier(max_epochs=3, random_state=0).fit(X_tr, y_tr)
    assert clf.coef_.shape == (10, X_tr.shape[1])
    Xn = X_te / np.linalg.norm(X_te, axis=1, keepdims=True)
    np.testing.assert_allclose(clf.decision_function(X_te), Xn @ clf.coef_.T, rtol=1e-4, atol=1e-5)


def test_clone_of_a_fitted_model_is_unfitted(cifar_split):
    X_tr, _, y_tr, _ = cifar_split
    clf = SeAClassifier(max_epochs=2, random_state=0).fit(X_tr, y_tr)
    assert not hasattr(clone(clf), "net_")


def test_sea_step_loss_is_the_smoothed_hinge_of_the_augmented_batch():
    X, y = _step_problem()
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.4, alpha=0.05, temperature=0.3, margin=0.5, direction="sea")
    w = torch.linspace(0.5, 1.5, len(y), dtype=X.dtype)
    got = step.loss(head, X, y, w, generator=None, progress=0.3)
    x_aug = sea_augment(X, y, head.weight, eta=0.4, alpha=0.05, temperature=0.3, margin=0.5)
    expected = (smoothed_hinge(head(x_aug), y, 0.3, 0.5) * w).sum() / len(y)
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(x_aug, X)  # the augmentation did something
    # the head receives the gradient of that loss
    got.backward()
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0


def test_sea_validation_loss_is_the_smoothed_hinge_not_cross_entropy():
    X, y = _step_problem()
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.2, alpha=0.01, temperature=0.1, margin=1.0, direction="sea")
    z = head(X)
    # λ · CE((z + δ[c≠y]) / λ, y), written out
    shifted = z + 1.0 - F.one_hot(y, 3).to(z.dtype) * 1.0
    expected = 0.1 * F.cross_entropy(shifted / 0.1, y)
    torch.testing.assert_close(step.validation_loss(head, X, y, None), expected)
    assert not torch.isclose(expected, F.cross_entropy(z, y))


def test_sea_neg_direction_is_the_projection_of_sum_p_w_with_temperature_and_margin():
    X, y = _step_problem(n=10, d=4)
    X = unit_normalize(X)
    torch.manual_seed(1)
    W = torch.randn(3, 4, dtype=X.dtype)
    lam, delta, alpha, eta = 0.3, 0.7, 0.05, 0.4
    got = sea_augment(X, y, W, eta=eta, alpha=alpha, temperature=lam, margin=delta,
                      direction="sea_neg")
    Xn, Wn, yn = X.numpy(), W.numpy(), y.numpy()
    expected = np.empty_like(Xn)
    for i in range(len(Xn)):
        z = Wn @ Xn[i] + delta * (np.arange(3) != yn[i])
        p = np.exp(z / lam - (z / lam).max())
        p /= p.sum()
        g = p @ Wn  # Σ_c p_c w_c — no −w_y term
        g /= np.linalg.norm(g)
        others = [j for j in range(len(Xn)) if j != i]
        s = np.array([Xn[j] @ g for j in others]) / alpha
        q = np.exp(s - s.max())
        q /= q.sum()
        g_hat = sum(q_j * Xn[j] for q_j, j in zip(q, others))
        v = Xn[i] + eta * g_hat / np.linalg.norm(g_hat)
        expected[i] = v / np.linalg.norm(v)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9, atol=1e-12)
    sea = sea_augment(X, y, W, eta=eta, alpha=alpha, temperature=lam, margin=delta)
    assert not torch.allclose(sea, got)  # and it is not the "sea" direction


def test_sea_step_uses_its_direction():
    X, y = _step_problem(n=12)
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.5, alpha=0.01, temperature=0.1, margin=0.0, direction="mixup")
    got = step.loss(head, X, y, None, generator=torch.Generator().manual_seed(0), progress=0)
    x_aug = sea_augment(X, y, head.weight, eta=0.5, temperature=0.1, direction="mixup",
                        generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(got, smoothed_hinge(head(x_aug), y, 0.1, 0.0).mean())


@pytest.mark.parametrize("n_classes, eta, direction, warns", [
    (2, 0.3, "sea", True), (2, 0.3, "sea_neg", True), (2, 0.2, "sea", False),
    (3, 0.3, "sea", False), (2, 0.3, "rand", False),
])
def test_sea_warns_of_large_steps_on_binary_problems(n_classes, eta, direction, warns):
    X, y = make_blobs(n_samples=60, centers=n_classes, n_features=3, random_state=0)
    clf = SeAClassifier(eta=eta, direction=direction, max_epochs=1, random_state=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    assert any("two classes" in m for m in messages) == warns


def test_sea_head_has_no_bias_and_its_random_directions_follow_random_state(small_blobs):
    X, y = small_blobs
    clf = SeAClassifier(direction="mixup", eta=0.5, max_epochs=2, random_state=0).fit(X, y)
    assert clf.net_.module_.bias is None and clf.coef_.shape == (3, 4)
    torch.manual_seed(7)  # the global RNG plays no part
    again = SeAClassifier(direction="mixup", eta=0.5, max_epochs=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(clf.coef_, again.coef_)
    other = SeAClassifier(direction="mixup", eta=0.5, max_epochs=2, random_state=1).fit(X, y)
    assert not np.array_equal(clf.coef_, other.coef_)


def test_sea_step_takes_its_randomness_from_the_generator():
    from skaug._sea import SeAStep

    X, y = blobs_tensor = (torch.nn.functional.normalize(torch.randn(16, 4), dim=1),
                           torch.arange(16) % 3)
    head = torch.nn.Linear(4, 3, bias=False)
    step = SeAStep(eta=0.5, alpha=0.01, temperature=0.1, margin=0.0, direction="rand")
    losses = []
    for global_seed in (1, 2):
        torch.manual_seed(global_seed)
        losses.append(step.loss(head, X, y, None, generator=torch.Generator().manual_seed(0),
                                progress=0.0))
    torch.testing.assert_close(*losses)
    assert blobs_tensor[0] is X


@pytest.mark.parametrize("scale", [1e20, 1e30])
def test_sea_gives_the_same_model_at_any_feature_scale(problem, scale):
    X, y = problem
    small = SeAClassifier(max_epochs=5, random_state=0).fit(X, y)
    large = SeAClassifier(max_epochs=5, random_state=0).fit(X * scale, y)
    np.testing.assert_allclose(large.predict_proba(X * scale), small.predict_proba(X),
                               rtol=1e-4, atol=1e-6)

