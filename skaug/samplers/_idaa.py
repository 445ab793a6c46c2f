"""Rows from a feature VAE (IDAA): the residual kept, the latent code moved."""

from numbers import Integral, Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._shell._runtime import draw_seed
from ..augmenters import IDAA
from .base import BaseFeatureOverSampler, PerFit


class IDAASampler(BaseFeatureOverSampler):
    """Rows ``R(x) + D(E(x) + δ)`` from a feature VAE (IDAA), ``R(x) = x − D(E(x))`` kept.

    A :class:`skaug.IDAA` augmenter (VAE on standardised rows) is fitted on all
    rows; ``δ = epsilon · sign(∇_δ CE)`` is one FGSM step on the latent code
    against a proxy LogisticRegression (``attack="fgsm"``), or ``epsilon``
    times a uniformly random sign vector (``attack=None``: latent noise of the
    same size, no model).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    latent_dim : int, default=8
    epsilon : float, default=0.3
    attack : {"fgsm"} or None, default="fgsm"
    vae_epochs : int, default=50
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **BaseFeatureOverSampler._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "attack": [StrOptions({"fgsm"}), None],
        "vae_epochs": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, *, sampling_strategy="auto", latent_dim=8, epsilon=0.3, attack="fgsm",
                 vae_epochs=50, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.latent_dim = latent_dim
        self.epsilon = epsilon
        self.attack = attack
        self.vae_epochs = vae_epochs
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        self.augmenter_ = IDAA(latent_dim=self.latent_dim, epsilon=self.epsilon,
                               vae_epochs=self.vae_epochs, random_state=draw_seed(rng))
        self.augmenter_.fit(torch.as_tensor(X, dtype=torch.float32))
        if self.attack == "fgsm":
            weight, bias = self._proxy_weight(X, y)
            return PerFit(weight=weight.float(), bias=bias.float())

    def _new_rows(self, X, y, c, n, rng, fit):
        rows = torch.as_tensor(self._draw(X, y, c, n, rng)[0], dtype=torch.float32)
        if self.attack == "fgsm":
            weight, bias = fit.weight, fit.bias
            Y = torch.zeros(n, len(self.proxy_classes_))
            Y[:, self._class_index(c)] = 1.0
            X_aug, _ = self.augmenter_(rows, Y, model=lambda x: x @ weight.T + bias)
            return X_aug.detach().numpy()
        vae = self.augmenter_.vae_
        with torch.no_grad():
            z = vae.encode(rows)[0]
            signs = torch.as_tensor(rng.choice([-1.0, 1.0], size=tuple(z.shape)),
                                    dtype=z.dtype)
            decoded = vae.decode(z)
            return (rows - decoded + vae.decode(z + self.epsilon * signs)).numpy()
