"""SeA's semantic adversarial rows against a proxy bias-free linear head."""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..methods.common import unit_normalize
from ..methods.sea import sea_augment
from .base import BaseFeatureOverSampler, PerFit


class SeASampler(BaseFeatureOverSampler):
    """SeA's semantic adversarial rows (Eq. 11) against a proxy bias-free linear head.

    Rows are made unit-length (Π, Eq. 1), a ``LogisticRegression`` without
    intercept is fitted on them as the frozen head, and each new row is
    ``Π(x_i + η Π(ĝ_i))`` for a drawn row ``x_i`` of the class, ``ĝ_i`` the
    semantic direction (Eq. 6–10) over a batch of ``batch_size`` rows of all
    classes (:func:`skaug.methods.sea.sea_augment`); it is returned at the
    length of its source row.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    eta : float, default=0.2
    alpha : float, default=0.01
    direction : {"sea", "adv", "sea_neg", "rand", "mixup"}, default="sea"
    batch_size : int, default=256
        Rows of all classes that the semantic direction is projected on.
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "eta": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "direction": [StrOptions({"sea", "adv", "sea_neg", "rand", "mixup"})],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
    }

    def __init__(self, *, sampling_strategy="auto", eta=0.2, alpha=0.01, direction="sea",
                 batch_size=256, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.eta = eta
        self.alpha = alpha
        self.direction = direction
        self.batch_size = batch_size
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        unit = unit_normalize(torch.as_tensor(X)).numpy()
        return PerFit(norms=np.linalg.norm(X, axis=1),  # float64: no overflow below 1e154
                      unit=unit, weight=self._proxy_weight(unit, y, fit_intercept=False)[0])

    def _new_rows(self, X, y, c, n, rng, fit):
        _, idx = self._draw(X, y, c, n, rng)
        generator = self._generator(rng)
        chunk = max(self.batch_size // 2, 1)
        out = []
        for start in range(0, n, chunk):
            # a batch: the source rows, then rows of all classes to project on (Eq. 9)
            source = idx[start : start + chunk]
            context = rng.choice(len(X), min(self.batch_size - len(source), len(X)),
                                 replace=False)
            rows = np.concatenate([source, context])
            codes = torch.as_tensor(np.searchsorted(self.proxy_classes_, y[rows]))
            aug = sea_augment(torch.as_tensor(fit.unit[rows]), codes, fit.weight,
                              eta=self.eta, alpha=self.alpha, direction=self.direction,
                              generator=generator)
            out.append(aug[: len(source)].numpy() * fit.norms[source, None])
        return np.vstack(out)
