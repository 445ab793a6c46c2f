"""Upstream augmenters: one small protocol for CutMix, Mixup, noise and user callables.

An augmenter is called on a training batch during ``fit``::

    X_aug, Y_aug = augmenter(X, Y, generator)

``X`` is a float tensor (b, d), ``Y`` the labels as distributions (b, C)
(one-hot for hard labels), ``generator`` a seeded ``torch.Generator``.
It returns augmented rows (m, d) and their labels, as distributions (m, C)
or class indices (m,). Augmenters with something to learn from the training
data implement ``fit(X, y)`` (tensors), called once before training.
Any callable with this signature is an augmenter.
"""

import numpy as np
import torch


class CutMix:
    """Tabular CutMix: each feature replaced, with probability ``p``, by a random partner row's.

    Parameters
    ----------
    p : float, default=0.5
        Probability that a feature is replaced.
    mix_labels : bool, default=False
        Keep the original row's label (the SAflex paper's setting), or mix
        the two labels by the fraction of features replaced.
    """

    def __init__(self, p=0.5, mix_labels=False):
        if not 0 <= p <= 1:
            raise ValueError(f"CutMix p must be in [0, 1], got {p}.")
        self.p = p
        self.mix_labels = mix_labels

    def __call__(self, X, Y, generator):
        b = X.shape[0]
        partner = torch.randint(0, b, (b,), generator=generator, device=generator.device).to(X.device)
        mask = torch.rand(X.shape, generator=generator, device=generator.device).to(X.device) < self.p
        X_aug = torch.where(mask, X[partner], X)
        if not self.mix_labels:
            return X_aug, Y
        frac = mask.to(Y.dtype).mean(dim=1, keepdim=True)
        return X_aug, (1 - frac) * Y + frac * Y[partner]

    def __repr__(self):
        return f"CutMix(p={self.p}, mix_labels={self.mix_labels})"


class Mixup:
    """Mixup: ``λ x_i + (1 − λ) x_j`` with ``λ ~ Beta(alpha, alpha)`` per row, labels mixed alike."""

    def __init__(self, alpha=0.2):
        if alpha <= 0:
            raise ValueError(f"Mixup alpha must be > 0, got {alpha}.")
        self.alpha = alpha

    def __call__(self, X, Y, generator):
        b = X.shape[0]
        partner = torch.randint(0, b, (b,), generator=generator, device=generator.device).to(X.device)
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator, device=generator.device))
        lam = np.random.RandomState(seed).beta(self.alpha, self.alpha, size=(b, 1))
        lam = torch.as_tensor(lam, dtype=X.dtype, device=X.device)
        return lam * X + (1 - lam) * X[partner], lam * Y + (1 - lam) * Y[partner]

    def __repr__(self):
        return f"Mixup(alpha={self.alpha})"


class GaussianNoise:
    """Additive Gaussian noise ``x + std · N(0, I)``; labels kept."""

    def __init__(self, std=0.1):
        if std < 0:
            raise ValueError(f"GaussianNoise std must be >= 0, got {std}.")
        self.std = std

    def __call__(self, X, Y, generator):
        noise = torch.randn(X.shape, generator=generator, device=generator.device, dtype=X.dtype)
        return X + self.std * noise.to(X.device), Y

    def __repr__(self):
        return f"GaussianNoise(std={self.std})"


def apply_augmenter(augmenter, X, Y, generator):
    """Call ``augmenter`` and check what it returns; labels come back as distributions."""
    name = getattr(augmenter, "__name__", type(augmenter).__name__)
    out = augmenter(X, Y, generator)
    if not (isinstance(out, tuple) and len(out) == 2):
        raise ValueError(f"augmenter {name} must return a pair (X_aug, Y_aug), got {type(out).__name__}.")
    X_aug, Y_aug = (torch.as_tensor(o, device=X.device) for o in out)
    n_classes = Y.shape[1]
    if X_aug.dim() != 2 or X_aug.shape[1] != X.shape[1]:
        raise ValueError(
            f"augmenter {name} returned X_aug of shape {tuple(X_aug.shape)}; expected "
            f"(m, {X.shape[1]}), rows with the same features as the batch."
        )
    if Y_aug.dim() == 1:
        Y_aug = torch.nn.functional.one_hot(Y_aug.long(), n_classes).to(X.dtype)
    if Y_aug.shape != (X_aug.shape[0], n_classes):
        raise ValueError(
            f"augmenter {name} returned labels of shape {tuple(Y_aug.shape)}; expected "
            f"({X_aug.shape[0]},) class indices or ({X_aug.shape[0]}, {n_classes}) distributions."
        )
    return X_aug.to(X.dtype), Y_aug.to(X.dtype)
