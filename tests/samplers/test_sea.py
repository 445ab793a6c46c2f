"""skaug.samplers._sea: SeA's rows against a proxy head."""

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression

from skaug.methods.sea import sea_augment
from skaug.samplers import (
    SeASampler,
)
from tests._helpers import _distances


def test_sea_rows_are_sea_augment_of_the_same_head_and_batch(binary_data):
    X, y = binary_data
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


def test_sea_with_eta_zero_returns_rows_of_the_class(binary_data):
    X, y = binary_data
    new = SeASampler(eta=0.0, random_state=0).fit_resample(X, y)[0][len(X):]
    dist = _distances(new, X[y == 1]).min(axis=1)
    assert dist.max() < 1e-9

