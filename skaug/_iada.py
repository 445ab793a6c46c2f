"""IADAClassifier: the scikit-learn estimator around :mod:`skaug.methods.iada`."""

from numbers import Integral, Real

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions
from torch import nn

from ._base import SkaugClassifier
from .heads import FeatureHead
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

_FULL_COVARIANCE_LIMIT = 2**31  # bytes: beyond this, full class covariances are refused


class IADAModule(nn.Module):
    """The fitted torch state of an IADAClassifier: head, class covariances, epoch statistics."""

    def __init__(self, n_features, n_classes, hidden_layer_sizes, diagonal):
        super().__init__()
        self.head = FeatureHead(n_features, n_classes, hidden_layer_sizes)
        self.covariance = ClassCovariance(n_classes, self.head.n_hidden_features, diagonal)
        self.stats = EpochClassStats(n_classes)

    def forward(self, x, return_hidden=False):
        return self.head(x, return_hidden=return_hidden)

    def end_epoch(self):
        self.stats.end_epoch()


class IADAClassifier(SkaugClassifier):
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
    perturbation : {"meta", "class", "constant"}, default="meta"
        How the strengths ``ε_i`` are chosen. ``"constant"``: ``ε_i =
        epsilon`` for all. ``"class"``: tail classes harder,
        ``ε_c = epsilon · log(n_max/n_c) / log(n_max/n_min)``. ``"meta"``
        (Meta-IADA): a perturbation network maps 15 training characteristics
        of each sample to ``ε_i ∈ [−epsilon, epsilon]`` and is meta-trained,
        one look-ahead step at a time, to lower the cross-entropy on a small
        class-balanced meta set held out from the training data.
    epsilon : float, default=1.0
        Strength of the mean shift, in units of ``s``, the root-mean-square
        distance of a feature from its class mean (so it does not depend on
        the scale of the features). For ``"meta"`` the largest strength the
        network may output.
    lambda0 : float, default=0.1
        Final strength ``λ`` of the covariance term (ISDA's ``λ0``).
    alpha : float, default=0.5
        Weight α of the mean-shift term (paper: 0.5).
    beta : float, default=1.0
        Weight β of the covariance term (paper: 1).
    head : {"linear", "mlp"}, default="linear"
        ``"linear"``: logits ``W x + b`` and ``h = x``. ``"mlp"``: ReLU hidden
        layers of ``hidden_layer_sizes``, ``h`` the last hidden layer.
    hidden_layer_sizes : tuple of int, default=(256,)
        Hidden widths for ``head="mlp"`` (ignored for ``"linear"``).
    covariance : {"full", "diag"}, default="full"
        Full ``d×d`` class covariances (``C·d²`` floats; refused beyond 2 GiB)
        or only their diagonals (``C·d``) for large ``d``.
    meta_per_class : int, default=10
        Meta-set rows per class for ``"meta"`` (at most half of a class's rows).
        These rows are never trained on.
    meta_lr : float, default=1e-3
        Adam learning rate of the perturbation network.
    warmup_epochs : int, default=5
        Epochs of plain cross-entropy before IADA starts.
    class_weight : dict, "balanced" or None, default=None
        Class weights multiplying the sample weights, as in scikit-learn.
    lr : float, default=1e-2
        Adam learning rate of the head (Adam keeps training stable whatever
        the scale of the features); also the step of Meta-IADA's virtual
        look-ahead update.
    weight_decay : float, default=0.0
        L2 penalty of the head's weights (Adam's ``weight_decay``).
    batch_size : int, default=128
    max_epochs : int, default=100
    early_stopping : bool, default=False
        Stop on the cross-entropy of a held-out stratified split.
    validation_fraction : float, default=0.1
    n_iter_no_change : int, default=10
    tol : float, default=1e-4
    random_state : int, RandomState instance or None, default=None
    device : {"auto", "cpu", "cuda"} or str, default="auto"
    verbose : int, default=0

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
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
    loss_curve_ : list of float
    n_iter_ : int
    net_ : skorch.NeuralNetClassifier

    References
    ----------
    .. [1] Zhou, Hu, Wu, Yang, Shen, Wang. "Boosting Model Resilience via
       Implicit Adversarial Data Augmentation", IJCAI 2024, arXiv:2404.16307.
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
        **SkaugClassifier._parameter_constraints,
        "perturbation": [StrOptions({"meta", "class", "constant"})],
        "epsilon": [Interval(Real, None, None, closed="neither")],
        "lambda0": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "beta": [Interval(Real, 0, None, closed="left")],
        "head": [StrOptions({"linear", "mlp"})],
        "hidden_layer_sizes": [tuple, list],
        "covariance": [StrOptions({"full", "diag"})],
        "meta_per_class": [Interval(Integral, 1, None, closed="left")],
        "meta_lr": [Interval(Real, 0, None, closed="neither")],
        "warmup_epochs": [Interval(Integral, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        perturbation="meta",
        epsilon=1.0,
        lambda0=0.1,
        alpha=0.5,
        beta=1.0,
        head="linear",
        hidden_layer_sizes=(256,),
        covariance="full",
        meta_per_class=10,
        meta_lr=1e-3,
        warmup_epochs=5,
        class_weight=None,
        lr=1e-2,
        weight_decay=0.0,
        batch_size=128,
        max_epochs=100,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        random_state=None,
        device="auto",
        verbose=0,
    ):
        self.perturbation = perturbation
        self.epsilon = epsilon
        self.lambda0 = lambda0
        self.alpha = alpha
        self.beta = beta
        self.head = head
        self.hidden_layer_sizes = hidden_layer_sizes
        self.covariance = covariance
        self.meta_per_class = meta_per_class
        self.meta_lr = meta_lr
        self.warmup_epochs = warmup_epochs
        self.class_weight = class_weight
        self.lr = lr
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # -- shell hooks ------------------------------------------------------------
    def _hidden_sizes(self):
        return tuple(self.hidden_layer_sizes) if self.head == "mlp" else ()

    def _build_module(self, n_features, n_classes):
        width = (self._hidden_sizes() or (n_features,))[-1]
        if self.covariance == "full" and 4 * n_classes * width**2 > _FULL_COVARIANCE_LIMIT:
            raise ValueError(
                f"covariance='full' needs {n_classes} × {width} × {width} floats "
                f"({4 * n_classes * width**2 / 2**30:.1f} GiB) for {n_classes} classes of "
                f"{width}-d features. Use covariance='diag'."
            )
        return IADAModule(n_features, n_classes, self._hidden_sizes(), self.covariance == "diag")

    def _optimizer(self):
        return torch.optim.Adam, {"weight_decay": self.weight_decay}

    def _split_meta(self, y, seed):
        """Indices of a class-balanced meta set: min(meta_per_class, n_c // 2) rows per class."""
        rng = np.random.RandomState(seed)
        meta = []
        for c in np.unique(y):
            rows = rng.permutation(np.flatnonzero(y == c))
            meta.extend(rows[: min(self.meta_per_class, len(rows) // 2)])
        if not meta:
            raise ValueError(
                "perturbation='meta' holds out a class-balanced meta set of up to "
                f"meta_per_class={self.meta_per_class} rows per class (at most half of each "
                "class), but no class has 2 rows. Use perturbation='class' or 'constant', "
                "or more data."
            )
        return np.sort(np.asarray(meta))

    def _prepare_training(self, X, y, sample_weight, seed, device):
        n_classes = len(self.classes_)
        if self.perturbation == "meta":
            meta = self._split_meta(y, seed)
            keep = np.setdiff1d(np.arange(len(y)), meta)
            self._meta = (
                torch.as_tensor(X[meta], device=device),
                torch.as_tensor(y[meta], device=device),
            )
            X, y = X[keep], y[keep]
            sample_weight = None if sample_weight is None else sample_weight[keep]
            self.perturbation_net_ = PerturbationNet(max_strength=self.epsilon).to(device)
            self._perturbation_optimizer = torch.optim.Adam(
                self.perturbation_net_.parameters(), lr=self.meta_lr
            )
            self._meta_losses = []
        counts = np.bincount(y, minlength=n_classes)
        self.class_counts_ = counts
        self._class_counts = torch.as_tensor(counts, device=device)
        if self.perturbation == "class":
            self._class_epsilon = class_strengths(self._class_counts, self.epsilon)
            self.class_epsilon_ = self._class_epsilon.cpu().numpy()
        self._warmup_fraction = min(self.warmup_epochs / self.max_epochs, 1.0)
        self._steps_per_epoch = -(-len(y) // self.batch_size)
        return X, y, sample_weight

    def _finish_training(self):
        if self.perturbation == "meta" and hasattr(self, "_meta_losses"):
            losses, per_epoch = self._meta_losses, self._steps_per_epoch
            self.meta_loss_curve_ = [
                float(np.mean(losses[i : i + per_epoch])) for i in range(0, len(losses), per_epoch)
            ]
            self.perturbation_net_ = self.perturbation_net_.cpu().eval()
        for name in ("_meta", "_meta_losses", "_perturbation_optimizer", "_class_counts",
                     "_class_epsilon"):
            self.__dict__.pop(name, None)

    def _meta_batch(self, generator):
        meta_x, meta_y = self._meta
        if len(meta_y) <= self.batch_size:
            return meta_x, meta_y
        idx = torch.randperm(len(meta_y), generator=generator, device=generator.device)
        idx = idx[: self.batch_size].to(meta_y.device)
        return meta_x[idx], meta_y[idx]

    def _training_loss(self, module, X, y, sample_weight, *, generator, progress):
        h, logits = module(X, return_hidden=True)
        module.covariance.update(h.detach(), y)
        with torch.no_grad():
            ce = F.cross_entropy(logits, y, reduction="none")
            module.stats.update(ce, probability_margin(logits.softmax(1), y), y)
        if progress < self._warmup_fraction:
            return weighted_cross_entropy(logits, y, sample_weight)

        weight = module.head.fc.weight
        direction = adversarial_direction(logits, y, weight)
        # ε is measured in units of the spread s (RMS distance of a row from its
        # class mean); δ ~ N(ε s u, λ Σ) is then the same distribution whatever
        # the scale of the features.
        spread = module.covariance.spread()
        covariance = module.covariance.covariance
        lam = self.lambda0 * progress

        def loss_terms(z, w, epsilon):
            return iada_loss(
                z, y, w, direction, epsilon * spread, covariance, lam, self.alpha, self.beta
            )

        if self.perturbation == "constant":
            epsilon = torch.full_like(ce, self.epsilon)
        elif self.perturbation == "class":
            epsilon = self._class_epsilon[y]
        else:
            characteristics = training_characteristics(
                h, logits, y, weight, self._class_counts, module.stats, progress
            )
            meta_x, meta_y = self._meta_batch(generator)
            self._meta_losses.append(
                meta_step(
                    module.head,
                    self.perturbation_net_,
                    self._perturbation_optimizer,
                    X,
                    y,
                    characteristics,
                    meta_x,
                    meta_y,
                    lr=self.lr,
                    weight_name="fc.weight",
                    loss_terms=loss_terms,
                    sample_weight=sample_weight,
                ).item()
            )
            with torch.no_grad():
                epsilon = self.perturbation_net_(characteristics)
        return weighted_mean(loss_terms(logits, weight, epsilon), sample_weight)

    @property
    def covariances_(self):
        """Class covariances of ``h`` estimated during training."""
        return self.net_.module_.covariance.covariance.detach().cpu().numpy().copy()
