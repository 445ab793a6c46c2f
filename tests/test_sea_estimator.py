"""SeAClassifier as a user meets it: real data, pipelines, searches, ablations."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import SeAClassifier
from skaug.methods.sea import DIRECTIONS


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
