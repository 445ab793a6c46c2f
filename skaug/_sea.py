"""SeAClassifier: the scikit-learn estimator around :mod:`skaug.methods.sea`."""

import warnings
from numbers import Real

import torch
from sklearn.utils._param_validation import Interval, StrOptions

from ._docstring import substitute
from ._shell import SkaugClassifier, Step
from ._shell._validation import user_stacklevel
from ._shell.net import as_tensor
from .heads import LinearHead
from .methods.common import unit_normalize, weighted_mean
from .methods.sea import DIRECTIONS, sea_loss, smoothed_hinge


class SeAStep(Step):
    """One SeA step: augment the batch with the head frozen, smoothed hinge on the augmented rows.

    The validation loss (early stopping) is the same smoothed hinge on the
    clean held-out rows.
    """

    def __init__(self, *, eta, alpha, temperature, margin, direction):
        super().__init__()
        self.eta, self.alpha, self.direction = eta, alpha, direction
        self.temperature, self.margin = temperature, margin

    def loss(self, module, X, y, sample_weight, *, generator, progress):
        return sea_loss(
            module, X, y, sample_weight, eta=self.eta, alpha=self.alpha,
            temperature=self.temperature, margin=self.margin, direction=self.direction,
            generator=generator,
        )

    def validation_loss(self, module, X, y, sample_weight):
        return weighted_mean(
            smoothed_hinge(module(X), y, self.temperature, self.margin), sample_weight
        )



@substitute
class SeAClassifier(SkaugClassifier):
    """Linear classifier trained with Semantic Adversarial Augmentation (SeA).

    For each mini-batch, the gradient of the loss with respect to every
    (unit-norm) feature row is projected onto the span of the *other* rows of
    the batch (Eq. 6–10 of the paper), each row is moved a step ``eta`` along
    that semantic direction and renormalised (Eq. 11), and a bias-free linear
    head is trained on the augmented batch alone with SGD + momentum and the
    smoothed hinge loss (Eq. 15, Algorithm 1).

    SeA is meant for *deep features* from frozen pretrained backbones, whose
    directions are semantically organised; rows of ``X`` are normalised to unit
    length inside the estimator (the paper's ``Π``). On raw tabular features it
    usually does not help: compare with ``eta=0`` and with
    :class:`~sklearn.linear_model.LogisticRegression`, and tune ``eta``
    (including 0) by cross-validation.

    Parameters
    ----------
    eta : float, default=0.01
        Augmentation step size η (Eq. 11). ``eta=0`` trains without
        augmentation. The paper searched {0, 0.2, 0.4, 0.8}; on ResNet
        features of CIFAR-10 0.2–0.4 helped most (``benchmarks/results/sea.md``).
        On skaug's six protocol tables every η ≥ 0.02 lost to ``eta=0`` by
        more than the std of the difference on churn (0.05: −4.5 ± 4.3 points
        of balanced accuracy, and on SMS spam); 0.01 is the only candidate
        that never did (worst −0.7 ± 2.2 on arrhythmia; +0.7 ± 0.4 with 40 %
        noisy labels, where 0.05 gains +4.1 ± 0.9):
        ``benchmarks/results/default_strengths.md``, rows "SeAClassifier".
        So the default is a mild step that does no harm; tune it, including 0.
        With two classes the semantic direction points straight at the other
        class and a large step collapses the head to one class (balanced
        accuracy 50 % on SMS spam at 0.8); a warning is issued for
        ``eta > 0.2`` on binary problems.
    alpha : float, default=0.01
        Entropy weight α of the projection (Eq. 9); 0 projects onto the single
        most aligned other row. Paper grid {0.01, 0.02, 0.05}.
    temperature : float, default=0.1
        Temperature λ of the smoothed hinge loss (Eq. 15). ``temperature=1``
        with ``margin=0`` is cross-entropy. Paper grid {0.05, 0.1, 1}.
    margin : float, default=0.0
        Margin δ of the smoothed hinge loss. Paper grid {0, 1}.
    direction : {"sea", "adv", "sea_neg", "rand", "mixup", "none"}, default="sea"
        Augmentation direction, as in the paper's ablation (Fig. 4): ``"sea"``
        the semantic adversarial direction; ``"adv"`` the raw loss gradient
        ``Π(x + η g)`` (use a small ``eta``, 0.005–0.05); ``"sea_neg"`` the
        projection of ``Σ_c p_c w_c`` (no ``−w_y`` term); ``"rand"`` a
        random convex combination of the other rows; ``"mixup"`` one random
        other row; ``"none"`` no augmentation.
    lr : float, default=1.0
        Constant SGD learning rate. Paper grid {2^-2, ..., 2^3}.
    momentum : float, default=0.9
        SGD momentum.
    weight_decay : float, default=0.0
        Weight decay τ (Algorithm 1, line 6). Paper grid {0, 1e-6, 1e-5, 1e-4}.
    batch_size : int, default=256
        Mini-batch size; the other rows of a batch span the semantic subspace.
    validation_fraction : float, default=0.1
        Share of the training data held out when ``early_stopping=True``;
        its loss is the smoothed hinge of the clean rows.
    {shared_parameters}

    Attributes
    ----------
    {shared_attributes}
    coef_ : ndarray of shape (n_classes, `n_features_in_`)
        Weights of the linear head (applied to unit-normalised rows).

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The baseline to beat.

    Notes
    -----
    Paper defaults (CIFAR-100 ablation): ``temperature=0.1, margin=0,
    alpha=0.01, lr=1``, 100 epochs, batch 256. Probabilities are
    ``softmax(z / temperature)``, the model of the smoothed hinge loss without
    its training margin.

    References
    ----------
    .. [1] Qi Qian, Yuanhong Xu, Juhua Hu. "SeA: Semantic Adversarial
       Augmentation for Last Layer Features from Unsupervised Representation
       Learning", ECCV 2024, arXiv:2408.13351.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from skaug import SeAClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = SeAClassifier(eta=0.2, max_epochs=20, random_state=0).fit(X[:1000], y[:1000])
    >>> clf.predict(X[1000:1003]).shape
    (3,)
    >>> bool(clf.score(X[1000:], y[1000:]) > 0.8)
    True
    """

    _parameter_constraints: dict = {
        **SkaugClassifier._parameter_constraints,
        "eta": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="neither")],
        "margin": [Interval(Real, None, None, closed="neither")],
        "direction": [StrOptions(set(DIRECTIONS))],
        "momentum": [Interval(Real, 0, 1, closed="left")],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        *,
        eta=0.01,
        alpha=0.01,
        temperature=0.1,
        margin=0.0,
        direction="sea",
        lr=1.0,
        momentum=0.9,
        weight_decay=0.0,
        batch_size=256,
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
        self.eta = eta
        self.alpha = alpha
        self.temperature = temperature
        self.margin = margin
        self.direction = direction
        self.lr = lr
        self.momentum = momentum
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

    def _build_module(self, n_features, n_classes):
        return LinearHead(n_features, n_classes, bias=False)

    def _optimizer(self):
        return torch.optim.SGD, {"momentum": self.momentum, "weight_decay": self.weight_decay}

    def _transform_input(self, X):
        # SeA works on unit-length rows (the paper's Π).
        return unit_normalize(as_tensor(X)).numpy()

    def _check_problem(self, X, y):
        if len(self.classes_) == 2 and self.eta > 0.2 and self.direction in ("sea", "sea_neg"):
            warnings.warn(
                f"SeAClassifier with two classes and eta={self.eta}: the semantic "
                "direction of a binary problem points straight at the other class, and "
                "a large step can collapse the head to one class. Tune eta by "
                "cross-validation including small values and 0.",
                UserWarning,
                stacklevel=user_stacklevel(),
            )

    def _make_step(self, X, y, sample_weight, seed, device):
        step = SeAStep(eta=self.eta, alpha=self.alpha, temperature=self.temperature,
                       margin=self.margin, direction=self.direction)
        return step, X, y, sample_weight

    def _proba_logits(self, logits):
        return logits / self.temperature

    @property
    def coef_(self):
        """Weights of the linear head, shape (n_classes, ``n_features_in_``)."""
        return self.net_.module_.weight.detach().cpu().numpy().copy()
