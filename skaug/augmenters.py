"""Upstream augmenters: one small protocol for CutMix, Mixup, noise and user callables.

An augmenter is called on a training batch during ``fit``::

    X_aug, Y_aug = augmenter(X, Y, generator)

``X`` is a float tensor (b, d), ``Y`` the labels as distributions (b, C)
(one-hot for hard labels), ``generator`` a seeded ``torch.Generator``.
It returns augmented rows (m, d) and their labels, as distributions (m, C)
or class indices (m,). Augmenters with something to learn from the training
data implement ``fit(X, y)`` (tensors), called once before training.
Any callable with this signature is an augmenter.

Augmenters that attack the classifier being trained (:class:`IDAA`) set the
class attribute ``requires_model = True``; they are called as
``augmenter(X, Y, generator, model=head)``, with ``head`` mapping rows to
logits.

:class:`CutMix`, :class:`Mixup` and :class:`GaussianNoise` learn nothing and
have no ``fit``: they are *parameter objects*, as scikit-learn's Gaussian-process
kernels are — ``get_params``/``set_params``, ``clone`` and ``repr`` work, so a
nested parameter such as ``saflexclassifier__augmenter__p`` can be
grid-searched, but they are not estimators and scikit-learn's estimator checks
do not apply to them. :class:`IDAA` fits a VAE and is a full estimator (it
passes ``check_estimator``). Parameters are checked when they are used (each
call, and ``fit``), not when they are set.
"""

from collections import OrderedDict
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import validate_data

from ._persistence import PortableStateMixin
from ._shell._runtime import draw_seed
from ._shell._validation import check_layer_sizes
from .methods.common import soft_cross_entropy
from .methods.idaa import FeatureVAE, fit_vae, latent_attack

#: Fitted VAEs kept per process (least recently used dropped first), keyed by the rows,
#: the VAE's parameters and the seed: the fits of a grid over ``epsilon`` (or over the
#: head's parameters) on the same training rows fit the VAE once. A hit gives the same
#: weights a fit would (the same seed, the same rows).
VAE_CACHE_SIZE = 4
_VAE_CACHE = OrderedDict()


class Augmenter(PortableStateMixin, BaseEstimator):
    """Base class of skaug's augmenters: ``augmenter(X, Y, generator) -> (X_aug, Y_aug)``.

    It derives from ``BaseEstimator`` for its parameter handling only
    (``get_params``, ``set_params``, ``clone``, nested grid search); an
    augmenter without ``fit`` is a parameter object, not an estimator.
    Subclasses implement ``_augment`` with the same arguments; ``__call__``
    checks the parameters first.
    """

    requires_model = False

    def __call__(self, X, Y, generator):
        self._validate_params()
        return self._augment(X, Y, generator)


class CutMix(Augmenter):
    """Tabular CutMix: each feature replaced, with probability ``p``, by a random partner row's.

    A parameter object (no ``fit``; see :mod:`skaug.augmenters`), called on
    tensors by :class:`~skaug.SAflexClassifier` and the samplers.

    Parameters
    ----------
    p : float, default=0.5
        Probability that a feature is replaced.
    mix_labels : bool, default=False
        Keep the original row's label (the SAflex paper's setting), or mix
        the two labels by the fraction of features replaced.
    """

    _parameter_constraints: dict = {
        "p": [Interval(Real, 0, 1, closed="both")],
        "mix_labels": ["boolean"],
    }

    def __init__(self, p=0.5, mix_labels=False):
        self.p = p
        self.mix_labels = mix_labels

    def _augment(self, X, Y, generator):
        b = X.shape[0]
        partner = torch.randint(0, b, (b,), generator=generator, device=generator.device).to(X.device)
        mask = torch.rand(X.shape, generator=generator, device=generator.device).to(X.device) < self.p
        X_aug = torch.where(mask, X[partner], X)
        if not self.mix_labels:
            return X_aug, Y
        frac = mask.to(Y.dtype).mean(dim=1, keepdim=True)
        return X_aug, (1 - frac) * Y + frac * Y[partner]



class Mixup(Augmenter):
    """Mixup: ``λ x_i + (1 − λ) x_j`` with ``λ ~ Beta(alpha, alpha)`` per row, labels mixed alike.

    A parameter object (no ``fit``; see :mod:`skaug.augmenters`).

    Parameters
    ----------
    alpha : float, default=0.2
        Both parameters of the Beta distribution of ``λ`` (> 0).
    """

    _parameter_constraints: dict = {"alpha": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, alpha=0.2):
        self.alpha = alpha

    def _augment(self, X, Y, generator):
        b = X.shape[0]
        partner = torch.randint(0, b, (b,), generator=generator, device=generator.device).to(X.device)
        seed = int(torch.randint(0, 2**31 - 1, (1,), generator=generator, device=generator.device))
        lam = np.random.RandomState(seed).beta(self.alpha, self.alpha, size=(b, 1))
        lam = torch.as_tensor(lam, dtype=X.dtype, device=X.device)
        return lam * X + (1 - lam) * X[partner], lam * Y + (1 - lam) * Y[partner]



class GaussianNoise(Augmenter):
    """Additive Gaussian noise ``x + std · N(0, I)``; labels kept.

    A parameter object (no ``fit``; see :mod:`skaug.augmenters`).

    Parameters
    ----------
    std : float, default=0.1
        Standard deviation of the noise, in feature units (>= 0).
    """

    _parameter_constraints: dict = {"std": [Interval(Real, 0, None, closed="left")]}

    def __init__(self, std=0.1):
        self.std = std

    def _augment(self, X, Y, generator):
        noise = torch.randn(X.shape, generator=generator, device=generator.device, dtype=X.dtype)
        return X + self.std * noise.to(X.device), Y



def _as_rows(X, who):
    X = torch.as_tensor(np.asarray(X, dtype=np.float32) if not torch.is_tensor(X) else X)
    if X.dim() != 2:
        raise ValueError(f"{who} expects a 2-d array of rows (n_samples, n_features), "
                         f"got shape {tuple(X.shape)}.")
    if not torch.isfinite(X).all():
        raise ValueError(f"{who} got NaN or infinite values; impute or drop them first.")
    return X


class IDAA(Augmenter):
    """Identity-disentangled adversarial augmentation (Yang et al., ICML 2022) on feature rows.

    A VAE fitted to the training rows splits each row into its reconstruction
    ``G(x) = D(E(x))`` and the residual ``R(x) = x − G(x)``; the augmented
    row keeps the residual and moves the latent code one FGSM step of size
    ``epsilon`` up the classifier's loss:
    ``x' = R(x) + D(E(x) + ε·sign(∇_δ L))`` (see :mod:`skaug.methods.idaa`).
    Labels are kept. The VAE standardises the rows internally, so ``epsilon``
    is in units of the latent prior (N(0, I)) on any feature scale.

    Use it upstream of :class:`skaug.SAflexClassifier`, which fits it on its
    training rows (a copy: the object you pass stays unfitted), or through
    :class:`skaug.IDAAClassifier`.

    Parameters
    ----------
    latent_dim : int, default=16
        Size of the VAE's bottleneck.
    beta : float, default=1.0
        KL weight β of the VAE loss. A larger β gives a smoother, less
        detailed reconstruction: more of the row stays in the residual.
    epsilon : float, default=0.03
        FGSM step on the latent code (0: no change); the default is
        :class:`~skaug.IDAAClassifier`'s (see there why).
    hidden_layer_sizes : tuple of int, default=(128,)
        Encoder hidden widths (the decoder mirrors them).
    vae_epochs : int, default=50
    vae_lr : float, default=1e-3
        Adam learning rate of the VAE.
    vae_batch_size : int, default=128
    random_state : int, RandomState instance or None, default=None
        Seeds the VAE's initialisation, shuffling and sampling. None draws a
        seed from torch's global generator (seeded inside skaug estimators).

    Attributes
    ----------
    vae_ : skaug.methods.idaa.FeatureVAE
    reconstruction_curve_ : list of float
        Standardised squared reconstruction error per row after each VAE epoch.
    n_features_in_ : int

    Examples
    --------
    >>> import torch
    >>> from skaug import IDAA
    >>> X = torch.randn(200, 5)
    >>> idaa = IDAA(latent_dim=2, epsilon=0.5, vae_epochs=5, random_state=0).fit(X)
    >>> head = torch.nn.Linear(5, 2)
    >>> Y = torch.nn.functional.one_hot(torch.randint(0, 2, (200,)), 2).float()
    >>> X_aug, Y_aug = idaa(X, Y, torch.Generator(), model=head)
    >>> X_aug.shape
    torch.Size([200, 5])
    """

    requires_model = True

    _parameter_constraints: dict = {
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="left")],
        "hidden_layer_sizes": [tuple, list],
        "vae_epochs": [Interval(Integral, 1, None, closed="left")],
        "vae_lr": [Interval(Real, 0, None, closed="neither")],
        "vae_batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(self, latent_dim=16, beta=1.0, epsilon=0.03, *, hidden_layer_sizes=(128,),
                 vae_epochs=50, vae_lr=1e-3, vae_batch_size=128, random_state=None):
        self.latent_dim = latent_dim
        self.beta = beta
        self.epsilon = epsilon
        self.hidden_layer_sizes = hidden_layer_sizes
        self.vae_epochs = vae_epochs
        self.vae_lr = vae_lr
        self.vae_batch_size = vae_batch_size
        self.random_state = random_state

    def fit(self, X, y=None):
        """Fit the VAE to rows ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features), or a float tensor
            The rows (at least 2). A tensor is fitted on its own device.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        check_layer_sizes(self, "hidden_layer_sizes")
        if torch.is_tensor(X):
            X = _as_rows(X, "IDAA.fit")
            if len(X) < 2:
                raise ValueError(f"IDAA.fit needs at least 2 rows to fit its VAE; got "
                                 f"n_samples={len(X)}.")
            self.n_features_in_ = X.shape[1]
        else:  # scikit-learn's checks: sparse, complex, empty, 1-d, NaN, too few rows
            X = torch.from_numpy(validate_data(self, X, dtype=np.float32, ensure_min_samples=2))
        if self.random_state is None:
            seed = int(torch.randint(0, 2**31 - 1, (1,)))
        else:
            seed = draw_seed(self.random_state)
        key = self._vae_key(X, seed)
        devices = [X.device] if X.device.type == "cuda" else []
        with torch.random.fork_rng(devices=devices, device_type="cuda"):  # the caller's RNG
            torch.manual_seed(seed)                                       # is left alone
            vae = FeatureVAE(X.shape[1], self.latent_dim, self.hidden_layer_sizes).to(X.device)
            if key in _VAE_CACHE:  # the same VAE fitted on the same rows: a grid over epsilon
                _VAE_CACHE.move_to_end(key)
                state, curve = _VAE_CACHE[key]
                vae.load_state_dict(state)
            else:
                generator = torch.Generator(device=X.device).manual_seed(seed)
                curve = fit_vae(vae, X, beta=self.beta, epochs=self.vae_epochs, lr=self.vae_lr,
                                batch_size=self.vae_batch_size, generator=generator)
                _VAE_CACHE[key] = ({k: v.detach().clone() for k, v in vae.state_dict().items()},
                                   list(curve))
                while len(_VAE_CACHE) > VAE_CACHE_SIZE:
                    _VAE_CACHE.popitem(last=False)
        self.reconstruction_curve_ = list(curve)
        for p in vae.parameters():
            p.requires_grad_(False)
        self.vae_ = vae
        return self

    def _vae_key(self, X, seed):
        """What a fitted VAE depends on: the rows, the VAE's parameters and the seed (not
        ``epsilon``, which only the attack uses)."""
        import hashlib

        data = X.detach().cpu().contiguous().numpy()
        digest = hashlib.sha1(data.tobytes()).hexdigest()
        return (digest, data.shape, str(data.dtype), str(X.device), self.latent_dim,
                float(self.beta), tuple(self.hidden_layer_sizes), self.vae_epochs,
                float(self.vae_lr), self.vae_batch_size, seed)

    def _fitted_vae(self, X):
        if not hasattr(self, "vae_"):
            raise RuntimeError("This IDAA augmenter is not fitted yet: call fit(X) first "
                               "(SAflexClassifier and IDAAClassifier do it for you).")
        if X.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {X.shape[1]} features, but IDAA was fitted on "
                             f"{self.n_features_in_}.")
        if next(self.vae_.buffers()).device != X.device:
            self.vae_ = self.vae_.to(X.device)
        return self.vae_

    def reconstruct(self, X):
        """``G(x) = D(E(x))`` for rows ``X`` (a tensor); ``X − G(X)`` is the residual ``R``."""
        X = _as_rows(X, "IDAA.reconstruct")
        with torch.no_grad():
            return self._fitted_vae(X)(X)

    def __call__(self, X, Y, generator=None, model=None):
        self._validate_params()
        if model is None:
            raise ValueError("IDAA attacks a classifier: call it as idaa(X, Y, generator, "
                             "model=head), with head mapping rows to logits.")
        vae = self._fitted_vae(X)
        training = getattr(model, "training", None)
        if training:
            model.eval()  # the attack sees the deterministic head (no dropout)
        try:
            X_aug, _ = latent_attack(
                vae, lambda x: soft_cross_entropy(model(x), Y), X, self.epsilon
            )
        finally:
            if training:
                model.train()
        return X_aug, Y



def fitted_augmenter(augmenter, X, y, default_p=0.5):
    """``augmenter`` ready for one fit, the user's object left as it was: None is
    ``CutMix(p=default_p)``; a scikit-learn estimator (skaug's augmenters) is cloned, another
    object with a ``fit`` method deep-copied, and either is then fitted on ``(X, y)`` if
    it has ``fit`` (:class:`IDAA`); a plain callable is used as given."""
    import copy

    from sklearn.base import clone

    augmenter = augmenter if augmenter is not None else CutMix(p=default_p)
    if isinstance(augmenter, BaseEstimator):
        augmenter = clone(augmenter)
    elif hasattr(augmenter, "fit"):
        augmenter = copy.deepcopy(augmenter)
    if hasattr(augmenter, "fit"):
        augmenter.fit(X, y)
    return augmenter


def apply_augmenter(augmenter, X, Y, generator, model=None):
    """Call ``augmenter`` and check what it returns; labels come back as distributions.

    ``model`` (the head being trained) is passed to augmenters with
    ``requires_model = True``.
    """
    name = getattr(augmenter, "__name__", type(augmenter).__name__)
    if getattr(augmenter, "requires_model", False):
        out = augmenter(X, Y, generator, model=model)
    else:
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
