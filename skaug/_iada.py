"""IADAClassifier: the scikit-learn estimator around :mod:`skaug.methods.iada`."""

import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from ._docstring import substitute
from ._shell import FeatureHeadClassifier, HeldOut, Step
from ._shell._validation import stratified_hold_out, take_rows, user_stacklevel
from ._shell.net import as_tensor
from .methods.common import weighted_cross_entropy, weighted_mean
from .methods.iada import (
    ClassCovariance,
    EpochClassStats,
    PerturbationNet,
    adversarial_direction,
    class_strengths,
    iada_loss,
    meta_step,
    probability_margin,
    training_characteristics,
)

#: Bytes of memory a fit with full class covariances may use at its peak (default 2 GiB).
FULL_COVARIANCE_LIMIT = 2**31
#: Peak memory of a fit with full covariances, in multiples of the covariances' size
#: (measured: 273 MB more than the same fit with diagonals, for 4 classes × 3000² float32
#: = 137 MB, i.e. 2.0×: the covariances and their copy in ``covariances_``; the update is
#: in place, class by class), with a margin.
FULL_COVARIANCE_PEAK_FACTOR = 2.5


class IADAStep(Step):
    """One IADA step on a :class:`~skaug.heads.FeatureHead`, and the state it keeps.

    State: the online class covariances of ``h`` (ISDA's estimator), the
    per-class loss and margin of the previous epoch, the class counts, and
    for ``perturbation="meta"`` the perturbation network, its optimiser and
    the held-out meta set (a :class:`~skaug._step.HeldOut`).

    Each step updates the statistics with the batch; before
    ``warmup_fraction`` of training it returns plain cross-entropy, after it
    ``L_IADA`` with ``λ = lambda0 · progress`` and ``ε`` in units of the
    class spread ``s`` (constant, per class, or from the perturbation
    network after its meta step).
    """

    def __init__(self, *, n_classes, n_hidden, perturbation, epsilon, lambda0, alpha, beta,
                 diagonal, warmup_fraction, meta, meta_lr, lr, meta_batch_size, device):
        super().__init__()
        self.perturbation, self.epsilon, self.lambda0 = perturbation, epsilon, lambda0
        self.alpha, self.beta, self.warmup_fraction = alpha, beta, warmup_fraction
        self.lr, self.meta, self.meta_batch_size = lr, meta, meta_batch_size
        self.covariance = ClassCovariance(n_classes, n_hidden, diagonal).to(device)
        self.stats = EpochClassStats(n_classes).to(device)
        self.class_counts = torch.zeros(n_classes, dtype=torch.long, device=device)
        self.meta_losses, self.meta_loss_curve = [], []
        if perturbation == "meta":
            if meta is None:
                raise ValueError("perturbation='meta' needs a held-out meta set (meta=HeldOut).")
            self.perturbation_net = PerturbationNet(max_strength=epsilon).to(device)
            self.perturbation_optimizer = torch.optim.Adam(
                self.perturbation_net.parameters(), lr=meta_lr
            )

    def observe(self, y):
        counts = torch.bincount(as_tensor(y), minlength=len(self.class_counts))
        self.class_counts += counts.to(self.class_counts.device)
        if self.perturbation == "class":
            self.class_epsilon = class_strengths(self.class_counts, self.epsilon)

    def strengths(self, module, X, h, logits, y, loss_terms, sample_weight, generator,
                  progress):
        """``ε_i`` of the batch (in spread units); for ``"meta"`` after one meta step."""
        if self.perturbation == "constant":
            return torch.full((len(y),), float(self.epsilon), device=X.device, dtype=X.dtype)
        if self.perturbation == "class":
            return self.class_epsilon.to(X.device)[y]
        characteristics = training_characteristics(
            h, logits, y, module.fc.weight, self.class_counts, self.stats, progress
        )
        meta_x, meta_y, meta_weight = self.meta.batch(self.meta_batch_size, generator)
        self.meta_losses.append(
            meta_step(
                module, self.perturbation_net, self.perturbation_optimizer, X,
                characteristics, meta_x, meta_y, lr=self.lr, weight_name="fc.weight",
                loss_terms=loss_terms, sample_weight=sample_weight, meta_weight=meta_weight,
            ).item()
        )
        with torch.no_grad():
            return self.perturbation_net(characteristics)

    def loss(self, module, X, y, sample_weight, *, generator, progress):
        h, logits = module(X, return_hidden=True)
        self.covariance.update(h.detach(), y)
        with torch.no_grad():
            ce = F.cross_entropy(logits, y, reduction="none")
            self.stats.update(ce, probability_margin(logits.softmax(1), y), y)
        if progress < self.warmup_fraction:
            return weighted_cross_entropy(logits, y, sample_weight)

        weight = module.fc.weight
        direction = adversarial_direction(logits, y, weight)
        # ε is measured in units of the spread s (RMS distance of a row from its
        # class mean); δ ~ N(ε s u, λ Σ) is then the same distribution whatever
        # the scale of the features.
        spread = self.covariance.spread()
        covariance = self.covariance.covariance
        lam = self.lambda0 * progress

        def loss_terms(z, w, epsilon):
            return iada_loss(
                z, y, w, direction, epsilon * spread, covariance, lam, self.alpha, self.beta
            )

        epsilon = self.strengths(module, X, h, logits, y, loss_terms, sample_weight, generator,
                                 progress)
        return weighted_mean(loss_terms(logits, weight, epsilon), sample_weight)

    def end_epoch(self, module):
        self.stats.end_epoch()
        if self.meta_losses:
            self.meta_loss_curve.append(float(np.mean(self.meta_losses)))
            self.meta_losses = []

    def fitted_attributes(self):
        out = {
            "class_counts_": self.class_counts.cpu().numpy().copy(),
            "covariances_": self.covariance.covariance.detach().cpu().numpy().copy(),
        }
        if self.perturbation == "class":
            out["class_epsilon_"] = self.class_epsilon.cpu().numpy().copy()
        if self.perturbation == "meta":
            out["perturbation_net_"] = copy.deepcopy(self.perturbation_net).cpu().eval()
            out["meta_loss_curve_"] = list(self.meta_loss_curve)
        return out


@substitute
class IADAClassifier(FeatureHeadClassifier):
    """Classifier head trained with Implicit Adversarial Data Augmentation (IADA).

    Each deep feature ``h_i`` (the input for ``head="linear"``, the last
    hidden layer for ``head="mlp"``) is treated as infinitely many augmented
    copies ``h_i + δ``, ``δ ~ N(ε_i s u_i, λ Σ_{y_i})``: ``u_i`` is the unit
    adversarial direction (the loss gradient, head detached), ``ε_i`` a signed
    per-sample strength (> 0 harder, < 0 easier), ``Σ_c`` the class covariance
    estimated online and ``λ`` ramps linearly from 0 to ``lambda0`` over
    training. The expected cross-entropy over those copies is bounded (Jensen)
    by the closed-form IADA loss, which is what is minimised — no copy is ever
    drawn.

    **The loss is a reconstruction**: the paper (Zhou et al., IJCAI 2024) is
    available to us only as a summary; the formula is derived from its
    statements (see :mod:`skaug.methods.iada`), and its bound is checked by
    Monte Carlo in the tests.

    ``perturbation="constant", epsilon=0`` is ISDA (Wang et al., 2021);
    with ``lambda0=0`` as well it is the plain cross-entropy head.

    Parameters
    ----------
    perturbation : {"class", "meta", "constant"}, default="class"
        How the strengths ``ε_i`` are chosen. ``"class"``: tail classes harder,
        ``ε_c = epsilon · log(n_max/n_c) / max(log(n_max/n_min), log 10)``
        (every class 0 on balanced classes, where the loss is ISDA's; only an
        imbalance of 10 or more gives the rarest class the full ``epsilon``). ``"meta"`` (Meta-IADA, the
        paper's flagship): a perturbation network maps 15 training
        characteristics of each sample to ``ε_i ∈ [−epsilon, epsilon]`` and is
        meta-trained, one look-ahead step at a time, to lower the cross-entropy
        on a small class-balanced meta set held out from the training data
        (its rows weighted by ``sample_weight`` and ``class_weight``, as the training loss is).
        ``"constant"``: ``ε_i = epsilon`` for all. The default is ``"class"``:
        Meta-IADA at its defaults of the time (``epsilon=1.0``) ranged from
        −9.0 ± 6.0 points of balanced accuracy below the plain head (QSAR) to
        +7.7 above it (churn) and fitted 3–5 times slower
        (``benchmarks/results/defaults.md``, rows "Meta-IADA at its
        defaults"); ``perturbation="meta"`` is one parameter away.
    epsilon : float, default=0.03
        Strength of the mean shift, in units of ``s``, the root-mean-square
        distance of a feature from its class mean (so it does not depend on
        the scale of the features; ``s`` sums the spread of all features, so
        a shift of ``s`` along one direction is large). For ``"meta"`` the
        largest strength the network may output. With ``lambda0=0``, 0.03 is
        the setting with the largest mean gain over the plain cross-entropy
        head (+0.23 points of balanced accuracy over skaug's six protocol
        tables) among those that never lose to it by more than the std of the
        difference (worst −0.24 ± 0.29 on churn; +0.19 ± 0.18 on digits with a
        ratio-100 long tail). ``epsilon=0.1`` gains more where labels are
        noisy (+1.2 ± 0.2 at 40 % noise) but loses 1.2 ± 0.6 on churn
        (``benchmarks/results/default_strengths.md``, rows "IADAClassifier");
        1.0, the first default, collapsed to one class on the imbalanced SMS
        and churn sets (``defaults.md``). Tune it, including 0.
    lambda0 : float, default=0.0
        Final strength ``λ`` of the covariance term (ISDA's ``λ0``). Off by
        default: at ``epsilon=0.1`` the term cost 3.0 points on churn
        (−4.2 ± 1.1 against −1.2 ± 0.6 without it) and gained 1.5 with 40 %
        noisy labels (``default_strengths.md``). ISDA is
        ``perturbation="constant", epsilon=0`` with ``lambda0 > 0``.
    alpha : float, default=0.5
        Weight α of the mean-shift term (paper: 0.5).
    beta : float, default=1.0
        Weight β of the covariance term (paper: 1).
    head : {"linear", "mlp"}, default="linear"
        ``"linear"``: logits ``W x + b`` and ``h = x``. ``"mlp"``: ReLU hidden
        layers of ``hidden_layer_sizes``, ``h`` the last hidden layer.
    hidden_layer_sizes : tuple of int, default=(256,)
        Hidden widths for ``head="mlp"`` (ignored for ``"linear"``).
    dropout : float, default=0.0
        Dropout after each hidden layer (``head="mlp"``).
    batch_norm : bool, default=False
        Batch normalisation before each hidden ReLU (``head="mlp"``).
    covariance : {"auto", "full", "diag"}, default="auto"
        Full ``d×d`` class covariances (``C·d²`` floats) or only their
        diagonals (``C·d``). A fit with full covariances needs about
        ``2.5 × 4·C·d²`` bytes at its peak; ``"auto"`` uses full covariances
        when that is within ``skaug._iada.FULL_COVARIANCE_LIMIT`` (2 GiB) and
        the diagonals otherwise, with a warning; ``"full"`` beyond the limit
        raises a ``ValueError``.
    meta_per_class : int, default=10
        Meta-set rows per class for ``"meta"`` (at most half of a class's rows).
        These rows are never trained on.
    meta_lr : float, default=1e-3
        Adam learning rate of the perturbation network.
    warmup_epochs : int, default=5
        Epochs of plain cross-entropy before IADA starts.
    lr : float, default=1e-2
        Adam learning rate of the head (Adam keeps training stable whatever
        the scale of the features); also the step of Meta-IADA's virtual
        look-ahead update.
    weight_decay : float, default=0.0
        L2 penalty of the head's weights (Adam's ``weight_decay``).
    batch_size : int, default=128
        Mini-batch size (also of the meta batches).
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``;
        its loss is the cross-entropy of the clean rows.
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    class_counts_ : ndarray of shape (n_classes,)
        Training rows per class (after the meta set is held out).
    covariances_ : ndarray of shape (n_classes, d, d) or (n_classes, d)
        The class covariances of ``h`` estimated during training.
    class_epsilon_ : ndarray of shape (n_classes,)
        Strengths per class (``perturbation="class"`` only).
    perturbation_net_ : torch.nn.Module
        The trained perturbation network (``perturbation="meta"`` only).
    meta_loss_curve_ : list of float
        Mean meta loss per epoch after the warm-up (``perturbation="meta"`` only).

    References
    ----------
    .. [1] Xiaoling Zhou, Wei Ye, Zhemg Lee, Rui Xie, Shikun Zhang. "Boosting
       Model Resilience via Implicit Adversarial Data Augmentation", IJCAI
       2024, arXiv:2404.16307.
    .. [2] Wang, Huang, Song, Pan, Xia, Wu. "Regularizing Deep Networks with
       Semantic Data Augmentation" (ISDA), TPAMI 2021.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skaug import IADAClassifier
    >>> X, y = load_wine(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(),
    ...                     IADAClassifier(perturbation="class", max_epochs=30, random_state=0))
    >>> bool(clf.fit(X, y).score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **FeatureHeadClassifier._parameter_constraints,
        "perturbation": [StrOptions({"meta", "class", "constant"})],
        "epsilon": [Interval(Real, None, None, closed="neither")],
        "lambda0": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "covariance": [StrOptions({"auto", "full", "diag"})],
        "meta_per_class": [Interval(Integral, 1, None, closed="left")],
        "meta_lr": [Interval(Real, 0, None, closed="neither")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        perturbation="class",
        epsilon=0.03,
        lambda0=0.0,
        alpha=0.5,
        beta=1.0,
        head="linear",
        hidden_layer_sizes=(256,),
        dropout=0.0,
        batch_norm=False,
        covariance="auto",
        meta_per_class=10,
        meta_lr=1e-3,
        warmup_epochs=5,
        lr=1e-2,
        weight_decay=0.0,
        batch_size=128,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
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
        self.perturbation = perturbation
        self.epsilon = epsilon
        self.lambda0 = lambda0
        self.alpha = alpha
        self.beta = beta
        self.head = head
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.covariance = covariance
        self.meta_per_class = meta_per_class
        self.meta_lr = meta_lr
        self.warmup_epochs = warmup_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.class_weight = class_weight
        self.warm_start = warm_start
        self.callbacks = callbacks
        self.random_state = random_state
        self.device = device
        self.n_threads = n_threads
        self.verbose = verbose

    # -- shell hooks ------------------------------------------------------------
    def _check_partial_fit(self):
        if self.perturbation == "meta":
            raise AttributeError(
                "partial_fit cannot train Meta-IADA: its meta set is held out from all the "
                "training data at once. Use fit, or perturbation='class' or 'constant'."
            )

    def _diagonal_covariance(self, n_classes, width):
        """Whether this fit keeps only the covariances' diagonals (see ``covariance``)."""
        if self.covariance == "diag":
            return True
        peak = FULL_COVARIANCE_PEAK_FACTOR * 4 * n_classes * width**2
        if peak <= FULL_COVARIANCE_LIMIT:
            return False
        need = (f"full class covariances of {n_classes} classes × {width}² floats "
                f"({4 * n_classes * width**2 / 2**30:.2f} GiB) need about {peak / 2**30:.1f} GiB "
                f"at the peak of a fit, beyond the limit of "
                f"{FULL_COVARIANCE_LIMIT / 2**30:.1f} GiB")
        if self.covariance == "full":
            raise ValueError(f"covariance='full': {need}. Use covariance='diag' (or 'auto').")
        warnings.warn(f"covariance='auto' keeps only the diagonals: {need}.", UserWarning,
                      stacklevel=user_stacklevel())
        return True

    def _make_step(self, X, y, sample_weight, seed, device):
        n_classes = len(self.classes_)
        width = (tuple(self.hidden_layer_sizes) if self.head == "mlp" else ()) or (X.shape[1],)
        width = width[-1]
        diagonal = self._diagonal_covariance(n_classes, width)
        meta = None
        if self.perturbation == "meta":
            keep, rows = stratified_hold_out(
                y, seed, per_class=self.meta_per_class,
                who=f"perturbation='meta' (its meta set, meta_per_class={self.meta_per_class})",
                remedy="Use perturbation='class' or 'constant', or more data.")
            meta = HeldOut.of(*take_rows(rows, X, y, sample_weight), device)
            X, y, sample_weight = take_rows(keep, X, y, sample_weight)
        step = IADAStep(
            n_classes=n_classes, n_hidden=width, perturbation=self.perturbation,
            epsilon=self.epsilon, lambda0=self.lambda0, alpha=self.alpha, beta=self.beta,
            diagonal=diagonal,
            warmup_fraction=min(self.warmup_epochs / self.max_epochs, 1.0), meta=meta,
            meta_lr=self.meta_lr, lr=self.lr, meta_batch_size=self.batch_size, device=device,
        )
        return step, X, y, sample_weight
