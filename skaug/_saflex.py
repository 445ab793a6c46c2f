"""SAflexClassifier: learned weights and soft labels for any upstream augmenter."""

import sys
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval
from sklearn_compat.base import _fit_context
from sklearn_compat.utils._indexing import _safe_indexing

from ._docstring import substitute
from ._shell import FeatureHeadClassifier, HeldOut, Step

#: ``p`` of the CutMix that ``augmenter=None`` means (see the parameter's docstring).
DEFAULT_CUTMIX_P = 0.1
from ._shell._validation import stratified_hold_out, take_rows, validate_features
from ._shell.net import as_tensor
from .augmenters import apply_augmenter, fitted_augmenter
from .methods.common import soft_cross_entropy, weighted_cross_entropy
from .methods.saflex import saflex_relabel, validation_gradient


class SAflexStep(Step):
    """One SAflex step: upstream augmentation, learned labels and weights, combined loss.

    ``loss = mean CE(clean batch) + Σ_i w_i softCE(x_i^aug, y_i)`` with
    ``(y, w) = saflex_targets(Π̂, y^aug, beta, temperature)`` and ``Π̂`` from
    one forward-mode product along the validation gradient ``g_val`` of a
    :class:`~skaug._step.HeldOut` batch, recomputed every
    ``validation_interval`` steps. ``validation=None`` (``refine=False``)
    trains on the upstream rows with uniform weights, as they come.
    """

    def __init__(self, *, augmenter, n_classes, validation, beta, temperature, rescale,
                 validation_interval, validation_batch_size):
        super().__init__()
        self.augmenter, self.n_classes, self.validation = augmenter, n_classes, validation
        self.beta, self.temperature, self.rescale = beta, temperature, rescale
        self.validation_interval = validation_interval
        self.validation_batch_size = validation_batch_size
        self.calls, self.g_val, self.kept = 0, None, []

    def targets(self, module, X_aug, Y_aug, generator):
        """SAflex's labels and normalised 0/1 weights of the augmented rows (module in eval mode)."""
        training = module.training
        module.eval()  # a deterministic linearisation: no dropout, running BN stats
        try:
            if self.calls % self.validation_interval == 0:
                batch = self.validation.batch(self.validation_batch_size, generator)
                self.g_val = validation_gradient(module, *batch)
            self.calls += 1
            return saflex_relabel(module, X_aug, Y_aug, self.g_val, beta=self.beta,
                                  temperature=self.temperature, rescale=self.rescale,
                                  generator=generator)
        finally:
            module.train(training)

    def loss(self, module, X, y, sample_weight, *, generator, progress):
        X_aug, Y_aug = apply_augmenter(
            self.augmenter, X, F.one_hot(y, self.n_classes).to(X.dtype), generator, model=module
        )
        if len(X_aug) == 0:  # an augmenter may return no rows: the clean loss alone
            return weighted_cross_entropy(module(X), y, sample_weight)
        if self.validation is not None:
            targets, weights = self.targets(module, X_aug, Y_aug, generator)
            self.kept.append(float((weights > 0).float().mean()))
        else:
            targets = Y_aug
            weights = torch.full((len(Y_aug),), 1.0 / len(Y_aug), device=X.device, dtype=X.dtype)
        if sample_weight is not None and len(Y_aug) == len(X):
            # Row i of the augmented batch was made from row i: it carries its weight.
            weights = weights * sample_weight
            weights = weights / weights.sum().clamp_min(1e-12)
        logits = module(torch.cat([X, X_aug]))
        clean = weighted_cross_entropy(logits[: len(X)], y, sample_weight)
        augmented = (weights * soft_cross_entropy(logits[len(X) :], targets)).sum()
        return clean + augmented

    def fitted_attributes(self):
        out = {"augmenter_": self.augmenter}
        if self.kept:
            out["kept_fraction_"] = float(np.mean(self.kept))
        return out


def _called_by_pipeline():
    """Whether a scikit-learn Pipeline's ``fit`` is among the callers of the caller."""
    from sklearn.pipeline import Pipeline

    frame = sys._getframe(2)
    for _ in range(6):
        if frame is None:
            return False
        if isinstance(frame.f_locals.get("self"), Pipeline):
            return True
        frame = frame.f_back
    return False


@substitute
class SAflexClassifier(FeatureHeadClassifier):
    """Head trained on an upstream augmenter's output, refined by SAflex.

    Each step, the upstream ``augmenter`` (CutMix, Mixup, noise, IDAA or any
    callable) turns the training batch into augmented rows. SAflex (Ding et
    al., ICLR 2024) then gives each augmented row a soft label and a 0/1
    weight chosen so that the step most lowers the loss of a validation batch
    to first order (Theorem 1): ``Π = −(J − Σ_c p_c J_c)`` with ``J`` the
    forward-mode Jacobian-vector product of the augmented logits along the
    validation gradient, rescaled per row, plus ``beta`` times the upstream
    label and Gumbel noise at ``temperature``. The loss is the mean
    cross-entropy of the clean batch plus the weighted soft cross-entropy of
    the augmented rows. ``refine=False`` trains on the augmented rows exactly
    as they come (the "upstream only" baseline: same head, same schedule).

    The sign and scaling of Π follow skaug's derivation (see
    :mod:`skaug.methods.saflex`), not a literal reading of the paper.

    Parameters
    ----------
    augmenter : callable, default=None
        ``augmenter(X, Y, generator) -> (X_aug, Y_aug)`` (see
        :mod:`skaug.augmenters`). None means ``CutMix(p=0.1)``: of the
        candidates p ∈ {0.1, 0.2, 0.5}, 0.1 is the one whose worst loss
        against the same head without augmentation over skaug's protocol
        tables is smallest (−0.9 ± 2.3 points on churn; 0.5: −3.8 ± 1.9), at
        the price of a smaller gain with noisy labels (+4.1 against +17.4 at
        0.5; ``benchmarks/results/defaults_candidates.md``, rows
        "SAflexClassifier"). Tune ``augmenter__p``. An augmenter
        with a ``fit(X, y)`` method (:class:`~skaug.IDAA`) is copied and fitted
        on the training rows; one that attacks the head is given it.
    refine : bool, default=True
        Learn labels and weights (SAflex) or use the upstream ones as they are.
    beta : float, default=3.0
        Weight β of the upstream label in the label score. Π̂ lies in
        [−1, 1], so with β > 2 and ``temperature=0`` the upstream labels are
        kept and SAflex only weights (keeps or drops) the augmented rows; a
        smaller β lets it relabel them. The paper used 0 (1 on tabular data);
        relabelling cost accuracy on skaug's tabular benchmarks
        (``benchmarks/results/saflex.md``), hence this default.
    temperature : float, default=0.0
        τ of the Gumbel-softmax labels; 0 gives the exact argmax of Theorem 1
        (no noise). The paper used 0.01; with Π̂ in [−1, 1] that makes each
        label a draw from ``softmax(Π̂ + β y_aug)``.
    rescale : bool, default=True
        Divide each row of Π by its largest magnitude (Π̂, skaug's choice:
        raw Π is a product of gradients, often ~1e-6, next to which ``beta``
        and the Gumbel noise would decide the labels alone), or use the raw
        Π of the paper (``False``; the paper's setting is then ``beta=1,
        temperature=0.01, validation_interval=1``). Either way each row's
        argmax and signs are the same.
    validation_fraction : float, default=0.1
        Stratified share of the training data (at least one row per class)
        held out for the validation gradient and never trained on, unless
        ``fit`` is given ``validation_mask`` or ``validation_data``; with
        ``early_stopping=True``, the same share is held out once more for
        early stopping.
    validation_interval : int, default=5
        Steps between recomputations of the validation gradient ``g_val``
        (1: every step, as in the paper). Reusing it for 5 steps brought the
        fit-time overhead over CutMix-only from 1.49× to 1.29× on churn
        (``benchmarks/results/saflex.md``).
    head : {"mlp", "linear"}, default="mlp"
    hidden_layer_sizes : tuple of int, default=(256, 256)
    dropout : float, default=0.1
    batch_norm : bool, default=False
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=0.0
    batch_size : int, default=128
        Mini-batch size (also of the validation batches).
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    kept_fraction_ : float
        Share of augmented rows SAflex kept (weight > 0), over training
        (only with ``refine=True``: otherwise every row is trained on).
    augmenter_ : callable
        The augmenter used; a fitted copy of ``augmenter`` when it has a
        ``fit`` method (e.g. :class:`~skaug.IDAA`).

    References
    ----------
    .. [1] Mucong Ding, Bang An, Yuancheng Xu, Anirudh Satheesh, Furong Huang.
       "SAflex: Self-Adaptive Augmentation via Feature Label Extrapolation",
       ICLR 2024.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skaug import SAflexClassifier, CutMix
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), SAflexClassifier(augmenter=CutMix(p=0.3),
    ...                     max_epochs=10, random_state=0))
    >>> bool(clf.fit(X, y).score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **FeatureHeadClassifier._parameter_constraints,
        "augmenter": [callable, None],
        "refine": ["boolean"],
        "beta": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "rescale": ["boolean"],
        "validation_interval": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        augmenter=None,
        *,
        refine=True,
        beta=3.0,
        temperature=0.0,
        rescale=True,
        validation_fraction=0.1,
        validation_interval=5,
        head="mlp",
        hidden_layer_sizes=(256, 256),
        dropout=0.1,
        batch_norm=False,
        lr=1e-3,
        weight_decay=0.0,
        batch_size=128,
        max_epochs=100,
        early_stopping=False,
        n_iter_no_change=10,
        tol=1e-4,
        class_weight=None,
        warm_start=False,
        callbacks=None,
        random_state=None,
        device="auto",
        n_threads=None,
        verbose=0,
    ):
        self.augmenter = augmenter
        self.refine = refine
        self.beta = beta
        self.temperature = temperature
        self.rescale = rescale
        self.validation_fraction = validation_fraction
        self.validation_interval = validation_interval
        self.head = head
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None, validation_data=None, validation_mask=None):
        """Fit the head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows' loss (ratios only); an augmenter returning one
            row per input row passes each row's weight on to its augmented row.
        validation_data : tuple (X_val, y_val), default=None
            Rows for the validation gradient instead of a share of ``X``, in
            the classifier's own input space. Refused inside a ``Pipeline``,
            whose transformers it would skip: use ``validation_mask`` there.
        validation_mask : array-like of bool, shape (n_samples,), default=None
            Marks the rows of ``X`` used for the validation gradient (never
            trained on) instead of a random share. They are rows of ``X``, so
            in a ``Pipeline`` they go through its transformers like the rest,
            and cross-validation splits the mask with the rows. With
            ``enable_metadata_routing``, request it with
            ``set_fit_request(validation_mask=True)``.

        Returns
        -------
        self
        """
        if validation_mask is not None:
            if validation_data is not None:
                raise ValueError("Pass validation_data or validation_mask to fit, not both.")
            mask = np.asarray(validation_mask)
            if mask.dtype != bool or mask.shape != (len(y),):
                raise ValueError(
                    f"validation_mask must be a boolean array with one value per row of X "
                    f"({len(y)}), got dtype {mask.dtype} and shape {mask.shape}."
                )
            if mask.all() or not mask.any():
                raise ValueError("validation_mask must mark some rows, and not all of them.")
            validation_data = (_safe_indexing(X, mask), _safe_indexing(y, mask))
            X, y = _safe_indexing(X, ~mask), _safe_indexing(y, ~mask)
            if sample_weight is not None:
                sample_weight = np.asarray(sample_weight)[~mask]
        elif validation_data is not None and _called_by_pipeline():
            raise ValueError(
                "validation_data was passed to SAflexClassifier through a Pipeline, whose "
                "transformers it would skip (the validation rows would stay unscaled). Put "
                "the validation rows in X and mark them with validation_mask=... instead."
            )
        return self._fit(X, y, sample_weight, validation_data=validation_data)

    def _check_partial_fit(self):
        if self.refine:
            raise AttributeError(
                "partial_fit cannot train SAflex: its validation set is held out from all "
                "the training data at once. Use fit, or refine=False (the upstream "
                "augmentation alone)."
            )

    def _validation_rows(self, validation_data):
        if not (isinstance(validation_data, (tuple, list)) and len(validation_data) == 2):
            raise ValueError(
                "validation_data must be a pair (X_val, y_val), got "
                f"{type(validation_data).__name__}."
            )
        X_val, y_val = validation_data
        X_val = self._transform_input(validate_features(self, X_val, reset=False))
        y_val = np.asarray(y_val)
        if y_val.shape != (len(X_val),):
            raise ValueError(
                f"validation_data has {len(X_val)} rows in X_val but y_val has shape "
                f"{y_val.shape}; give one label per row."
            )
        unseen = np.setdiff1d(y_val, self.classes_)
        if len(unseen):
            raise ValueError(
                f"validation_data has labels {unseen.tolist()} that are not in the training "
                f"labels {self.classes_.tolist()}."
            )
        return X_val, self._label_encoder.transform(y_val).astype(np.int64)

    def _make_step(self, X, y, sample_weight, seed, device, validation_data=None):
        w_val = None
        if validation_data is not None:
            X_val, y_val = self._validation_rows(validation_data)
        elif self.refine:
            # at least one validation row per class, even on small data
            kept, held = stratified_hold_out(
                y, seed, fraction=self.validation_fraction, who="SAflex",
                remedy="Pass validation_data=(X_val, y_val) or validation_mask to fit, or more "
                       "data.")
            X_val, y_val, w_val = take_rows(held, X, y, sample_weight)
            X, y, sample_weight = take_rows(kept, X, y, sample_weight)
        validation = None
        if self.refine:
            validation = HeldOut.of(X_val, y_val, w_val, device)
        # fitted on this split: the user's object stays as it was
        augmenter = fitted_augmenter(self.augmenter, as_tensor(X, device), as_tensor(y, device),
                                     default_p=DEFAULT_CUTMIX_P)
        step = SAflexStep(
            augmenter=augmenter, n_classes=len(self.classes_), validation=validation,
            beta=self.beta, temperature=self.temperature, rescale=self.rescale,
            validation_interval=self.validation_interval, validation_batch_size=self.batch_size,
        )
        return step, X, y, sample_weight
