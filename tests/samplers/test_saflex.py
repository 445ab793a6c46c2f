"""skaug.samplers._saflex: upstream rows relabelled and filtered by SAflex."""

import os
import warnings

import numpy as np
import pytest
import torch
from imblearn.pipeline import make_pipeline
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from skaug.samplers import (
    SAflexSampler,
)
from tests._helpers import _distances


class Recording:
    """Upstream Gaussian noise that records the rows it is given and the rows it returns
    (continuous: no two upstream rows are equal, so a new row names its upstream row)."""

    requires_model = False

    def __init__(self, std=0.3):
        self.std, self.inputs, self.outputs = std, [], []

    def __call__(self, X, Y, generator):
        from skaug import GaussianNoise

        assert Y.dtype == X.dtype  # labels come as floats of the rows' precision
        X_aug, Y_aug = GaussianNoise(std=self.std)(X, Y, generator)
        self.inputs.append(X.clone())
        self.outputs.append((X_aug.clone(), Y_aug.clone()))
        return X_aug, Y_aug


def _brute_force_pi(W, b, g_W, g_b, Z):
    """Π_ik = ⟨g_val, ∇_θ(−log p_k(x_i))⟩, one autograd call per row and class."""
    pi = np.zeros((len(Z), len(b)))
    for i, x in enumerate(torch.as_tensor(Z)):
        for k in range(len(b)):
            Wt = torch.tensor(W, requires_grad=True)
            bt = torch.tensor(b, requires_grad=True)
            loss = -torch.log_softmax(Wt @ x + bt, dim=0)[k]
            gW, gb = torch.autograd.grad(loss, (Wt, bt))
            pi[i, k] = float((gW.numpy() * g_W).sum() + (gb.numpy() * g_b).sum())
    return pi


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(240, n_features=5, n_informative=4, n_redundant=0,
                               n_classes=3, weights=[0.6, 0.3, 0.1], random_state=1)
    return X * [1, 10, 0.1, 1, 100] + [0, 5, 0, -3, 0], y  # unequal scales


class FittedUpstream(Recording):
    """An upstream augmenter with a ``fit``: SAflexSampler fits a copy of it."""

    def fit(self, X, y):
        self.fitted_on_ = (X.clone(), y.clone())
        return self


@pytest.mark.parametrize("partners", ["class", "all"])
@pytest.mark.parametrize("beta", [0.0, 1.0, 3.0])
def test_saflex_new_rows_are_kept_upstream_rows_with_saflex_labels(three_classes, beta,
                                                                   partners):
    X, y = three_classes
    upstream = Recording()
    sampler = SAflexSampler(upstream, partners=partners, beta=beta, batch_size=64,
                            random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every class got its rows: no warning
        X_res, y_res = sampler.fit_resample(X, y)
    new, labels = X_res[len(X):], y_res[len(X):]
    assert np.bincount(y_res).tolist() == [np.bincount(y).max()] * 3
    recorded = sampler.augmenter_  # a plain callable (no fit) is used as it is
    assert recorded is upstream
    cand = np.vstack([o[0].numpy() for o in recorded.outputs])
    up = np.vstack([o[1].numpy() for o in recorded.outputs])
    W, b = sampler.proxy_weight_, sampler.proxy_bias_
    pi = _brute_force_pi(W, b, *sampler.validation_gradient_, cand)
    pi_hat = pi / np.abs(pi).max(axis=1, keepdims=True)
    label = (pi_hat + beta * up).argmax(axis=1)
    keep = pi_hat[np.arange(len(cand)), label] >= 0
    # each new row, in the standardised units the augmenter saw, is one of its rows ...
    Z_new = (new - sampler.mean_) / sampler.scale_
    dist = _distances(Z_new, cand)
    match = dist.argmin(axis=1)
    assert dist[np.arange(len(new)), match].max() < 1e-9
    assert len(set(match)) == len(new)  # each upstream row at most once
    # ... that SAflex kept, with SAflex's label
    assert keep[match].all()
    np.testing.assert_array_equal(labels, label[match])
    if beta == 0:  # label = argmax Π̂ ≥ 0 (Σ_c p_c Π_c = 0): every row is kept
        assert keep.all()
    if beta >= 2:  # upstream labels kept: rows whose label would raise the loss are dropped
        assert not keep.all()
    relabelled = (label[match] != up[match].argmax(axis=1)).mean()
    assert sampler.relabelled_fraction_ == pytest.approx(relabelled)
    assert sampler.kept_fraction_ == pytest.approx(keep.mean())
    if beta >= 2:  # Π̂ ∈ [−1, 1]: β ≥ 2 keeps every upstream label
        assert relabelled == 0
    if beta == 0:
        assert relabelled > 0
    # upstream rows are made from training-part rows only, never the validation rows
    seen = np.vstack([i.numpy() for i in recorded.inputs])
    Z = (X - sampler.mean_) / sampler.scale_
    src = _distances(seen, Z).argmin(axis=1)
    assert not sampler.validation_mask_[src].any()

    def rows_of(t):
        return _distances(t, Z).argmin(axis=1)

    if partners == "all":
        # one call per batch of batch_size rows: half from the classes still short of
        # rows (1 and 2 here), half partners of all classes
        assert sampler.n_rounds_ == len(recorded.inputs) > 1
        assert all(len(i) == 64 for i in recorded.inputs)
        first = rows_of(recorded.inputs[0])
        assert set(y[first[:32]]) <= {1, 2} and 0 in set(y[first[32:]])
    else:
        # one call per short class and batch: rows of one class only, batch_size in all
        classes = [set(y[rows_of(i)]) for i in recorded.inputs]
        assert all(len(c) == 1 for c in classes) and set.union(*classes) == {1, 2}
        assert sum(len(i) for i in recorded.inputs[:2]) == 64
        assert sampler.n_rounds_ > 1


@pytest.mark.parametrize("class_weight", ["balanced", None])
def test_saflex_proxy_and_validation_gradient_by_finite_differences(three_classes,
                                                                    class_weight):
    from sklearn.utils.class_weight import compute_sample_weight

    X, y = three_classes
    sampler = SAflexSampler(class_weight=class_weight, random_state=0)
    sampler.fit_resample(X, y)
    val = sampler.validation_mask_
    assert val.sum() == int(np.ceil(0.2 * len(y)))
    np.testing.assert_allclose(np.bincount(y[val]) / val.sum(), np.bincount(y) / len(y),
                               atol=0.02)  # stratified
    np.testing.assert_allclose(sampler.mean_, X.mean(0))
    np.testing.assert_allclose(sampler.scale_, X.std(0))
    Z = (X - sampler.mean_) / sampler.scale_
    lr = LogisticRegression(max_iter=2000, class_weight=class_weight).fit(Z[~val], y[~val])
    logits = Z @ sampler.proxy_weight_.T + sampler.proxy_bias_
    p = np.exp(logits - logits.max(1, keepdims=True))
    np.testing.assert_allclose(p / p.sum(1, keepdims=True), lr.predict_proba(Z), atol=1e-8)
    w = (compute_sample_weight("balanced", y[val]) if class_weight else np.ones(val.sum()))

    def loss(W, b):
        z = Z[val] @ W.T + b
        logp = z - z.max(1, keepdims=True)
        logp = logp - np.log(np.exp(logp).sum(1, keepdims=True))
        return -(w * logp[np.arange(len(w)), y[val]]).sum() / w.sum()

    W, b = sampler.proxy_weight_, sampler.proxy_bias_
    g_W, g_b = sampler.validation_gradient_
    h = 1e-6
    for i, j in [(0, 0), (1, 3), (2, 4)]:
        E = np.zeros_like(W)
        E[i, j] = h
        assert g_W[i, j] == pytest.approx((loss(W + E, b) - loss(W - E, b)) / (2 * h),
                                          rel=1e-5, abs=1e-9)
    for k in range(3):
        e = np.zeros_like(b)
        e[k] = h
        assert g_b[k] == pytest.approx((loss(W, b + e) - loss(W, b - e)) / (2 * h),
                                       rel=1e-5, abs=1e-9)


def test_saflex_binary_proxy_is_the_logistic_model(binary_data):
    X, y = binary_data
    sampler = SAflexSampler(random_state=0)
    sampler.fit_resample(X, y)
    W, b = sampler.proxy_weight_, sampler.proxy_bias_
    np.testing.assert_allclose(W[0], -W[1])
    np.testing.assert_allclose(b[0], -b[1])


def test_saflex_temperature_draws_labels_and_default_augmenter_is_cutmix(three_classes):
    from skaug import CutMix

    X, y = three_classes
    default = SAflexSampler(random_state=0)
    X_a = default.fit_resample(X, y)[0]
    assert default.augmenter_ == CutMix(p=0.5) or default.augmenter_.get_params() == \
        CutMix(p=0.5).get_params()
    np.testing.assert_array_equal(X_a, SAflexSampler(CutMix(p=0.5), random_state=0)
                                  .fit_resample(X, y)[0])
    hot = SAflexSampler(beta=0.0, temperature=1.0, random_state=0)
    cold = SAflexSampler(beta=0.0, temperature=0.0, random_state=0)
    hot.fit_resample(X, y)
    cold.fit_resample(X, y)
    # Gumbel draws from softmax(Π̂) relabel differently from the argmax
    assert hot.relabelled_fraction_ != pytest.approx(cold.relabelled_fraction_)


def test_saflex_warns_when_it_cannot_make_the_rows_asked(three_classes):
    X, y = three_classes
    sampler = SAflexSampler(sampling_strategy={2: 2000}, batch_size=16, max_rounds=2,
                            random_state=0)
    with pytest.warns(UserWarning, match="fewer rows than sampling_strategy asks after "
                      r"max_rounds=2 .*\(class 2: \d+ of 1975 new rows\): .*Raise beta "
                      r"\(keeps more upstream labels\) or max_rounds\.$") as rec:
        _, y_res = sampler.fit_resample(X, y)
    assert rec[0].category is UserWarning
    # points at the user's call (not checked under mutation testing: its trampolines
    # add frames)
    under_mutmut = "MUTANT_UNDER_TEST" in os.environ
    assert under_mutmut or rec[0].filename == __file__
    two = SAflexSampler(sampling_strategy={1: 1000, 2: 1000}, batch_size=16, max_rounds=1,
                        random_state=0)
    with pytest.warns(UserWarning, match=r"\(class 1: \d+ of \d+ new rows, "
                                         r"class 2: \d+ of \d+ new rows\)"):
        two.fit_resample(X, y)
    pipe = make_pipeline(SAflexSampler(sampling_strategy={2: 2000}, batch_size=16,
                                       max_rounds=1, random_state=0),
                         LogisticRegression(max_iter=1000))
    with pytest.warns(UserWarning, match="fewer rows") as rec:
        pipe.fit(X, y)
    assert under_mutmut or rec[0].filename == __file__  # also through a pipeline
    assert sampler.n_rounds_ == 2
    assert 0 < (y_res == 2).sum() - (y == 2).sum() <= 2 * 16


def test_saflex_with_an_augmenter_that_returns_no_rows(three_classes):
    X, y = three_classes

    def nothing(X, Y, generator):
        return X[:0], Y[:0]

    sampler = SAflexSampler(nothing, max_rounds=3, random_state=0)
    with pytest.warns(UserWarning, match="fewer rows"):
        X_res, _ = sampler.fit_resample(X, y)
    assert len(X_res) == len(X) and sampler.n_rounds_ == 3 and sampler.kept_fraction_ == 0


def test_saflex_defaults_and_no_rows_asked():
    sampler = SAflexSampler()
    assert {k: v for k, v in sampler.get_params().items()} == {
        "augmenter": None, "sampling_strategy": "auto", "partners": "class", "beta": 3.0,
        "temperature": 0.0,
        "validation_fraction": 0.2, "class_weight": "balanced", "batch_size": 256,
        "max_rounds": 50, "random_state": None}
    X = np.random.RandomState(0).randn(40, 3)
    X[:, 1] = 7.0  # a constant feature: scale 1, and new rows keep it
    y = np.array([0, 1] * 20)
    X_res, _ = SAflexSampler(random_state=0).fit_resample(X, y)  # balanced: nothing to add
    assert len(X_res) == 40
    sampler = SAflexSampler(random_state=0)
    X_res, _ = sampler.fit_resample(X[:-4], y[:-4] * 0 + (np.arange(36) < 20))
    assert sampler.n_rounds_ >= 1 and sampler.scale_[1] == 1.0
    np.testing.assert_allclose(X_res[:, 1], 7.0)
    none = SAflexSampler(random_state=0)
    none.fit_resample(X, y)
    assert (none.n_rounds_, none.kept_fraction_, none.relabelled_fraction_) == (0, 0.0, 0.0)


def test_saflex_same_random_state_same_rows_with_gumbel_draws(three_classes):
    X, y = three_classes
    a = SAflexSampler(beta=0.5, temperature=0.5, random_state=3).fit_resample(X, y)[0]
    b = SAflexSampler(beta=0.5, temperature=0.5, random_state=3).fit_resample(X, y)[0]
    np.testing.assert_array_equal(a, b)


def test_saflex_split_error_says_what_to_do():
    X = np.arange(12.0).reshape(6, 2)
    with pytest.raises(ValueError, match="Every class needs at least 2 rows; use more data "
                                         "or another validation_fraction"):
        SAflexSampler().fit_resample(X, [0, 0, 0, 0, 0, 1])


def test_saflex_partners_of_all_classes_from_few_rows(binary_data):
    # a batch larger than the training part: partners are drawn with replacement
    X, y = binary_data
    X, y = X[::10], y[::10]  # 20 rows
    upstream = Recording()
    X_res, y_res = SAflexSampler(upstream, partners="all", beta=3.0, batch_size=64,
                                 random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).min() == np.bincount(y_res).max()
    assert all(len(i) == 64 for i in upstream.inputs)


def test_saflex_fits_an_upstream_copy_on_the_training_part_rows_and_labels(three_classes):
    X, y = three_classes
    upstream = FittedUpstream()
    sampler = SAflexSampler(upstream, random_state=0)
    sampler.fit_resample(X, y)
    assert not hasattr(upstream, "fitted_on_")  # the user's object stays as it was
    X_fit, y_fit = sampler.augmenter_.fitted_on_
    train = ~sampler.validation_mask_
    Z = (X - sampler.mean_) / sampler.scale_
    # float32, as the classifiers run a fitted augmenter's model: the training part's
    # standardised rows, each once, with their labels
    assert X_fit.dtype == torch.float32
    dist = _distances(X_fit, Z)
    rows = dist.argmin(axis=1)
    assert dist.min(axis=1).max() < 1e-5
    assert sorted(rows) == np.flatnonzero(train).tolist()
    np.testing.assert_array_equal(y_fit.numpy(), y[rows])


def test_saflex_fits_an_idaa_upstream_on_the_training_part(binary_data):
    from skaug import IDAA

    X, y = binary_data
    upstream = IDAA(vae_epochs=2, random_state=0)
    sampler = SAflexSampler(upstream, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [160, 160]
    assert hasattr(sampler.augmenter_, "vae_") and not hasattr(upstream, "vae_")


def test_saflex_upstream_strength_tunes_under_grid_search(binary_data):
    from skaug import CutMix

    X, y = binary_data
    pipe = make_pipeline(SAflexSampler(CutMix(), random_state=0),
                         LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"saflexsampler__augmenter__p": [0.1, 0.9]}, cv=2,
                          scoring="balanced_accuracy").fit(X, y)
    assert search.best_params_["saflexsampler__augmenter__p"] in (0.1, 0.9)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_saflex_filter_with_a_linear_proxy_is_a_half_space_per_class(binary_data):
    # Two classes: Π_ic = −p_io (J_ic − J_io) and J = G z + g_b is linear in the row z,
    # so the weight keeps the rows of class c on one side of a hyperplane (docs/samplers.md)
    X, y = binary_data
    upstream = Recording()
    sampler = SAflexSampler(upstream, batch_size=64, random_state=0)
    sampler.fit_resample(X, y)
    G, g_b = sampler.validation_gradient_
    cand = np.vstack([o[0].numpy() for o in upstream.outputs])
    c = np.vstack([o[1].numpy() for o in upstream.outputs]).argmax(axis=1)
    side = (cand @ (G[1] - G[0]).T + (g_b[1] - g_b[0])) * np.where(c == 1, 1, -1)
    W, b = sampler.proxy_weight_, sampler.proxy_bias_
    pi = _brute_force_pi(W, b, G, g_b, cand)
    keep = pi[np.arange(len(c)), c] >= 0
    np.testing.assert_array_equal(keep, side <= 0)
    assert 0 < keep.mean() < 1

