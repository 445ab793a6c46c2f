"""skaug's augmentations as imbalanced-learn samplers, in front of any estimator.

A sampler's ``fit_resample(X, y)`` returns the original rows followed by new
ones; put it in an :class:`imblearn.pipeline.Pipeline` before the model you
prefer (``HistGradientBoostingClassifier``, ``LogisticRegression``, ...): the
new rows are made at ``fit`` only, never at ``predict``. Needs the optional
extra ``pip install "skaug[samplers]"`` (imbalanced-learn).

How many rows: ``sampling_strategy`` as in imbalanced-learn's over-samplers
(``"auto"``: bring every class up to the largest; ``"minority"``, ``"not
majority"``, ``"all"``; a dict ``{class: rows wanted}``; a float in (0, 1] for
two classes; a callable), plus a float > 1: multiply every class's rows by it
(e.g. 2.0 doubles each class, for balanced data).

Each new row of class ``c`` is made from rows of class ``c`` only, so its
label is ``c`` (but :class:`SAflexSampler`'s, see below):

- :class:`CutMixSampler`, :class:`MixupSampler`, :class:`NoiseSampler`: skaug's
  augmenters (:mod:`skaug.augmenters`) applied to a batch of class-``c`` rows
  drawn with replacement (partners are class-``c`` rows too);
- :class:`ISDASampler`: explicit draws from ISDA/IADA's distribution of a
  perturbed row, ``x + ε·s·u(x) + N(0, λ Σ_c)`` (``Σ_c`` the class covariance,
  ``s`` the rows' root-mean-square spread around their class means, ``u`` the
  unit adversarial direction of a proxy linear model; ``ε = 0`` is ISDA);
- :class:`SeASampler`: SeA's semantic adversarial rows ``Π(x + η Π(ĝ))``
  (Eq. 11) against a proxy bias-free linear head fitted on the unit-length
  rows, returned at each source row's own length;
- :class:`IDAASampler`: ``R(x) + D(E(x) + δ)`` from a feature VAE fitted in the
  sampler, ``δ`` one FGSM step against a proxy linear model (``attack="fgsm"``)
  or a uniform random sign vector of the same size (``attack=None``);
- :class:`SAflexSampler`: an upstream augmenter's rows (CutMix by default, each
  class's rows mixed among themselves unless ``partners="all"``) with SAflex's
  learned labels, keeping only the rows
  whose weight is 1, against a proxy LogisticRegression and the gradient of its
  loss on held-out rows; a row counts towards its learned label's class.

The proxy linear model (ISDA with ``ε ≠ 0``, SeA, IDAA) is a
``LogisticRegression`` fitted inside ``fit_resample`` on the same rows
(SAflex's: on all rows but its held-out ones).

Examples
--------
>>> import numpy as np
>>> from sklearn.datasets import make_classification
>>> from sklearn.ensemble import HistGradientBoostingClassifier
>>> from imblearn.pipeline import make_pipeline
>>> from skaug.samplers import MixupSampler
>>> X, y = make_classification(300, weights=[0.9], random_state=0)
>>> X_res, y_res = MixupSampler(random_state=0).fit_resample(X, y)
>>> np.bincount(y_res).tolist()
[269, 269]
>>> model = make_pipeline(MixupSampler(random_state=0), HistGradientBoostingClassifier())
>>> model.fit(X, y).predict(X[:3]).shape
(3,)
"""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_sampling_strategy
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.preprocessing import label_binarize
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets

from .augmenters import IDAA, CutMix, GaussianNoise, Mixup, apply_augmenter, fitted_augmenter
from .methods.common import softmax_input_gradient, unit_normalize
from .methods.iada import ClassCovariance
from .methods.saflex import (
    logits_and_jvp,
    rescale_rows,
    saflex_pi,
    saflex_targets,
    validation_gradient,
)
from .methods.sea import sea_augment

__all__ = ["CutMixSampler", "IDAASampler", "ISDASampler", "MixupSampler", "NoiseSampler",
           "SAflexSampler", "SeASampler"]


class _FeatureOverSampler(BaseOverSampler):
    """Shared shell: validation, ``sampling_strategy`` (with multipliers), seeding, stacking.

    A subclass implements ``_new_rows(X, y, c, n, rng, ctx)``: ``n`` new
    float64 rows of class ``c`` made from the rows ``X`` of all classes (``y``
    their labels), with the ``RandomState`` ``rng``. ``_prepare(X, y, rng)``
    is called once first (fit a proxy model, a VAE, statistics) and returns
    the dict ``ctx``.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "sampling_strategy": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "minority", "not minority", "not majority", "all"}),
            dict,
            callable,
        ],
    }

    def _strategy(self):
        strategy = self.sampling_strategy
        if isinstance(strategy, Real) and not isinstance(strategy, bool) and strategy > 1:
            def multiply(y):
                classes, counts = np.unique(y, return_counts=True)
                return {c: int(round(strategy * n)) for c, n in zip(classes, counts)}

            return multiply
        return strategy

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Resample: ``(X_res, y_res)``, the original rows first, then the new ones.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (dense).
        y : array-like of shape (n_samples,)

        Returns
        -------
        X_resampled : array-like of shape (n_samples_new, n_features)
        y_resampled : array-like of shape (n_samples_new,)
        """
        check_classification_targets(y)
        arrays = ArraysTransformer(X, y)
        X, y, binarize = self._check_X_y(X, y, accept_sparse=False)
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{type(self).__name__} got NaN or infinite values in X: impute "
                             "them first (e.g. SimpleImputer before the sampler).")
        self.sampling_strategy_ = check_sampling_strategy(self._strategy(), y,
                                                          self._sampling_type)
        rng = check_random_state(self.random_state)
        # C order: the same rows whatever the input's memory layout (numpy, pandas, ...)
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        # what the rows are made with (proxy weights, statistics) stays local: a fitted
        # sampler holds numpy arrays and skaug's estimators only (skops can save it)
        ctx = self._prepare(X64, y, rng) or {}
        rows, labels = self._make_rows(X64, y, rng, ctx)
        new_X = [X] + [r.astype(X.dtype, copy=False) for r in rows]
        y_res = np.concatenate([y] + [np.asarray(lab, dtype=y.dtype) for lab in labels])
        if binarize:  # one-vs-all label indicators in, the same out (as imbalanced-learn)
            y_res = label_binarize(y_res, classes=np.unique(y))
        return arrays.transform(np.vstack(new_X), y_res)

    def _fit_resample(self, X, y):  # pragma: no cover - fit_resample does the work
        raise NotImplementedError

    def _make_rows(self, X, y, rng, ctx):
        """The new rows and their labels, as lists of blocks: ``_new_rows`` class by class."""
        rows, labels = [], []
        for c, n in self.sampling_strategy_.items():
            if n > 0:
                rows.append(self._new_rows(X, y, c, n, rng, ctx))
                labels.append(np.full(n, c))
        return rows, labels

    def _prepare(self, X, y, rng):
        """What ``_new_rows`` needs, as a dict (or None)."""

    def _new_rows(self, X, y, c, n, rng, ctx):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def _generator(rng):
        return torch.Generator().manual_seed(int(rng.randint(np.iinfo(np.int32).max)))

    @staticmethod
    def _draw(X, y, c, n, rng):
        """``n`` rows of class ``c`` drawn with replacement, and their indices."""
        idx = rng.choice(np.flatnonzero(y == c), n, replace=True)
        return X[idx], idx

    def _proxy_weight(self, X, y, fit_intercept=True, class_weight=None):
        """``(C, d)`` weight (and ``(C,)`` bias) of a LogisticRegression fitted on ``(X, y)``.

        For two classes the single coefficient row ``w`` becomes ``(−w/2, w/2)``:
        the same softmax as the logistic model.
        """
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(max_iter=2000, fit_intercept=fit_intercept,
                                class_weight=class_weight).fit(X, y)
        W, b = lr.coef_, lr.intercept_
        if W.shape[0] == 1:
            W, b = np.vstack([-W / 2, W / 2]), np.concatenate([-b / 2, b / 2])
        self.proxy_classes_ = lr.classes_
        return torch.as_tensor(W), torch.as_tensor(b)

    def _class_index(self, c):
        return int(np.searchsorted(self.proxy_classes_, c))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags


def _user_stacklevel():
    """``stacklevel`` for ``warnings.warn`` called by the caller of this function: the
    first frame outside skaug, scikit-learn, imbalanced-learn and joblib (the user's
    call, also through a pipeline), found by file as ``skip_file_prefixes`` does."""
    import os
    import sys

    import imblearn
    import joblib
    import sklearn

    prefixes = tuple(os.path.dirname(m.__file__) + os.sep
                     for m in (sys.modules[__package__], sklearn, imblearn, joblib))
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame, level = frame.f_back, level + 1
    return level


def _augmenter_rows(augmenter, X, n, generator):
    """``augmenter`` applied to ``n`` rows of one class (labels are that class)."""
    batch = torch.as_tensor(X)
    Y = torch.ones(len(batch), 1, dtype=batch.dtype)  # one class: every label is the same
    X_aug, _ = augmenter(batch, Y, generator)
    return X_aug.numpy()


class CutMixSampler(_FeatureOverSampler):
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
        **_FeatureOverSampler._parameter_constraints,
        "p": [Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, *, sampling_strategy="auto", p=0.5, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.p = p
        self.random_state = random_state

    def _new_rows(self, X, y, c, n, rng, ctx):
        return _augmenter_rows(CutMix(p=self.p), self._draw(X, y, c, n, rng)[0], n,
                               self._generator(rng))


class MixupSampler(_FeatureOverSampler):
    """New rows ``λ x_i + (1 − λ) x_j`` between two rows of the same class, ``λ ~ Beta(α, α)``.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default="auto"
    alpha : float, default=0.2
    random_state : int, RandomState instance or None, default=None
    """

    _parameter_constraints: dict = {
        **_FeatureOverSampler._parameter_constraints,
        "alpha": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, *, sampling_strategy="auto", alpha=0.2, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.alpha = alpha
        self.random_state = random_state

    def _new_rows(self, X, y, c, n, rng, ctx):
        return _augmenter_rows(Mixup(alpha=self.alpha), self._draw(X, y, c, n, rng)[0], n,
                               self._generator(rng))


class NoiseSampler(_FeatureOverSampler):
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
        **_FeatureOverSampler._parameter_constraints,
        "std": [Interval(Real, 0, None, closed="left")],
        "relative": ["boolean"],
    }

    def __init__(self, *, sampling_strategy="auto", std=0.1, relative=True, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.std = std
        self.relative = relative
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        return {"scale": X.std(axis=0) if self.relative else np.ones(X.shape[1])}

    def _new_rows(self, X, y, c, n, rng, ctx):
        rows = self._draw(X, y, c, n, rng)[0]
        noise = _augmenter_rows(GaussianNoise(std=self.std), np.zeros_like(rows), n,
                                self._generator(rng))
        return rows + noise * ctx["scale"]


class ISDASampler(_FeatureOverSampler):
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
        **_FeatureOverSampler._parameter_constraints,
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
        ctx = {"classes": classes}
        if self.epsilon != 0:
            ctx["weight"], ctx["bias"] = self._proxy_weight(X, y)
        return ctx

    def _new_rows(self, X, y, c, n, rng, ctx):
        rows = self._draw(X, y, c, n, rng)[0]
        k = int(np.searchsorted(ctx["classes"], c))
        cov = self.covariances_[k]
        z = rng.standard_normal((n, X.shape[1]))
        if self.covariance == "diag":
            noise = z * np.sqrt(self.lambda0 * cov)
        else:
            noise = z @ _psd_sqrt(cov).T * np.sqrt(self.lambda0)
        if self.epsilon != 0:
            x = torch.as_tensor(rows)
            labels = torch.full((n,), self._class_index(c), dtype=torch.long)
            logits = x @ ctx["weight"].T + ctx["bias"]
            u = unit_normalize(softmax_input_gradient(logits, labels, ctx["weight"])).numpy()
            noise = noise + self.epsilon * self.spread_ * u
        return rows + noise


def _psd_sqrt(cov):
    """``L`` with ``L Lᵀ = Σ`` (Cholesky, continuous in Σ; a tiny ridge makes a singular Σ
    positive definite: 1e-12 of its mean variance)."""
    ridge = 1e-12 * max(np.trace(cov) / len(cov), np.finfo(float).tiny)
    return np.linalg.cholesky(cov + ridge * np.eye(len(cov)))


class SeASampler(_FeatureOverSampler):
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
        **_FeatureOverSampler._parameter_constraints,
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
        return {"norms": np.linalg.norm(X, axis=1),  # float64: no overflow below 1e154
                "unit": unit, "weight": self._proxy_weight(unit, y, fit_intercept=False)[0]}

    def _new_rows(self, X, y, c, n, rng, ctx):
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
            aug = sea_augment(torch.as_tensor(ctx["unit"][rows]), codes, ctx["weight"],
                              eta=self.eta, alpha=self.alpha, direction=self.direction,
                              generator=generator)
            out.append(aug[: len(source)].numpy() * ctx["norms"][source, None])
        return np.vstack(out)


class IDAASampler(_FeatureOverSampler):
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
        **_FeatureOverSampler._parameter_constraints,
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
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.augmenter_ = IDAA(latent_dim=self.latent_dim, epsilon=self.epsilon,
                               vae_epochs=self.vae_epochs, random_state=seed)
        self.augmenter_.fit(torch.as_tensor(X, dtype=torch.float32))
        if self.attack == "fgsm":
            weight, bias = self._proxy_weight(X, y)
            return {"weight": weight.float(), "bias": bias.float()}

    def _new_rows(self, X, y, c, n, rng, ctx):
        rows = torch.as_tensor(self._draw(X, y, c, n, rng)[0], dtype=torch.float32)
        if self.attack == "fgsm":
            weight, bias = ctx["weight"], ctx["bias"]
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


class SAflexSampler(_FeatureOverSampler):
    """An upstream augmenter's rows, relabelled and filtered by SAflex against a proxy model.

    SAflex (METHODS §3) gives each upstream row ``x_i^aug`` the label and the
    0/1 weight that make one gradient step on it most lower a held-out
    validation loss. Here the model is a proxy: a ``LogisticRegression`` fitted
    on standardised rows, after ``validation_fraction`` of the rows (stratified)
    are held out; ``g_val`` is the gradient of its cross-entropy on the
    held-out rows (class-balanced with ``class_weight="balanced"``) with
    respect to its weights and bias. For a batch of upstream rows (the
    ``augmenter`` applied to a batch of training-part rows, in standardised
    units), ``Π`` is one forward-mode product along ``g_val``
    (:func:`skaug.methods.saflex.logits_and_jvp`, :func:`~skaug.methods.saflex.saflex_pi`),
    rescaled per row, and
    :func:`~skaug.methods.saflex.saflex_targets` gives label ``argmax(Π̂_i +
    β y_i^aug + g)`` (``g`` Gumbel noise when ``temperature > 0``: the label
    is then a draw, the one-hot limit of SAflex's soft label) and weight
    ``w_i = 1`` if ``Π̂_i · y_i ≥ 0`` else 0.

    Why rows are kept or dropped, not weighted: SAflex's weights are 0 or 1
    (then divided by their sum, a constant of the batch), so keeping the rows
    with ``w_i = 1`` is exactly "keep a row with probability ∝ its weight",
    and the rows work in front of any estimator — an
    :class:`imblearn.pipeline.Pipeline` cannot pass weights from a sampler to
    the model. A row counts towards the class of its learned label (SAflex
    may move it to another class: label extrapolation); batches of
    ``batch_size`` source rows of the classes still short, in proportion to
    what they lack, are drawn until every class has the rows
    ``sampling_strategy`` asks, or ``max_rounds`` batches were made (then a
    warning says which class is short: raise ``beta`` to keep more upstream
    labels).

    Parameters
    ----------
    augmenter : callable or None, default=None
        The upstream augmenter (:class:`skaug.CutMix`, :class:`skaug.Mixup`,
        :class:`skaug.GaussianNoise`, :class:`skaug.IDAA` — fitted here on the
        training part — or a callable ``(X, Y, generator) -> (X_aug, Y_aug)``);
        None is ``CutMix(p=0.5)``. Tune its strength under a grid search with
        ``augmenter__p`` and the like.
    sampling_strategy : float, str, dict or callable, default="auto"
        See :mod:`skaug.samplers`.
    partners : {"class", "all"}, default="class"
        Whom the augmenter mixes a row with. "class": each class's source rows
        among themselves (as :class:`CutMixSampler`), so SAflex filters rows
        of one class. "all": half a batch of source rows, half of rows of all
        classes, in one call (as in :class:`skaug.SAflexClassifier`'s
        batches): rows that mix classes, whose labels SAflex decides.
    beta : float, default=3.0
        β: weight of the upstream label. ``Π̂`` lies in [−1, 1], so β ≥ 2
        keeps every upstream label (SAflex then only drops the rows whose
        label would raise the validation loss), as :class:`skaug.SAflexClassifier`'s
        default; β < 2 lets ``Π`` move rows to other classes (the paper's
        tabular setting is β = 1 on raw ``Π``).
    temperature : float, default=0.0
        τ > 0 draws each label from ``softmax(Π̂ + β y^aug)`` (Gumbel-max);
        0 takes the argmax (Theorem 1).
    validation_fraction : float, default=0.2
        Rows held out (stratified) for ``g_val``; never augmented.
    class_weight : "balanced" or None, default="balanced"
        Class weights of the proxy's fit and of its validation loss
        ("balanced": what balanced accuracy measures).
    batch_size : int, default=256
        Rows per upstream batch.
    max_rounds : int, default=50
        Upstream batches made at most.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    augmenter_ : callable
        The upstream augmenter used (fitted, for IDAA).
    proxy_weight_ : ndarray of shape (n_classes, n_features)
    proxy_bias_ : ndarray of shape (n_classes,)
        The proxy's logits ``z = proxy_weight_ · (x − mean_) / scale_ + proxy_bias_``.
    mean_, scale_ : ndarray of shape (n_features,)
        The standardisation (``scale_`` 1 where a feature is constant).
    validation_mask_ : ndarray of shape (n_samples,) of bool
        The rows held out for ``g_val``.
    validation_gradient_ : tuple of ndarray
        ``g_val`` with respect to ``(proxy_weight_, proxy_bias_)``.
    kept_fraction_ : float
        Share of the upstream rows with weight 1.
    relabelled_fraction_ : float
        Share of the new rows whose label differs from their upstream label's
        largest entry.
    n_rounds_ : int
        Upstream batches made.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import make_classification
    >>> from skaug import CutMix
    >>> from skaug.samplers import SAflexSampler
    >>> X, y = make_classification(300, weights=[0.8], random_state=0)
    >>> sampler = SAflexSampler(CutMix(p=0.3), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> np.bincount(y_res).tolist()
    [239, 239]
    >>> 0 < sampler.kept_fraction_ <= 1
    True
    """

    _parameter_constraints: dict = {
        **_FeatureOverSampler._parameter_constraints,
        "augmenter": [callable, None],
        "partners": [StrOptions({"class", "all"})],
        "beta": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "class_weight": [StrOptions({"balanced"}), None],
        "batch_size": [Interval(Integral, 2, None, closed="left")],
        "max_rounds": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, augmenter=None, *, sampling_strategy="auto", partners="class",
                 beta=3.0, temperature=0.0, validation_fraction=0.2, class_weight="balanced",
                 batch_size=256, max_rounds=50, random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.augmenter = augmenter
        self.partners = partners
        self.beta = beta
        self.temperature = temperature
        self.validation_fraction = validation_fraction
        self.class_weight = class_weight
        self.batch_size = batch_size
        self.max_rounds = max_rounds
        self.random_state = random_state

    def _prepare(self, X, y, rng):
        from sklearn.model_selection import train_test_split
        from sklearn.utils.class_weight import compute_sample_weight

        classes, codes = np.unique(y, return_inverse=True)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        n_val = max(int(np.ceil(self.validation_fraction * len(y))), len(classes))
        try:
            train, val = train_test_split(np.arange(len(y)), test_size=n_val, stratify=codes,
                                          random_state=seed)
        except ValueError as exc:
            raise ValueError(
                f"SAflexSampler holds out validation_fraction={self.validation_fraction} of "
                f"the rows, stratified by class, for its validation gradient, and that split "
                f"is impossible here ({exc}). Every class needs at least 2 rows; use more "
                "data or another validation_fraction.") from exc
        self.mean_ = X.mean(axis=0)
        scale = X.std(axis=0)
        self.scale_ = np.where(scale > 0, scale, 1.0)
        Z = (X - self.mean_) / self.scale_
        W, b = self._proxy_weight(Z[train], y[train], class_weight=self.class_weight)
        head = torch.nn.Linear(X.shape[1], len(classes)).double()
        with torch.no_grad():
            head.weight.copy_(W)
            head.bias.copy_(b)
        w_val = None
        if self.class_weight == "balanced":
            w_val = torch.as_tensor(compute_sample_weight("balanced", codes[val]))
        g_val = validation_gradient(head, torch.as_tensor(Z[val]),
                                    torch.as_tensor(codes[val]), w_val)
        # an augmenter with a model of its own (IDAA's VAE) runs in float32, as in the
        # classifiers; the proxy's copy it attacks too. The rest stays in float64.
        dtype = torch.float32 if hasattr(self.augmenter, "fit") else torch.float64
        augmenter = fitted_augmenter(self.augmenter, torch.as_tensor(Z[train], dtype=dtype),
                                     torch.as_tensor(codes[train]))
        self.augmenter_ = augmenter
        self.proxy_weight_, self.proxy_bias_ = W.numpy(), b.numpy()
        self.validation_mask_ = np.zeros(len(y), dtype=bool)
        self.validation_mask_[val] = True
        self.validation_gradient_ = (g_val["weight"].numpy(), g_val["bias"].numpy())
        return {"classes": classes, "codes": codes, "train": np.sort(train), "Z": Z,
                "head": head, "g_val": g_val, "dtype": dtype,
                "model": copy.deepcopy(head).to(dtype)}

    def _candidates(self, ctx, groups, generator):
        """The upstream rows of one batch (the augmenter applied to each group of row
        indices apart), their SAflex labels (class indices), keep mask and upstream labels."""
        head, g_val = ctx["head"], ctx["g_val"]
        X_aug, Y_aug = [], []
        for group in groups:
            X = torch.as_tensor(ctx["Z"][group], dtype=ctx["dtype"])
            Y = torch.nn.functional.one_hot(torch.as_tensor(ctx["codes"][group]),
                                            len(ctx["classes"])).to(X.dtype)
            out = apply_augmenter(self.augmenter_, X, Y, generator, model=ctx["model"])
            X_aug.append(out[0].detach().double())
            Y_aug.append(out[1].detach().double())
        X_aug, Y_aug = torch.cat(X_aug), torch.cat(Y_aug)
        with torch.no_grad():
            logits, J = logits_and_jvp(head, dict(head.named_parameters()), X_aug, g_val)
            pi_hat = rescale_rows(saflex_pi(logits, J))
            labels, weights = saflex_targets(pi_hat, Y_aug, self.beta, self.temperature,
                                             generator)
        return (X_aug.numpy(), labels.argmax(dim=1).numpy(),
                (weights > 0).numpy(), Y_aug.argmax(dim=1).numpy())

    def _make_rows(self, X, y, rng, ctx):
        classes, codes, train = ctx["classes"], ctx["codes"], ctx["train"]
        wanted = np.zeros(len(classes), dtype=int)
        for c, n in self.sampling_strategy_.items():
            wanted[np.searchsorted(classes, c)] = n
        generator = self._generator(rng)
        rows, labels = [], []
        made = np.zeros(len(classes), dtype=int)
        upstream = kept = relabelled = 0
        self.n_rounds_ = 0
        while (made < wanted).any() and self.n_rounds_ < self.max_rounds:
            self.n_rounds_ += 1
            short = wanted - made
            # source rows of the short classes, as many of each as it lacks (in proportion)
            n_source = self.batch_size if self.partners == "class" else self.batch_size // 2
            counts = rng.multinomial(n_source, short / short.sum())
            source = [rng.choice(train[codes[train] == k], n) for k, n in enumerate(counts)]
            if self.partners == "class":  # each class's rows augmented among themselves
                groups = [g for g in source if len(g)]
            else:  # one batch: the source rows, then as many partners of all classes
                partners = rng.choice(train, self.batch_size - n_source, replace=True)
                groups = [np.concatenate([*source, partners])]
            Z_aug, label, keep, up = self._candidates(ctx, groups, generator)
            upstream += len(keep)
            kept += int(keep.sum())
            for k in range(len(classes)):  # a class with no rows to make takes none
                take = np.flatnonzero(keep & (label == k))[: short[k]]
                if len(take):
                    rows.append(Z_aug[take] * self.scale_ + self.mean_)
                    labels.append(np.full(len(take), classes[k]))
                    made[k] += len(take)
                    relabelled += int((up[take] != k).sum())
        self.kept_fraction_ = kept / upstream if upstream else 0.0
        self.relabelled_fraction_ = relabelled / made.sum() if made.sum() else 0.0
        if (made < wanted).any():
            lacking = ", ".join(f"class {classes[k].tolist()!r}: {made[k]} of {wanted[k]} new rows"
                                for k in np.flatnonzero(made < wanted))
            warnings.warn(
                f"SAflexSampler made fewer rows than sampling_strategy asks after "
                f"max_rounds={self.max_rounds} upstream batches ({lacking}): SAflex's labels "
                "rarely chose those classes. Raise beta (keeps more upstream labels) or "
                "max_rounds.", UserWarning, stacklevel=_user_stacklevel())
        return rows, labels
