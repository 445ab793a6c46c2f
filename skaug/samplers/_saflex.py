"""SAflexSampler: an upstream augmenter's rows, relabelled and filtered by SAflex."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions

from .._shell._runtime import draw_seed
from .._shell._validation import stratified_hold_out, user_stacklevel
from ..augmenters import apply_augmenter, fitted_augmenter
from ..methods.saflex import saflex_relabel, validation_gradient
from .base import BaseFeatureOverSampler, PerFit


class SAflexSampler(BaseFeatureOverSampler):
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
        **BaseFeatureOverSampler._parameter_constraints,
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
        from sklearn.utils.class_weight import compute_sample_weight

        classes, codes = np.unique(y, return_inverse=True)
        train, val = stratified_hold_out(
            codes, draw_seed(rng), fraction=self.validation_fraction, who="SAflexSampler",
            remedy="Every class needs at least 2 rows; use more data or another "
                   "validation_fraction.")
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
        return PerFit(classes=classes, codes=codes, train=np.sort(train), Z=Z, head=head,
                      g_val=g_val, dtype=dtype, model=copy.deepcopy(head).to(dtype))

    def _candidates(self, fit, groups, generator):
        """The upstream rows of one batch (the augmenter applied to each group of row
        indices apart), their SAflex labels (class indices), keep mask and upstream labels."""
        X_aug, Y_aug = [], []
        for group in groups:
            X = torch.as_tensor(fit.Z[group], dtype=fit.dtype)
            Y = torch.nn.functional.one_hot(torch.as_tensor(fit.codes[group]),
                                            len(fit.classes)).to(X.dtype)
            out = apply_augmenter(self.augmenter_, X, Y, generator, model=fit.model)
            X_aug.append(out[0].detach().double())
            Y_aug.append(out[1].detach().double())
        X_aug, Y_aug = torch.cat(X_aug), torch.cat(Y_aug)
        labels, weights = saflex_relabel(fit.head, X_aug, Y_aug, fit.g_val, beta=self.beta,
                                         temperature=self.temperature, generator=generator)
        return (X_aug.numpy(), labels.argmax(dim=1).numpy(),
                (weights > 0).numpy(), Y_aug.argmax(dim=1).numpy())

    def _make_rows(self, X, y, rng, fit):
        classes, codes, train = fit.classes, fit.codes, fit.train
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
            Z_aug, label, keep, up = self._candidates(fit, groups, generator)
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
                "max_rounds.", UserWarning, stacklevel=user_stacklevel())
        return rows, labels
