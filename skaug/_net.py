"""The skorch net inside every skaug classifier.

One override point: :meth:`SkaugNet.train_step_single` calls the method's
training loss (a callable set by the estimator shell) instead of skorch's
``infer`` + ``criterion``. Everything else — epochs, callbacks, history,
optimiser, device handling, pickling — is skorch's.
"""

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from .exceptions import DivergenceError


class TensorBatchLoader:
    """Mini-batches sliced from tensors held on the net's device.

    A drop-in replacement for ``torch.utils.data.DataLoader`` for in-memory
    feature matrices: the data is converted to tensors once per dataset and
    every batch is one indexing operation instead of a per-row collate.

    Batches are ``(X_batch, y_batch)`` where ``X_batch`` is a tensor or, when
    the dataset holds a dict (``{"X": ..., "sample_weight": ...}``), a dict of
    tensors.
    """

    def __init__(self, dataset, batch_size, shuffle=False, generator=None, device="cpu"):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.generator = generator
        self.device = device

    def _tensors(self):
        cache = getattr(self.dataset, "_skaug_tensors", None)
        if cache is not None and cache[0] == str(self.device):
            return cache[1], cache[2]

        def to_tensor(a):
            return torch.as_tensor(np.asarray(a), device=self.device)

        X, y = self.dataset.X, self.dataset.y
        X = {k: to_tensor(v) for k, v in X.items()} if isinstance(X, dict) else to_tensor(X)
        y = None if y is None else to_tensor(y)
        self.dataset._skaug_tensors = (str(self.device), X, y)
        return X, y

    def __len__(self):
        n = len(self.dataset)
        return (n + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        X, y = self._tensors()
        n = len(self.dataset)
        order = None
        if self.shuffle:
            order = torch.randperm(n, generator=self.generator).to(self.device)
        for start in range(0, n, self.batch_size):
            if order is None:
                idx = slice(start, start + self.batch_size)
            else:
                idx = order[start : start + self.batch_size]
            Xb = {k: v[idx] for k, v in X.items()} if isinstance(X, dict) else X[idx]
            yield Xb, (None if y is None else y[idx])


class StopOnDivergence(Callback):
    """Raise :class:`DivergenceError` when training diverges.

    Divergence is a training loss that is not finite, or an epoch whose mean
    training loss exceeds ``factor`` times the loss of the initial model (the
    first batch's loss, computed before any update; taken as at least 1).
    """

    def __init__(self, factor=1e3):
        self.factor = factor

    def on_train_begin(self, net, **kwargs):
        self.initial_loss_ = None

    def _raise(self, net, what):
        raise DivergenceError(
            f"{net.estimator_name} diverged: {what} at epoch {len(net.history)}. "
            f"Lower the learning rate lr (currently {net.lr}) or the augmentation "
            "strength, and fit again."
        )

    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        loss = net.history[-1, "batches", -1, "train_loss"]
        if not np.isfinite(loss):
            self._raise(net, f"the training loss became {loss}")
        if self.initial_loss_ is None:
            self.initial_loss_ = loss

    def on_epoch_end(self, net, **kwargs):
        loss = net.history[-1, "train_loss"]
        # The initial loss may be tiny (a lucky start); CE-type losses above
        # `factor` are diverged whatever the start.
        if self.initial_loss_ is not None and loss > self.factor * max(self.initial_loss_, 1.0):
            self._raise(
                net,
                f"the mean training loss {loss:.4g} is more than {self.factor:g} times the "
                f"initial model's loss {max(self.initial_loss_, 1.0):.4g}",
            )


class ModuleEpochEnd(Callback):
    """Call ``net.module_.end_epoch()`` after each epoch, for modules that keep per-epoch state."""

    def on_epoch_end(self, net, **kwargs):
        end_epoch = getattr(net.module_, "end_epoch", None)
        if end_epoch is not None:
            end_epoch()


class EpochProgressBar(Callback):
    """A tqdm progress bar over epochs, showing the last losses."""

    def on_train_begin(self, net, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, desc=net.estimator_name, unit="epoch")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        postfix = {k: f"{row[k]:.4f}" for k in ("train_loss", "valid_loss") if k in row}
        self.bar_.set_postfix(postfix, refresh=False)
        self.bar_.update(1)

    def on_train_end(self, net, **kwargs):
        self.bar_.close()


class SkaugNet(NeuralNetClassifier):
    """``NeuralNetClassifier`` whose training step calls a method's loss.

    Parameters (besides skorch's)
    ------------------------------
    training_loss : callable
        ``training_loss(module, X, y, sample_weight, *, generator, progress)``
        returns the scalar loss of one training step; ``progress`` is the
        fraction of training done (0 at the start, 1 at the end).
    validation_loss : callable
        ``validation_loss(module, X, y, sample_weight)``, the loss monitored on
        the validation split (early stopping).
    generator : torch.Generator
        The seeded source of the method's randomness.
    total_steps : int
        Number of optimisation steps in the whole fit (for ``progress``).
    estimator_name : str
        Used in messages.
    """

    def __init__(
        self,
        *args,
        training_loss=None,
        validation_loss=None,
        generator=None,
        total_steps=1,
        estimator_name="skaug",
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.training_loss = training_loss
        self.validation_loss = validation_loss
        self.generator = generator
        self.total_steps = total_steps
        self.estimator_name = estimator_name

    def _unpack(self, batch):
        Xi, yi = batch
        if isinstance(Xi, dict):
            return Xi["X"], yi, Xi.get("sample_weight")
        return Xi, yi, None

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        super().on_train_begin(net, X=X, y=y, **kwargs)
        self.steps_done_ = 0

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y, w = self._unpack(batch)
        progress = min(self.steps_done_ / max(self.total_steps, 1), 1.0)
        loss = self.training_loss(
            self.module_, X, y, w, generator=self.generator, progress=progress
        )
        loss.backward()
        self.steps_done_ += 1
        return {"loss": loss, "y_pred": None}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, y, w = self._unpack(batch)
        with torch.no_grad():
            loss = self.validation_loss(self.module_, X, y, w)
        return {"loss": loss, "y_pred": None}
