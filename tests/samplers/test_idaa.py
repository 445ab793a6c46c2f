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
    # ε = 0: R(x) + D(E(x)) = x, an exact copy of a row of the class (the VAE runs in
    # float32, the source row is kept in float64), for either attack
    for attack in ("fgsm", None):
        sampler = IDAASampler(epsilon=0.0, attack=attack, vae_epochs=3, random_state=0)
        new = sampler.fit_resample(X, y)[0][len(X):]
        assert _distances(new, X[y == 1]).min(axis=1).max() == 0.0
    # attack=None: δ = ε · random signs; the same draws by hand give the same rows
    # (the default attack: a random direction, benchmarks/results/
    # default_strengths_sampler_strengths.md)
    assert IDAASampler().attack is None
    sampler = IDAASampler(sampling_strategy={0: 160, 1: 40 + 25}, epsilon=0.5,
                          vae_epochs=3, random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)  # the VAE's seed
    source = X[rng.choice(np.flatnonzero(y == 1), 25, replace=True)]
    vae = sampler.augmenter_.vae_
    with torch.no_grad():
        z = vae.encode(torch.as_tensor(source, dtype=torch.float32))[0]
        signs = torch.as_tensor(rng.choice([-1.0, 1.0], size=tuple(z.shape)), dtype=z.dtype)
        moved = vae.decode(z + 0.5 * signs) - vae.decode(z)
    np.testing.assert_allclose(new, source + moved.double().numpy(), rtol=1e-12, atol=1e-12)


def test_idaa_fgsm_rows_lower_the_proxy_probability_of_their_class(binary_data):
    X, y = binary_data
    plain = IDAASampler(epsilon=0.0, attack="fgsm", vae_epochs=5,
                        random_state=0).fit_resample(X, y)[0]
    attacked = IDAASampler(epsilon=1.0, attack="fgsm", vae_epochs=5,
                           random_state=0).fit_resample(X, y)[0]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    p_plain = lr.predict_proba(plain[len(X):])[:, 1]
    p_attacked = lr.predict_proba(attacked[len(X):])[:, 1]
    assert p_attacked.mean() < p_plain.mean()



def test_idaa_fgsm_rows_are_one_latent_sign_step_against_the_proxy_model():
    # three classes: the gradient's sign depends on the proxy's probabilities (its bias too)
    from sklearn.datasets import make_classification

    X, y = make_classification(150, n_features=5, n_informative=4, n_redundant=0,
                               n_classes=3, weights=[0.5, 0.3, 0.2], random_state=1)
    eps = 0.7
    sampler = IDAASampler(sampling_strategy={2: int((y == 2).sum()) + 20}, epsilon=eps,
                          attack="fgsm", vae_epochs=3, random_state=0)
    new = sampler.fit_resample(X, y)[0][len(X):]
    rng = np.random.RandomState(0)
    rng.randint(np.iinfo(np.int32).max)  # the VAE's seed
    source = X[rng.choice(np.flatnonzero(y == 2), 20, replace=True)]
    lr = LogisticRegression(max_iter=2000).fit(X, y)
    weight = torch.as_tensor(lr.coef_, dtype=torch.float32)
    bias = torch.as_tensor(lr.intercept_, dtype=torch.float32)
    vae = sampler.augmenter_.vae_
    rows = torch.as_tensor(source, dtype=torch.float32)
    with torch.no_grad():
        z = vae.encode(rows)[0]
        decoded = vae.decode(z)
    delta = torch.zeros_like(z, requires_grad=True)
    logits = (rows - decoded + vae.decode(z + delta)) @ weight.T + bias
    loss = torch.nn.functional.cross_entropy(logits, torch.full((20,), 2), reduction="sum")
    (grad,) = torch.autograd.grad(loss, delta)
    with torch.no_grad():
        moved = vae.decode(z + eps * grad.sign()) - decoded
    np.testing.assert_allclose(new, source + moved.double().numpy(), rtol=1e-5, atol=1e-5)
    # not random signs of the same size: those rows differ
    other = IDAASampler(sampling_strategy={2: int((y == 2).sum()) + 20}, epsilon=eps,
                        attack=None, vae_epochs=3, random_state=0).fit_resample(X, y)[0]
    assert np.abs(other[len(X):] - new).max() > 1e-3
