"""skaug.samplers._mixing: CutMix, Mixup and noise rows of one class."""

import numpy as np

from skaug.samplers import (
    CutMixSampler,
    MixupSampler,
    NoiseSampler,
)


def test_cutmix_rows_take_every_feature_from_a_row_of_their_class(binary_data):
    X, y = binary_data
    X_res, y_res = CutMixSampler(p=1.0, random_state=0).fit_resample(X, y)
    new = X_res[len(X):]
    minority = X[y == 1]
    for j in range(X.shape[1]):
        assert np.isin(new[:, j], minority[:, j]).all()


def test_mixup_rows_lie_between_two_rows_of_their_class():
    a, b = np.array([0.0, 0.0]), np.array([2.0, 4.0])
    # the other class's rows all distinct, so no column is discrete (ColumnTypes)
    X = np.vstack([np.random.RandomState(0).rand(10, 2) + [5, 5], a, b])
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

