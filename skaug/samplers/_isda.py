"""Explicit draws from ISDA/IADA's distribution of a perturbed row."""

from numbers import Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ..methods.common import softmax_input_gradient, unit_normalize
from ..methods.iada import ClassCovariance
from .base import BaseFeatureOverSampler, PerFit


class ISDASampler(BaseFeatureOverSampler):
    """Explicit draws from ISDA/IADA's perturbation: ``x + ε·s·u(x) + N(0, λ Σ_c)``.

    ``Σ_c`` is the covariance of class ``c`` (skaug's ISDA estimator,
    :class:`skaug.methods.iada.ClassCovariance`), ``s`` the root-mean-square
    distance of a row from its class mean, ``u(x)`` the unit gradient of a
    proxy LogisticRegression's cross-entropy at ``x`` (harder rows for
    ``ε > 0``, easier for ``ε < 0``). ``ε = 0`` (default) is ISDA: the
    class-conditional Gaussian whose expected loss ISDA's surrogate bounds.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    lambda0 : float, default=0.5
        λ, the covariance scale (ISDA's λ0).
    epsilon : float, default=0.0
    covariance : {"full", "diag"}, default="full"
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "lambda0": [Interval(Real, 0, None, closed="left")],
        "epsilon": [Real],
        "covariance": [StrOptions({"full", "diag"})],
    }

    def __init__(self, *, sampling_strategy="auto", lambda0=0.5, epsilon=0.0, covariance="full",
                 random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.lambda0 = lambda0
        self.epsilon = epsilon
        self.covariance = covariance
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        classes, codes = np.unique(y, return_inverse=True)
        stats = ClassCovariance(len(classes), X.shape[1], self.covariance == "diag").double()
        stats.update(torch.as_tensor(X), torch.as_tensor(codes))
        self.covariances_ = stats.covariance.numpy().copy()
        self.spread_ = float(stats.spread())
        fit = PerFit(classes=classes)
        if self.epsilon != 0:
            fit.weight, fit.bias = self._proxy_weight(X, y)
        return fit

    def _new_rows(self, X, y, c, n, rng, fit):
        rows = self._draw(X, y, c, n, rng)[0]
        k = int(np.searchsorted(fit.classes, c))
        cov = self.covariances_[k]
        z = rng.standard_normal((n, X.shape[1]))
        if self.covariance == "diag":
            noise = z * np.sqrt(self.lambda0 * cov)
        else:
            noise = z @ _psd_sqrt(cov).T * np.sqrt(self.lambda0)
        if self.epsilon != 0:
            x = torch.as_tensor(rows)
            labels = torch.full((n,), self._class_index(c), dtype=torch.long)
            logits = x @ fit.weight.T + fit.bias
            u = unit_normalize(softmax_input_gradient(logits, labels, fit.weight)).numpy()
            noise = noise + self.epsilon * self.spread_ * u
        return rows + noise


def _psd_sqrt(cov):
    """``L`` with ``L Lᵀ = Σ`` (Cholesky, continuous in Σ; a tiny ridge makes a singular Σ
    positive definite: 1e-12 of its mean variance)."""
    ridge = 1e-12 * max(np.trace(cov) / len(cov), np.finfo(float).tiny)
    return np.linalg.cholesky(cov + ridge * np.eye(len(cov)))
