"""skaug.samplers: imbalanced-learn samplers checked against their definitions."""

import numpy as np
import pytest
import torch

imblearn = pytest.importorskip("imblearn")

from imblearn.pipeline import make_pipeline  # noqa: E402
from imblearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skaug.methods.common import unit_normalize  # noqa: E402
from skaug.methods.sea import sea_augment  # noqa: E402
from skaug.samplers import (  # noqa: E402
    CutMixSampler,
    IDAASampler,
    ISDASampler,
    MixupSampler,
    NoiseSampler,
    SeASampler,
)

SAMPLERS = [CutMixSampler, MixupSampler, NoiseSampler, ISDASampler, SeASampler, IDAASampler]


# Defaults but random_state=0: imbalanced-learn's checks compare two fit_resample calls
# (numpy vs pandas input) and fail for its own SMOTE() too when the draws are unseeded.
@parametrize_with_checks(
    [S(random_state=0) for S in SAMPLERS],
    expected_failed_checks=lambda est: {
        "check_samplers_pandas_sparse": "dense rows only: the augmentations mix and perturb "
                                        "dense feature vectors; sparse input gets a TypeError"},
)
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


def test_sea_with_eta_zero_returns_rows_of_the_class(data):
    X, y = data
    new = SeASampler(eta=0.0, random_state=0).fit_resample(X, y)[0][len(X):]
    dist = np.abs(new[:, None, :] - X[y == 1][None]).max(axis=2).min(axis=1)
    assert dist.max() < 1e-9


def test_idaa_rows_are_residual_plus_decoded_shifted_code(data):
    X, y = data
    sampler = IDAASampler(epsilon=0.0, vae_epochs=3, random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    # ε = 0: R(x) + D(E(x)) = x, a row of the class (float32 rounding)
    dist = np.abs(new[:, None, :] - X[y == 1][None]).max(axis=2).min(axis=1)
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
