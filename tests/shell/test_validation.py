"""skaug._shell._validation: features, labels, sample and class weights, layer sizes, scale warnings."""

import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight

from skaug import (
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)
from tests._helpers import SpySeA
from tests._instances import CLASSIFIERS, FAST


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


def test_feature_names_are_checked(clf, blobs):
    pd = pytest.importorskip("pandas")
    X, y = blobs
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    clf.fit(df, y)
    assert list(clf.feature_names_in_) == list(df.columns)
    with pytest.warns(UserWarning, match="feature names"):
        clf.predict(X)


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


def test_sample_weights_reach_the_step_rescaled_to_mean_one(small_blobs):
    X, y = small_blobs
    w = np.random.RandomState(0).uniform(0.5, 4.0, len(y))
    clf = SpySeA(max_epochs=1, batch_size=40, random_state=0).fit(X, y, sample_weight=w * 7)
    got = torch.cat([b[2] for b in clf.net_.step.batches]).numpy()
    assert got.mean() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(np.sort(got), np.sort(w / w.mean()), rtol=1e-5)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_class_weight_is_the_matching_sample_weight(Est, small_blobs):
    X, y = small_blobs
    params = dict(FAST[Est], max_epochs=4, random_state=0)
    cw = {0: 4.0, 1: 1.0, 2: 0.5}
    a = Est(class_weight=cw, **params).fit(X, y).predict_proba(X)
    b = Est(**params).fit(X, y, sample_weight=np.array([cw[c] for c in y])).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = Est(**params).fit(X, y).predict_proba(X)
    assert not np.allclose(a, c)
    bal = Est(class_weight="balanced", **params).fit(X[10:], y[10:]).predict_proba(X)
    sw = compute_sample_weight("balanced", y[10:])
    np.testing.assert_array_equal(bal, Est(**params).fit(X[10:], y[10:], sample_weight=sw)
                                  .predict_proba(X))


def test_class_weight_keys_are_the_user_s_labels(small_blobs):
    X, y = small_blobs
    names = np.array(["a", "b", "c"])[y]
    clf = SeAClassifier(class_weight={"a": 5.0}, max_epochs=2, random_state=0).fit(X, names)
    ref = SeAClassifier(max_epochs=2, random_state=0).fit(
        X, names, sample_weight=np.where(names == "a", 5.0, 1.0))
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.raises(ValueError, match="not classes of y"):
        SeAClassifier(class_weight={"zebra": 2.0}, max_epochs=1).fit(X, names)


@pytest.mark.parametrize("Est", [SAflexClassifier, IADAClassifier, IDAAClassifier])
@pytest.mark.parametrize("sizes", [(-5,), (0,), (2.5,), (8, "a")])
def test_hidden_layer_sizes_are_checked_element_by_element(Est, sizes, small_blobs):
    X, y = small_blobs
    with pytest.raises(InvalidParameterError, match="positive integers"):
        Est(head="mlp", hidden_layer_sizes=sizes, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("Est", [SAflexClassifier, IADAClassifier, IDAAClassifier])
def test_partial_fit_checks_hidden_layer_sizes_too(Est, small_blobs):
    X, y = small_blobs
    clf = Est(head="mlp", hidden_layer_sizes=(0,), refine=False) if Est is SAflexClassifier \
        else Est(head="mlp", hidden_layer_sizes=(0,), perturbation="class") if Est is IADAClassifier \
        else Est(head="mlp", hidden_layer_sizes=(0,), epsilon=0.0)
    with pytest.raises(InvalidParameterError, match="positive integers"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_vae_layer_sizes_are_checked_too(small_blobs):
    X, y = small_blobs
    with pytest.raises(InvalidParameterError, match="vae_hidden_layer_sizes"):
        IDAAClassifier(vae_hidden_layer_sizes=(0,), max_epochs=1).fit(X, y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_read_only_inputs_give_no_warning(Est, small_blobs):
    X, y = small_blobs
    X = np.ascontiguousarray(X, dtype=np.float32)
    X.setflags(write=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        pred = Est(**FAST[Est], max_epochs=1, random_state=0).fit(X, y).predict(X)
    assert [str(w.message) for w in caught] == [] and pred.shape == (len(X),)
    assert not X.flags.writeable  # and the input was left as it was


def test_sparse_input_gets_a_hint(small_blobs):
    import scipy.sparse as sp

    X, y = small_blobs
    with pytest.raises(TypeError, match=r"sparse.*OneHotEncoder\(sparse_output=False\)"):
        SeAClassifier(max_epochs=1).fit(sp.csr_matrix(X), y)


@pytest.mark.parametrize("cls, params", [
    (SAflexClassifier, {}), (IDAAClassifier, {"vae_epochs": 1}),
    (IADAClassifier, {"perturbation": "constant"}),
])
def test_mlp_heads_warn_about_unscaled_features(problem, cls, params):
    X, y = problem
    with pytest.warns(UserWarning, match="far from standardised.*StandardScaler"):
        cls(max_epochs=1, random_state=0, **params).fit(X * 1e30, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cls(max_epochs=1, random_state=0, **params).fit(X, y)


def test_huge_sample_weights_count_by_their_ratios(problem):
    X, y = problem
    w = np.where(y == 1, 2.0, 1.0)
    ref = SeAClassifier(max_epochs=3, random_state=0).fit(X, y, sample_weight=w)
    big = SeAClassifier(max_epochs=3, random_state=0).fit(X, y, sample_weight=w * 1.5e38)
    np.testing.assert_allclose(big.predict_proba(X), ref.predict_proba(X), rtol=1e-5)
    with pytest.raises(ValueError, match="overflows"):
        SeAClassifier(max_epochs=1, class_weight={0: 1e300, 1: 1.0}).fit(
            X, y, sample_weight=np.full(len(y), 1e300))

