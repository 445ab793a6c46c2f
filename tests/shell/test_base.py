"""skaug._shell.base: the fit template, warm_start, partial_fit, prediction, the shell's contract."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError

from skaug import (
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)
from tests._helpers import Recorder
from tests._instances import CLASSIFIERS, FAST


def test_string_labels_round_trip(clf, blobs):
    X, y = blobs
    names = np.array(["cat", "dog", "emu"])[y]
    clf.fit(X, names)
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    pred = clf.predict(X)
    assert pred.dtype == names.dtype and set(pred) <= set(names)
    assert clf.score(X, names) > 0.8
    proba = clf.predict_proba(X)
    assert proba.shape == (300, 3)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(1)], pred)


def test_loss_curve_and_history(clf, blobs):
    X, y = blobs
    clf.fit(X, y)
    assert clf.n_iter_ == clf.max_epochs == len(clf.loss_curve_)
    assert all(np.isfinite(clf.loss_curve_))
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]


def test_early_stopping_holds_out_a_validation_split(clf, blobs):
    X, y = blobs
    clf.set_params(early_stopping=True, max_epochs=300, n_iter_no_change=3, tol=1e-2)
    clf.fit(X, y)
    assert clf.n_iter_ < 300
    assert len(clf.validation_loss_curve_) == clf.n_iter_


def test_early_stopping_needs_every_class_in_both_parts(clf):
    X = np.random.RandomState(0).randn(12, 3)
    y = np.array([0] * 11 + [1])
    clf.set_params(early_stopping=True, validation_fraction=0.1)
    with pytest.raises(ValueError, match="early_stopping=True"):
        clf.fit(X, y)


def test_invalid_parameters_are_refused(clf, blobs):
    X, y = blobs
    for params in ({"lr": -1.0}, {"batch_size": 0}, {"max_epochs": 0}, {"device": 3}):
        with pytest.raises(InvalidParameterError):
            clone(clf).set_params(**params).fit(X, y)


def test_unfitted_model_says_so(clf, blobs):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        clf.predict(blobs[0])


def test_decision_function_agrees_with_predict(clf, blobs):
    X, y = blobs
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_[clf.decision_function(X).argmax(1)], clf.predict(X))
    Xb, yb = X[y < 2], y[y < 2]
    clf.fit(Xb, yb)
    scores = clf.decision_function(Xb)
    assert scores.shape == (len(yb),)
    np.testing.assert_array_equal(clf.classes_[(scores > 0).astype(int)], clf.predict(Xb))


def test_repr_and_clone_keep_parameters(clf):
    from sklearn.base import BaseEstimator

    def plain(params):  # estimator-valued parameters (augmenters) by their own parameters
        return {k: v.get_params() if isinstance(v, BaseEstimator) else v
                for k, v in params.items()}

    cloned = clone(clf)
    assert plain(cloned.get_params()) == plain(clf.get_params())
    assert type(clf).__name__ in repr(clf)


def test_early_stopping_restores_the_best_epoch(small_blobs):
    X, y = small_blobs
    # tol=10: no epoch after the first counts as an improvement, so the first is the best
    clf = SeAClassifier(early_stopping=True, n_iter_no_change=3, tol=10.0, max_epochs=50,
                        lr=2.0, callbacks=[("rec", Recorder())], random_state=0).fit(X, y)
    states = dict(clf.net_.callbacks_)["rec"].states
    assert clf.n_iter_ == 4 == len(states) == len(clf.validation_loss_curve_)
    final = clf.net_.module_.state_dict()
    torch.testing.assert_close(final["weight"], states[0]["weight"])
    assert not torch.allclose(states[0]["weight"], states[-1]["weight"])


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_warm_start_continues_from_the_fitted_head(Est, small_blobs):
    X, y = small_blobs
    clf = Est(**FAST[Est], max_epochs=5, random_state=0).fit(X, y)
    first = list(clf.loss_curve_)
    clf.set_params(warm_start=True).fit(X, y)
    assert clf.n_iter_ == 10 and clf.loss_curve_[:5] == first
    assert clf.loss_curve_[5] < first[0]  # not a fresh start
    with pytest.raises(ValueError, match="classes cannot change"):
        clf.fit(X, np.where(y == 2, 7, y))
    with pytest.raises(ValueError, match="features"):
        clf.fit(X[:, :3], y)


@pytest.mark.parametrize("Est, params", [
    (SeAClassifier, {}),
    (IADAClassifier, {"perturbation": "class"}),
    (IADAClassifier, {"perturbation": "constant"}),
    (SAflexClassifier, {"refine": False}),
    (IDAAClassifier, {"epsilon": 0.0}),
    (IDAAClassifier, FAST[IDAAClassifier]),
])
def test_partial_fit_learns_chunk_by_chunk(Est, params, small_blobs):
    X, y = small_blobs
    clf = Est(**params, random_state=0)
    with pytest.raises(ValueError, match="classes must be passed"):
        clone(clf).partial_fit(X, y)
    first = y < 2  # the first chunk lacks class 2: `classes` announces it
    clf.partial_fit(X[first], y[first], classes=[0, 1, 2])
    assert clf.n_iter_ == 1 and list(clf.classes_) == [0, 1, 2]
    for _ in range(30):
        clf.partial_fit(X, y)
    assert clf.n_iter_ == 31 and clf.score(X, y) > 0.7  # chance: 1/3
    with pytest.raises(ValueError, match="not among the classes"):
        clf.partial_fit(X, np.where(y == 2, 9, y))


@pytest.mark.parametrize("clf, match", [
    (SAflexClassifier(), "validation set"),
    (IADAClassifier(perturbation="meta"), "meta set"),
])
def test_partial_fit_exists_only_where_the_maths_allows_it(clf, match, small_blobs):
    X, y = small_blobs
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as info:
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert match in str(info.value.__cause__)  # the reason, shown in the traceback


def test_partial_fit_refuses_balanced_class_weight(small_blobs):
    X, y = small_blobs
    with pytest.raises(ValueError, match="balanced"):
        SeAClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_partial_fit_is_reproducible(small_blobs):
    X, y = small_blobs
    runs = []
    for _ in range(2):
        clf = SAflexClassifier(refine=False, random_state=3)
        clf.partial_fit(X, y, classes=[0, 1, 2])
        clf.partial_fit(X, y)
        runs.append(clf.predict_proba(X))
    np.testing.assert_array_equal(*runs)


def test_predict_log_proba_is_finite_where_proba_underflows():
    X = np.array([[1.0, 0.0], [0.0, 1.0]] * 20)
    y = np.array([0, 1] * 20)
    clf = SeAClassifier(temperature=0.001, max_epochs=30, random_state=0).fit(X, y)
    assert clf.predict_proba(X).min() == 0.0
    log_proba = clf.predict_log_proba(X)
    assert np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(np.exp(log_proba), clf.predict_proba(X), atol=1e-12)


def test_warm_start_uses_the_new_learning_rate_and_keeps_the_head(small_blobs):
    X, y = small_blobs
    clf = SAflexClassifier(hidden_layer_sizes=(8,), max_epochs=3, random_state=0).fit(X, y)
    weight = clf.net_.module_.fc.weight.detach().clone()
    clf.set_params(warm_start=True, lr=1e-9, max_epochs=1).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 1e-9
    torch.testing.assert_close(clf.net_.module_.fc.weight.detach(), weight, atol=1e-6, rtol=0)


def test_fitted_training_records_are_numbers(small_blobs):
    X, y = small_blobs
    saflex = SAflexClassifier(hidden_layer_sizes=(8,), max_epochs=2, random_state=0).fit(X, y)
    assert 0 < saflex.kept_fraction_ <= 1
    iada = IADAClassifier(perturbation="meta", warmup_epochs=0, max_epochs=2,
                          random_state=0).fit(X, y)
    assert all(np.isfinite(iada.meta_loss_curve_)) and len(iada.meta_loss_curve_) == 2

