"""skaug.samplers._isda: draws from ISDA/IADA's distribution."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skaug.samplers import (
    ISDASampler,
)


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


def test_isda_epsilon_moves_rows_along_the_proxy_gradient(binary_data):
    X, y = binary_data
    base = ISDASampler(lambda0=0.0, random_state=0).fit_resample(X, y)[0][len(X):]
    sampler = ISDASampler(lambda0=0.0, epsilon=1.0, random_state=0)
    moved = sampler.fit_resample(X, y)[0][len(X):]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    # harder rows: the proxy's probability of the true class (1) goes down
    assert (lr.predict_proba(moved)[:, 1] < lr.predict_proba(base)[:, 1]).all()
    step = np.linalg.norm(moved - base, axis=1)
    np.testing.assert_allclose(step, sampler.spread_, rtol=1e-6)

