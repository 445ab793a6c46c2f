"""The per-fit training state of a method: :class:`Step`, and :class:`HeldOut` batches.

An estimator holds only its parameters and, after ``fit``, its fitted
attributes. Everything one fit needs while it runs — held-out tensors, a meta
network and its optimiser, a cached validation gradient, running statistics,
counters — lives in a ``Step`` built by the estimator's ``_make_step`` and
handed to the skorch net (``net_.step``). The net calls

- ``step.loss(module, X, y, w, *, generator, progress)`` once per mini-batch
  (then ``backward`` and the optimiser step are skorch's),
- ``step.validation_loss(module, X, y, w)`` on the early-stopping split,
- ``step.end_epoch(module)`` after every epoch,

and the shell copies ``step.fitted_attributes()`` onto the estimator after
every ``fit`` or ``partial_fit``. The step stays on the fitted net, so
``warm_start`` and ``partial_fit`` continue where training stopped. A step
can be unit-tested on small tensors without a fit.
"""

import torch

from ..methods.common import weighted_cross_entropy
from .net import as_tensor


class Step:
    """Base class of the methods' training steps.

    A subclass's constructor takes everything it uses as required keyword
    arguments (no defaults): the estimator passes each of them explicitly,
    so a value it forgets to pass is an error, not a silent default.

    Attributes
    ----------
    total_steps : int
        Optimisation steps over which ``progress`` goes from 0 to 1 (set by
        the shell: batches per epoch × ``max_epochs``).
    steps_done : int
        Steps taken so far (advanced by the net after each training batch).
    """

    def __init__(self):
        self.total_steps = 1
        self.steps_done = 0

    @property
    def progress(self):
        """Fraction of training done: 0 at the start, 1 from ``total_steps`` on."""
        return min(self.steps_done / max(self.total_steps, 1), 1.0)

    def observe(self, y):
        """Called with the (encoded) training labels before each fit or partial_fit."""

    def loss(self, module, X, y, sample_weight, *, generator, progress):  # pragma: no cover
        """The scalar loss of one training step on the batch ``(X, y)``."""
        raise NotImplementedError

    def validation_loss(self, module, X, y, sample_weight):
        """The loss monitored on held-out rows (early stopping): cross-entropy by default."""
        return weighted_cross_entropy(module(X), y, sample_weight)

    def end_epoch(self, module):
        """Called after every epoch."""

    def fitted_attributes(self):
        """``{name: value}`` of what the estimator exposes after fit (names end in ``_``)."""
        return {}


class HeldOut:
    """Rows held out from training (a validation or meta set) and batches drawn from them.

    Every method that needs held-out batches (SAflex's validation gradient,
    Meta-IADA's meta loss) draws them here, in one way: all rows when there
    are at most ``size``, else ``size`` distinct rows chosen uniformly at
    random with the method's generator.
    """

    def __init__(self, X, y, sample_weight=None):
        self.X, self.y, self.sample_weight = X, y, sample_weight

    @classmethod
    def of(cls, X, y, sample_weight, device):
        """The held-out rows from arrays (``sample_weight`` may be None), as tensors on
        ``device``."""
        return cls(as_tensor(X, device), as_tensor(y, device),
                   None if sample_weight is None else as_tensor(sample_weight, device))

    def __len__(self):
        return len(self.y)

    def batch(self, size, generator):
        """``(X, y, sample_weight)`` of ``min(size, len(self))`` distinct held-out rows."""
        if len(self) <= size:
            return self.X, self.y, self.sample_weight
        idx = torch.randperm(len(self), generator=generator, device=generator.device)
        idx = idx[:size].to(self.y.device)
        w = None if self.sample_weight is None else self.sample_weight[idx]
        return self.X[idx], self.y[idx], w
