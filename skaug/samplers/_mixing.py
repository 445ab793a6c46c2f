"""New rows by mixing or perturbing rows of one class: CutMix, Mixup, Gaussian noise."""

from numbers import Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..augmenters import CutMix, GaussianNoise, Mixup
from .base import BaseFeatureOverSampler, PerFit, augmenter_rows


class CutMixSampler(BaseFeatureOverSampler):
    """New rows by tabular CutMix between two rows of the same class.

    Each feature of a drawn row is replaced, with probability ``p``, by that of
    another drawn row of its class (:class:`skaug.CutMix`).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
        See :mod:`skaug.samplers`.
    p : float, default=0.5
    random_state : int, RandomState instance or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> from skaug.samplers import CutMixSampler
    >>> X = np.arange(20.0).reshape(10, 2); y = np.array([0] * 8 + [1] * 2)
    >>> X_res, y_res = CutMixSampler(random_state=0).fit_resample(X, y)
    >>> X_res.shape, int((y_res == 1).sum())
    ((16, 2), 8)
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, sampling_strategy="auto", p=0.5, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.p = p
        self.random_state = random_state

    def _new_rows(self, X, y, c, n, rng, fit):
        return augmenter_rows(CutMix(p=self.p), self._draw(X, y, c, n, rng)[0], n,
                               self._generator(rng))


class MixupSampler(BaseFeatureOverSampler):
    """New rows ``λ x_i + (1 − λ) x_j`` between two rows of the same class, ``λ ~ Beta(α, α)``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    alpha : float, default=0.2
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, sampling_strategy="auto", alpha=0.2, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.alpha = alpha
        self.random_state = random_state

    def _new_rows(self, X, y, c, n, rng, fit):
        return augmenter_rows(Mixup(alpha=self.alpha), self._draw(X, y, c, n, rng)[0], n,
                               self._generator(rng))


class NoiseSampler(BaseFeatureOverSampler):
    """New rows ``x + std · σ ⊙ N(0, I)``: drawn rows of the class plus Gaussian noise.

    ``σ`` is each feature's standard deviation over all rows, so ``std`` is in
    units of the feature's spread (``relative=False``: in the feature's units).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    std : float, default=0.1
    relative : bool, default=True
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "std": [Interval(Real, 0, None, closed="left")],
        "relative": ["boolean"],
    }

    def __init__(self, *, sampling_strategy="auto", std=0.1, relative=True, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.std = std
        self.relative = relative
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        return PerFit(scale=X.std(axis=0) if self.relative else np.ones(X.shape[1]))

    def _new_rows(self, X, y, c, n, rng, fit):
        rows = self._draw(X, y, c, n, rng)[0]
        noise = augmenter_rows(GaussianNoise(std=self.std), np.zeros_like(rows), n,
                                self._generator(rng))
        return rows + noise * fit.scale
