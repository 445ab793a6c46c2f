"""The estimator shell's contract, exercised through every skaug classifier."""

import io
import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.utils._param_validation import InvalidParameterError

from skaug import (
    IDAA,
    DivergenceError,
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)
from skaug._base import resolve_device

# Every classifier on the shell, with short training for speed.
CLASSIFIERS = [
    SeAClassifier(max_epochs=15, random_state=0, eta=0.2),
    IADAClassifier(max_epochs=15, warmup_epochs=3, random_state=0),
    IADAClassifier(perturbation="class", head="mlp", hidden_layer_sizes=(16,), max_epochs=15,
                   warmup_epochs=3, random_state=0),
    SAflexClassifier(max_epochs=15, hidden_layer_sizes=(32,), random_state=0),
    IDAAClassifier(max_epochs=15, hidden_layer_sizes=(32,), latent_dim=2, vae_epochs=5,
                   epsilon=0.3, random_state=0),
    SAflexClassifier(augmenter=IDAA(latent_dim=2, vae_epochs=5), max_epochs=15,
                     hidden_layer_sizes=(32,), random_state=0),
]
ids = ["sea", "iada-meta", "iada-class-mlp", "saflex", "idaa", "saflex-idaa"]


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=300, centers=3, n_features=6, random_state=0, cluster_std=2.0)
    return X.astype(np.float64), y


@pytest.fixture(params=CLASSIFIERS, ids=ids)
def clf(request):
    return clone(request.param)


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


def test_same_seed_same_model_and_other_seed_other_model(clf, blobs):
    X, y = blobs
    a = clone(clf).fit(X, y).predict_proba(X)
    b = clone(clf).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = clone(clf).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_leaves_the_global_torch_rng_alone(clf, blobs):
    X, y = blobs
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    clone(clf).set_params(random_state=None).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


@pytest.mark.parametrize("how", ["pickle", "joblib"])
def test_persistence_predicts_identically(clf, blobs, how, tmp_path):
    X, y = blobs
    clf.fit(X, y)
    if how == "pickle":
        restored = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "model.joblib")
        restored = joblib.load(tmp_path / "model.joblib")
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_model_fitted_on_gpu_loads_on_a_cpu_only_machine(clf, blobs, monkeypatch):
    X, y = blobs
    clf.set_params(device="cuda").fit(X, y)
    expected = clf.predict_proba(X)
    payload = pickle.dumps(clf)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.warns(Warning):
        restored = pickle.loads(payload)
    assert next(restored.net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(restored.predict_proba(X), expected, rtol=1e-5)


def test_sample_weight_is_a_per_sample_loss_factor(clf, blobs):
    X, y = blobs
    # Only the ratios count: all-2 weights, all-1 weights and no weights agree.
    a = clone(clf).fit(X, y, sample_weight=np.full(len(y), 2.0))
    b = clone(clf).fit(X, y)
    c = clone(clf).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), rtol=1e-5, atol=1e-7)
    np.testing.assert_array_equal(b.predict_proba(X), c.predict_proba(X))
    # weighting one class up moves predictions towards it
    w = np.where(y == 0, 10.0, 1.0)
    d = clone(clf).fit(X, y, sample_weight=w)
    assert (d.predict(X) == 0).sum() >= (b.predict(X) == 0).sum()
    # zero weight on a class: the head learns nothing from it
    e = clone(clf).fit(X, y, sample_weight=(y != 2).astype(float))
    assert (e.predict(X) == 2).mean() < 0.2 < (b.predict(X) == 2).mean()


def test_all_zero_weights_are_refused(clf, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="non-zero"):
        clf.fit(X, y, sample_weight=np.zeros(len(y)))


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


def test_verbose_shows_progress(clf, blobs, capsys):
    X, y = blobs
    clone(clf).set_params(verbose=1, max_epochs=3).fit(X, y)
    assert "3/3" in capsys.readouterr().err
    clone(clf).set_params(verbose=2, max_epochs=3).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    clone(clf).set_params(verbose=0, max_epochs=3).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_feature_names_are_checked(clf, blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf.fit(df, y)
    assert list(clf.feature_names_in_) == list(df.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


# -- bad input: each one a clear ValueError -----------------------------------------


def _bad_fit_cases():
    X = np.random.RandomState(0).randn(20, 3)
    y = np.array([0, 1] * 10)
    nan = X.copy()
    nan[3, 1] = np.nan
    inf = X.copy()
    inf[0, 0] = np.inf
    strings = X.astype(object)
    strings[2, 2] = "blue"
    return {
        "nan": (nan, y, "Input X contains NaN"),
        "inf": (inf, y, "Input X contains infinity"),
        "one sample": (X[:1], y[:1], "one class"),
        "one class": (X, np.zeros(20), "only one class"),
        "strings in X": (strings, y, "needs numeric features"),
        "empty X": (np.empty((0, 3)), np.empty(0), "0 sample"),
        "continuous y": (X, np.linspace(0, 1, 20), "Unknown label type"),
        "y too short": (X, y[:5], "inconsistent numbers of samples"),
        "1-d X": (X[:, 0], y, "Expected 2D array"),
    }


@pytest.mark.parametrize("case", list(_bad_fit_cases()))
def test_bad_training_input_raises_a_clear_error(clf, case):
    X, y, message = _bad_fit_cases()[case]
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_bad_sample_weight_raises_a_clear_error(clf, blobs):
    X, y = blobs
    w = np.ones(len(y))
    w[0] = np.nan
    with pytest.raises(ValueError, match="sample_weight contains NaN"):
        clf.fit(X, y, sample_weight=w)
    w[0] = -1.0
    with pytest.raises(ValueError, match="[Nn]egative"):
        clf.fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match="sample_weight"):
        clf.fit(X, y, sample_weight=w[:10])


def test_bad_prediction_input_raises_a_clear_error(clf, blobs):
    X, y = blobs
    clf.fit(X, y)
    with pytest.raises(ValueError, match="X has 5 features, but .* is expecting 6"):
        clf.predict(X[:, :5])
    bad = X[:4].copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(bad)


def test_invalid_parameters_are_refused(clf, blobs):
    X, y = blobs
    for params in ({"lr": -1.0}, {"batch_size": 0}, {"max_epochs": 0}, {"device": 3}):
        with pytest.raises(InvalidParameterError):
            clone(clf).set_params(**params).fit(X, y)


@pytest.mark.parametrize("lr", [1e6, 1e30])
def test_a_diverging_loss_raises_instead_of_predicting_nan(clf, blobs, lr):
    X, y = blobs
    clf.set_params(lr=lr, max_epochs=50)
    with pytest.raises(DivergenceError, match="Lower the learning rate"):
        clf.fit(X, y)


def test_a_non_finite_loss_raises(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match="became nan"):
        SeAClassifier(lr=1e38, max_epochs=5, random_state=0).fit(X, y)


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device is available"):
            resolve_device("cuda")


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


def test_buffer_is_not_required_to_be_a_file(clf, blobs):
    X, y = blobs
    clf.fit(X, y)
    buf = io.BytesIO()
    joblib.dump(clf, buf)
    buf.seek(0)
    np.testing.assert_array_equal(joblib.load(buf).predict(X), clf.predict(X))
