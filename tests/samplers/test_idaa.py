"""skaug.samplers._idaa: rows from the feature VAE."""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from skaug.samplers import (
    IDAASampler,
)
from tests._helpers import _distances


def test_idaa_rows_are_residual_plus_decoded_shifted_code(binary_data):
    X, y = binary_data
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


def test_idaa_fgsm_rows_lower_the_proxy_probability_of_their_class(binary_data):
    X, y = binary_data
    plain = IDAASampler(epsilon=0.0, vae_epochs=5, random_state=0).fit_resample(X, y)[0]
    attacked = IDAASampler(epsilon=1.0, vae_epochs=5, random_state=0).fit_resample(X, y)[0]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    p_plain = lr.predict_proba(plain[len(X):])[:, 1]
    p_attacked = lr.predict_proba(attacked[len(X):])[:, 1]
    assert p_attacked.mean() < p_plain.mean()

