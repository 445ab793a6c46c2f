"""The skorch net inside every skaug classifier.

One override point for the maths: :meth:`SkaugNet.train_step_single` calls
the method's :class:`~skaug._shell.step.Step` (``net.step.loss``) instead of
skorch's ``infer`` + ``criterion``. :meth:`SkaugNet.fit_loop` only lets a
real Ctrl-C reach the caller (skorch ends training quietly on it) and ends
the loop on early stopping. Everything else — epochs, callbacks, history,
optimiser, device handling, pickling — is skorch's.
"""

import re
import warnings

import numpy as np
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback, EarlyStopping, PrintLog

from ..exceptions import DivergenceError

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def as_tensor(a, device="cpu"):
    """``torch.as_tensor`` of an array, also for read-only ones (memmaps, pandas 3 frames).

    skaug never writes into its input tensors, so torch's warning that a
    read-only array is shared is beside the point; the data is not copied.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The given NumPy array is not writable", UserWarning)
        return torch.as_tensor(np.asarray(a), device=device)


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

        X, y = self.dataset.X, self.dataset.y
        if isinstance(X, dict):
            X = {k: as_tensor(v, self.device) for k, v in X.items()}
        else:
            X = as_tensor(X, self.device)
        y = None if y is None else as_tensor(y, self.device)
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


class StopTraining(Exception):
    """Raised by :class:`StopEarly` to end the epoch loop (caught by :class:`SkaugNet`)."""


class TrainingInterrupted(BaseException):
    """A Ctrl-C during training, carried past skorch's ``partial_fit`` (which swallows
    ``KeyboardInterrupt``) to the shell, which raises ``KeyboardInterrupt`` again."""


def no_output(*args, **kwargs):
    """A callback's ``sink`` that prints nothing (a module function: the net pickles)."""


class StopEarly(EarlyStopping):
    """skorch's ``EarlyStopping``, stopping with :class:`StopTraining`.

    skorch's own callback raises ``KeyboardInterrupt`` to stop, which makes a
    real Ctrl-C indistinguishable from early stopping; skaug lets Ctrl-C
    reach the caller.
    """

    def on_epoch_end(self, net, **kwargs):
        try:
            super().on_epoch_end(net, **kwargs)
        except KeyboardInterrupt:
            if self.misses_ != self.patience:  # pragma: no cover - a real Ctrl-C
                raise
            raise StopTraining from None


class StepEpochEnd(Callback):
    """Call ``net.step.end_epoch(module)`` after each epoch (per-epoch state of a method)."""

    def on_epoch_end(self, net, **kwargs):
        net.step.end_epoch(net.module_)


class PlainPrintLog(PrintLog):
    """skorch's per-epoch loss table without ANSI colour codes (they garble log files)."""

    def format_row(self, row, key, color):
        value = super().format_row(row, key, color)
        return _ANSI.sub("", value) if isinstance(value, str) else value


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
    """``NeuralNetClassifier`` whose training step calls a method's :class:`~skaug._step.Step`.

    Parameters (besides skorch's)
    ------------------------------
    step : skaug._step.Step
        The method's per-fit state and losses: ``step.loss(module, X, y, w, *,
        generator, progress)`` for a training batch, ``step.validation_loss(
        module, X, y, w)`` on the early-stopping split; ``progress`` is
        ``step.progress`` (0 at the start of training, 1 at the end).
    generator : torch.Generator
        The seeded source of the method's randomness.
    estimator_name : str
        Used in messages.
    """

    def __init__(self, *args, step=None, generator=None, estimator_name="skaug", **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        self.generator = generator
        self.estimator_name = estimator_name

    def fit_loop(self, X, y=None, epochs=None, **fit_params):
        """skorch's ``fit_loop``; early stopping ends it, and a Ctrl-C is carried out.

        skorch's ``partial_fit`` ends training quietly on ``KeyboardInterrupt``
        and returns a part-trained net; a scikit-learn estimator must not look
        fitted after an interrupted fit, so the interrupt leaves as
        :class:`TrainingInterrupted`. Early stopping ends the loop with
        :class:`StopTraining`, caught here.
        """
        try:
            return super().fit_loop(X, y, epochs=epochs, **fit_params)
        except StopTraining:
            return self
        except KeyboardInterrupt as exc:
            raise TrainingInterrupted from exc

    def _unpack(self, batch):
        Xi, yi = batch
        if isinstance(Xi, dict):
            return Xi["X"], yi, Xi.get("sample_weight")
        return Xi, yi, None

    def train_step_single(self, batch, **fit_params):
        self._set_training(True)
        X, y, w = self._unpack(batch)
        step = self.step
        loss = step.loss(self.module_, X, y, w, generator=self.generator, progress=step.progress)
        loss.backward()
        step.steps_done += 1
        return {"loss": loss, "y_pred": None}

    def validation_step(self, batch, **fit_params):
        self._set_training(False)
        X, y, w = self._unpack(batch)
        with torch.no_grad():
            loss = self.step.validation_loss(self.module_, X, y, w)
        return {"loss": loss, "y_pred": None}
