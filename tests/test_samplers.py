"""skaug.samplers: imbalanced-learn samplers checked against their definitions."""

import os
import warnings

import numpy as np
import pytest
import torch

imblearn = pytest.importorskip("imblearn")

from imblearn.pipeline import make_pipeline  # noqa: E402
from imblearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skaug.methods.sea import sea_augment  # noqa: E402
from skaug.samplers import (  # noqa: E402
    CutMixSampler,
    IDAASampler,
    ISDASampler,
    MixupSampler,
    NoiseSampler,
    SAflexSampler,
    SeASampler,
)

SAMPLERS = [CutMixSampler, MixupSampler, NoiseSampler, ISDASampler, SeASampler, IDAASampler,
            SAflexSampler]


# Defaults but random_state=0: imbalanced-learn's checks compare two fit_resample calls
# (numpy vs pandas input) and fail for its own SMOTE() too when the draws are unseeded.
_checks = parametrize_with_checks(
    [S(random_state=0) for S in SAMPLERS],
    expected_failed_checks=lambda est: {
        "check_samplers_pandas_sparse": "dense rows only: the augmentations mix and perturb "
                                        "dense feature vectors; sparse input gets a TypeError"},
)
# its parameter sets come as a generator: a list, so that the module can be collected
# again in the same process (mutation testing runs pytest in-process, more than once)
_checks = pytest.mark.parametrize(_checks.args[0], list(_checks.args[1]), **_checks.kwargs)


@_checks
def test_imbalanced_learn_and_sklearn_checks_with_defaults(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(200, n_features=6, n_informative=4, weights=[0.8],
                               random_state=0)
    return X, y


@pytest.mark.parametrize("S", SAMPLERS)
def test_originals_first_then_new_rows_of_the_asked_classes(S, data):
    X, y = data
    kw = {"vae_epochs": 3} if S is IDAASampler else {}
    X_res, y_res = S(random_state=0, **kw).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    assert np.bincount(y_res).tolist() == [160, 160]
    again = S(random_state=0, **kw).fit_resample(X, y)[0]
    np.testing.assert_array_equal(again, X_res)  # same random_state, same rows


@pytest.mark.parametrize("strategy, counts", [
    ("auto", [160, 160]), ({0: 170, 1: 50}, [170, 50]), (2.0, [320, 80]), (0.5, [160, 80]),
])
def test_sampling_strategy_as_in_imbalanced_learn_plus_multipliers(data, strategy, counts):
    X, y = data
    _, y_res = MixupSampler(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == counts


def test_cutmix_rows_take_every_feature_from_a_row_of_their_class(data):
    X, y = data
    X_res, y_res = CutMixSampler(p=1.0, random_state=0).fit_resample(X, y)
    new = X_res[len(X):]
    minority = X[y == 1]
    for j in range(X.shape[1]):
        assert np.isin(new[:, j], minority[:, j]).all()


def test_mixup_rows_lie_between_two_rows_of_their_class():
    a, b = np.array([0.0, 0.0]), np.array([2.0, 4.0])
    X = np.vstack([np.zeros((10, 2)) + [5, 5], a, b])
    y = np.array([0] * 10 + [1, 1])
    X_res, _ = MixupSampler(alpha=0.5, random_state=0).fit_resample(X, y)
    new = X_res[len(X):]
    t = new[:, 0] / 2  # on the segment a→b: x = t·b, t ∈ [0, 1]
    np.testing.assert_allclose(new, t[:, None] * b, atol=1e-12)
    assert ((t >= 0) & (t <= 1)).all() and len(np.unique(t.round(6))) > 3


def test_noise_rows_are_gaussian_around_their_source_in_feature_units():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.randn(50, 3) * [1, 10, 100], np.tile([1.0, 2.0, 3.0], (2, 1))])
    y = np.array([0] * 50 + [1, 1])
    sigma = X.std(axis=0)
    sampler = NoiseSampler(sampling_strategy={0: 50, 1: 20002}, std=0.2, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    noise = X_res[len(X):] - [1.0, 2.0, 3.0]
    np.testing.assert_allclose(noise.mean(0) / sigma, 0, atol=0.01)
    np.testing.assert_allclose(noise.std(0) / sigma, 0.2, rtol=0.02)


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_isda_draws_have_the_class_mean_and_one_plus_lambda_covariance(covariance):
    rng = np.random.RandomState(0)
    A = np.array([[1.0, 0.0, 0.0], [0.8, 0.5, 0.0], [0.0, -0.3, 0.4]])
    minority = rng.randn(40, 3) @ A.T + [3, -1, 2]
    X = np.vstack([rng.randn(100, 3), minority])
    y = np.array([0] * 100 + [1] * 40)
    lam = 0.5
    sampler = ISDASampler(sampling_strategy={0: 100, 1: 40 + 60000}, lambda0=lam,
                          covariance=covariance, random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    new = X_res[len(X):]
    cov = np.cov(minority.T, bias=True)
    np.testing.assert_allclose(sampler.covariances_[1], cov if covariance == "full"
                               else np.diag(cov), atol=1e-10)
    # a drawn row of the class (mean μ, covariance Σ) plus N(0, λΣ): mean μ, (1 + λ)Σ;
    # with the diagonal only, the noise is N(0, λ diag Σ): Σ + λ diag Σ
    want = cov + lam * (cov if covariance == "full" else np.diag(np.diag(cov)))
    np.testing.assert_allclose(new.mean(0), minority.mean(0), atol=0.03)
    np.testing.assert_allclose(np.cov(new.T), want, atol=0.04)


def test_isda_epsilon_moves_rows_along_the_proxy_gradient(data):
    X, y = data
    base = ISDASampler(lambda0=0.0, random_state=0).fit_resample(X, y)[0][len(X):]
    sampler = ISDASampler(lambda0=0.0, epsilon=1.0, random_state=0)
    moved = sampler.fit_resample(X, y)[0][len(X):]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    # harder rows: the proxy's probability of the true class (1) goes down
    assert (lr.predict_proba(moved)[:, 1] < lr.predict_proba(base)[:, 1]).all()
    step = np.linalg.norm(moved - base, axis=1)
    np.testing.assert_allclose(step, sampler.spread_, rtol=1e-6)


def test_sea_rows_are_sea_augment_of_the_same_head_and_batch(data):
    X, y = data
    n, bs = 30, 200
    sampler = SeASampler(sampling_strategy={0: 160, 1: 40 + n}, eta=0.3, batch_size=bs,
                         random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    # the same draws, by hand: sources of class 1, the generator seed, then the context rows
    rng = np.random.RandomState(0)
    source = rng.choice(np.flatnonzero(y == 1), n, replace=True)
    generator = torch.Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))
    context = rng.choice(len(X), min(bs - n, len(X)), replace=False)
    rows = np.concatenate([source, context])
    unit = X / np.linalg.norm(X, axis=1, keepdims=True)
    w = LogisticRegression(max_iter=2000, fit_intercept=False).fit(unit, y).coef_
    weight = torch.as_tensor(np.vstack([-w / 2, w / 2]))
    want = sea_augment(torch.as_tensor(unit[rows]), torch.as_tensor(y[rows]), weight, eta=0.3,
                       alpha=0.01, generator=generator)[:n].numpy()
    want = want * np.linalg.norm(X[source], axis=1, keepdims=True)
    np.testing.assert_allclose(new, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(new, axis=1), np.linalg.norm(X[source], axis=1))


def _distances(A, B):
    """Largest absolute feature difference between each row of ``A`` and each of ``B``."""
    return np.abs(np.asarray(A)[:, None, :] - np.asarray(B)[None]).max(axis=2)


def test_sea_with_eta_zero_returns_rows_of_the_class(data):
    X, y = data
    new = SeASampler(eta=0.0, random_state=0).fit_resample(X, y)[0][len(X):]
    dist = _distances(new, X[y == 1]).min(axis=1)
    assert dist.max() < 1e-9


def test_idaa_rows_are_residual_plus_decoded_shifted_code(data):
    X, y = data
    sampler = IDAASampler(epsilon=0.0, vae_epochs=3, random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    # ε = 0: R(x) + D(E(x)) = x, a row of the class (float32 rounding)
    dist = _distances(new, X[y == 1]).min(axis=1)
    assert dist.max() < 1e-4
    # attack=None: δ = ε · random signs; the same draws by hand give the same rows
    sampler = IDAASampler(sampling_strategy={0: 160, 1: 40 + 25}, epsilon=0.5, attack=None,
                          vae_epochs=3, random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)  # the VAE's seed
    source = torch.as_tensor(X[rng.choice(np.flatnonzero(y == 1), 25, replace=True)],
                             dtype=torch.float32)
    vae = sampler.augmenter_.vae_
    with torch.no_grad():
        z = vae.encode(source)[0]
        signs = torch.as_tensor(rng.choice([-1.0, 1.0], size=tuple(z.shape)), dtype=z.dtype)
        want = source - vae.decode(z) + vae.decode(z + 0.5 * signs)
    np.testing.assert_allclose(new, want.numpy(), rtol=1e-5, atol=1e-6)


def test_idaa_fgsm_rows_lower_the_proxy_probability_of_their_class(data):
    X, y = data
    plain = IDAASampler(epsilon=0.0, vae_epochs=5, random_state=0).fit_resample(X, y)[0]
    attacked = IDAASampler(epsilon=1.0, vae_epochs=5, random_state=0).fit_resample(X, y)[0]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    p_plain = lr.predict_proba(plain[len(X):])[:, 1]
    p_attacked = lr.predict_proba(attacked[len(X):])[:, 1]
    assert p_attacked.mean() < p_plain.mean()


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
    assert not keep.all() or beta < 2  # with β ≥ 2 some rows are dropped here
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


def test_saflex_binary_proxy_is_the_logistic_model(data):
    X, y = data
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


def test_saflex_partners_of_all_classes_from_few_rows(data):
    # a batch larger than the training part: partners are drawn with replacement
    X, y = data
    X, y = X[::10], y[::10]  # 20 rows
    upstream = Recording()
    X_res, y_res = SAflexSampler(upstream, partners="all", beta=3.0, batch_size=64,
                                 random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).min() == np.bincount(y_res).max()
    assert all(len(i) == 64 for i in upstream.inputs)


class FittedUpstream(Recording):
    """An upstream augmenter with a ``fit``: SAflexSampler fits a copy of it."""

    def fit(self, X, y):
        self.fitted_on_ = (X.clone(), y.clone())
        return self


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


def test_saflex_fits_an_idaa_upstream_on_the_training_part(data):
    from skaug import IDAA

    X, y = data
    upstream = IDAA(vae_epochs=2, random_state=0)
    sampler = SAflexSampler(upstream, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [160, 160]
    assert hasattr(sampler.augmenter_, "vae_") and not hasattr(upstream, "vae_")


def test_saflex_upstream_strength_tunes_under_grid_search(data):
    from skaug import CutMix

    X, y = data
    pipe = make_pipeline(SAflexSampler(CutMix(), random_state=0),
                         LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"saflexsampler__augmenter__p": [0.1, 0.9]}, cv=2,
                          scoring="balanced_accuracy").fit(X, y)
    assert search.best_params_["saflexsampler__augmenter__p"] in (0.1, 0.9)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_in_an_imblearn_pipeline_under_grid_search(data):
    X, y = data
    pipe = make_pipeline(CutMixSampler(random_state=0), LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"cutmixsampler__p": [0.1, 0.9]}, cv=2,
                          scoring="balanced_accuracy").fit(X, y)
    assert search.best_params_["cutmixsampler__p"] in (0.1, 0.9)
    assert search.predict(X).shape == y.shape


def test_bad_input_says_what_to_do(data):
    X, y = data
    X = X.copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MixupSampler().fit_resample(X, y)
    with pytest.raises(ValueError):
        MixupSampler(sampling_strategy=-1.0).fit_resample(np.ones((4, 2)), [0, 0, 1, 1])


@pytest.mark.parametrize("S", SAMPLERS)
def test_fitted_samplers_save_with_skops(S, data):
    import skops.io as sio

    from skaug.persistence import skaug_types

    X, y = data
    kw = {"vae_epochs": 2} if S is IDAASampler else {}
    sampler = S(random_state=0, **kw)
    sampler.fit_resample(X, y)
    blob = sio.dumps(sampler)
    untrusted = set(sio.get_untrusted_types(data=blob))
    assert untrusted <= set(skaug_types())
    restored = sio.loads(blob, trusted=list(untrusted))
    np.testing.assert_array_equal(restored.fit_resample(X, y)[0], sampler.fit_resample(X, y)[0])


def test_compare_runs_sampler_pipelines_beside_the_baselines():
    from skaug.compare import compare, parse_methods
    from skaug.datasets import load_builtin

    assert parse_methods("smote+hgb,idaa-sampler+lr") == ["lr", "hgb", "smote+hgb",
                                                          "idaa-sampler+lr"]
    with pytest.raises(ValueError, match="<sampler>\\+lr"):
        parse_methods("smote+svm")
    X, y = load_builtin("qsar_biodeg")
    rows_ = np.random.RandomState(0).permutation(len(y))[:300]
    rows = compare(X[rows_], y[rows_], ["smote+lr", "mixup-sampler+lr"], cv=2, progress=False)
    assert [r["role"] for r in rows] == ["baseline", "baseline", "baseline", "method"]
    assert rows[3]["model"] == "MixupSampler → LogisticRegression"
    assert "model__C=" in rows[3]["tuned"]


def test_compare_chooses_the_sampler_by_inner_cv_among_a_library_s_seven():
    from imblearn.over_sampling import ADASYN, SMOTE

    from skaug.compare import SAMPLER_CHOICES, parse_methods, sampler_model, tuned_search

    assert parse_methods("saflex-sampler+hgb,skaug-samplers+lr,imblearn-samplers+hgb") == [
        "lr", "hgb", "saflex-sampler+hgb", "skaug-samplers+lr", "imblearn-samplers+hgb"]
    assert sampler_model("saflex-sampler+hgb").label == "SAflexSampler → HistGradientBoosting"
    skaug_family = sampler_model("skaug-samplers+lr")
    assert skaug_family.role == "method"
    assert [type(s).__name__ for s in skaug_family.grid["sampler"]] == [
        "CutMixSampler", "MixupSampler", "NoiseSampler", "ISDASampler", "SeASampler",
        "IDAASampler", "SAflexSampler"]
    imblearn_family = sampler_model("imblearn-samplers+hgb")
    assert imblearn_family.role == "baseline"
    assert len(imblearn_family.grid["sampler"]) == 7 == len(SAMPLER_CHOICES["skaug-samplers"][2])
    # the candidates carry compare's seed; the model's own grid is searched jointly
    X, y = make_classification(120, n_features=4, n_informative=3, n_redundant=0,
                               weights=[0.85], random_state=0)
    search = tuned_search(imblearn_family, "passthrough", X, y, inner_cv=2,
                          metric="balanced_accuracy", class_weight=None, epochs=1, seed=7)
    samplers = search.param_grid["model__sampler"]
    assert {s.random_state for s in samplers} == {7}
    assert search.param_grid["model__model__learning_rate"] == [0.03, 0.1, 0.3]
    # a sampler that refuses the data (ADASYN: no neighbour of another class) is skipped
    X_sep = np.vstack([np.zeros((40, 2)), 10 + np.random.RandomState(0).rand(20, 2)])
    y_sep = np.array([0] * 40 + [1] * 20)
    with pytest.raises((RuntimeError, ValueError)):
        ADASYN(random_state=0).fit_resample(X_sep, y_sep)
    search = tuned_search(imblearn_family, "passthrough", X_sep, y_sep, inner_cv=2,
                          metric="balanced_accuracy", class_weight=None, epochs=1, seed=0)
    search.param_grid = {"model__sampler": [ADASYN(random_state=0), SMOTE(random_state=0)]}
    from sklearn.exceptions import FitFailedWarning

    with pytest.warns(FitFailedWarning, match="ADASYN is not suited"), \
            pytest.warns(UserWarning, match="non-finite"):
        search.fit(X_sep, y_sep)
    assert isinstance(search.best_params_["model__sampler"], SMOTE)
    # a single sampler stays strict: its failure is the user's answer
    assert sampler_model("adasyn+lr").error_score == "raise"


def test_saflex_filter_with_a_linear_proxy_is_a_half_space_per_class(data):
    # Two classes: Π_ic = −p_io (J_ic − J_io) and J = G z + g_b is linear in the row z,
    # so the weight keeps the rows of class c on one side of a hyperplane (docs/samplers.md)
    X, y = data
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
