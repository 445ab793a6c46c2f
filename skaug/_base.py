"""The estimator shell shared by every skaug classifier.

It owns everything that is not a paper's maths: input validation, label
encoding, sample weights, seeding, device choice, the validation split for
early stopping, building and fitting the internal skorch net, prediction and
scikit-learn tags. A method subclass provides four small hooks:

- ``_build_module(n_features, n_classes)`` → the torch head;
- ``_training_loss(module, X, y, sample_weight, *, generator, progress)``;
- ``_validation_loss(module, X, y, sample_weight)`` (default: cross-entropy);
- ``_optimizer()`` → ``(optimizer class, keyword arguments)``;

and may override ``_transform_input(X)`` (applied to X at fit and predict,
e.g. SeA's row normalisation) and ``_logits_to_proba(logits)``.
"""

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from skorch.callbacks import EarlyStopping
from torch.func import functional_call
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from .heads import FeatureHead
from .methods.common import weighted_cross_entropy
from ._net import (
    EpochProgressBar,
    ModuleEpochEnd,
    SkaugNet,
    StopOnDivergence,
    TensorBatchLoader,
)

_PREDICT_CHUNK = 8192


def resolve_device(device):
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a device string.

    ``"auto"`` picks CUDA when available, else the CPU. Asking for CUDA on a
    machine without it raises a ``ValueError`` that says what to do.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
        ) from exc
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but no CUDA device is available on this "
            "machine. Use device='auto' (CUDA when present, else CPU) or device='cpu'."
        )
    if parsed.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    return str(parsed)


def _validate_features(estimator, X, **kwargs):
    """``validate_data`` for float features, with a hint for non-numeric input."""
    try:
        return validate_data(estimator, X, dtype=np.float32, **kwargs)
    except ValueError as exc:
        msg = str(exc)
        if "convert" in msg and ("string" in msg or "float" in msg):
            raise ValueError(
                f"{type(estimator).__name__} needs numeric features, but X holds "
                f"non-numeric values ({msg}). Encode categorical or text columns first, "
                "e.g. with sklearn.preprocessing.OneHotEncoder in a ColumnTransformer, "
                "or skaug.DeepFeatureExtractor for texts and images."
            ) from exc
        raise


def _with_weights(X, sample_weight):
    # The net's input: X alone, or X with its weights (unpacked in the net's steps).
    return X if sample_weight is None else {"X": X, "sample_weight": sample_weight}


class SkaugClassifier(ClassifierMixin, BaseEstimator):
    """Base class of skaug classifiers (not public; subclass it).

    Shared parameters, documented once here and in every subclass:
    ``lr``, ``batch_size``, ``max_epochs``, ``early_stopping``,
    ``validation_fraction``, ``n_iter_no_change``, ``tol``, ``random_state``,
    ``device``, ``verbose``.
    """

    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str],
        "verbose": ["verbose"],
    }

    # -- hooks for methods --------------------------------------------------
    def _build_module(self, n_features, n_classes):  # pragma: no cover - abstract
        raise NotImplementedError

    def _training_loss(self, module, X, y, sample_weight, *, generator, progress):
        raise NotImplementedError  # pragma: no cover - abstract

    def _validation_loss(self, module, X, y, sample_weight):
        """Loss monitored on held-out data: cross-entropy unless a method says otherwise."""
        return weighted_cross_entropy(module(X), y, sample_weight)

    def _optimizer(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_input(self, X):
        return X

    def _logits_to_proba(self, logits):
        return torch.softmax(logits, dim=1)

    def _check_problem(self, X, y):
        """Method-specific checks of the training problem (may warn)."""

    def _prepare_training(self, X, y, sample_weight, seed, device):
        """Method-specific set-up before the net is built (torch RNG already seeded).

        May hold out data (e.g. a meta set); returns the training ``X, y, sample_weight``.
        """
        return X, y, sample_weight

    def _finish_training(self):
        """Drop what only training needed (called after fit, even on error)."""

    # -- fitting ----------------------------------------------------------------
    def _encode_target(self, y):
        check_classification_targets(y)
        self._label_encoder = LabelEncoder().fit(y)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}."
            )
        return self._label_encoder.transform(y).astype(np.int64)

    def _hold_out(self, X, y, sample_weight, seed, test_size, why, remedy):
        """Stratified hold-out: ``(X, y, w, X_val, y_val, w_val)``, or a clear error.

        ``why`` names what holds the rows out, ``remedy`` what the user can do.
        """
        arrays = [X, y] if sample_weight is None else [X, y, sample_weight]
        try:
            X, X_val, y, y_val, *w = train_test_split(
                *arrays, test_size=test_size, stratify=y, random_state=seed
            )
        except ValueError as exc:
            raise ValueError(
                f"{why} holds out validation_fraction={self.validation_fraction} of the "
                f"training data, stratified by class, and that split is impossible here "
                f"({exc}). {remedy}"
            ) from exc
        sample_weight, w_val = w if w else (None, None)
        return X, y, sample_weight, X_val, y_val, w_val

    def _make_net(self, n_features, n_train, seed, device, valid_dataset):
        optimizer, optimizer_kwargs = self._optimizer()
        callbacks = [
            ("stop_on_divergence", StopOnDivergence()),
            ("module_epoch_end", ModuleEpochEnd()),
        ]
        if self.early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStopping(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=lambda *a: None,
                    ),
                )
            )
        if self.verbose == 1:
            callbacks.append(("progress_bar", EpochProgressBar()))
        shuffle_generator = torch.Generator().manual_seed(seed)
        method_generator = torch.Generator(device=device).manual_seed(seed + 1)
        steps_per_epoch = (n_train + self.batch_size - 1) // self.batch_size
        quiet = {} if self.verbose >= 2 else {"callbacks__print_log": None}
        return SkaugNet(
            self._build_module(n_features, len(self.classes_)),
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            device=device,
            train_split=None if valid_dataset is None else predefined_split(valid_dataset),
            iterator_train=TensorBatchLoader,
            iterator_train__shuffle=True,
            iterator_train__generator=shuffle_generator,
            iterator_train__device=device,
            iterator_valid=TensorBatchLoader,
            iterator_valid__device=device,
            callbacks=callbacks,
            callbacks__valid_acc=None,
            verbose=int(self.verbose >= 2),
            training_loss=self._training_loss,
            validation_loss=self._validation_loss,
            generator=method_generator,
            total_steps=steps_per_epoch * self.max_epochs,
            estimator_name=type(self).__name__,
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
            **quiet,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the classifier.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Numeric features (e.g. deep features or encoded tabular columns).
        y : array-like of shape (n_samples,)
            Class labels of any type (strings, integers, ...).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights multiplying each sample's loss. Only their
            ratios matter: they are rescaled to mean 1 over the training set.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X, y = _validate_features(self, X, y=y, reset=True)
        y = self._encode_target(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        class_weight = getattr(self, "class_weight", None)
        if class_weight is not None:
            cw = compute_sample_weight(class_weight, y).astype(np.float32)
            sample_weight = cw if sample_weight is None else sample_weight * cw
        if sample_weight is not None:
            # Only the ratios of the weights matter: rescaled to mean 1, they
            # leave the effective learning rate as it is.
            total = sample_weight.mean()
            if not total > 0:
                raise ValueError("sample_weight (times class_weight) must not be all zero.")
            sample_weight = sample_weight / total
            if np.all(sample_weight == sample_weight[0]):
                sample_weight = None  # equal weights are no weights
        X = self._transform_input(X)
        self._check_problem(X, y)
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

        valid_dataset = None
        if self.early_stopping:
            X, y, sample_weight, X_val, y_val, w_val = self._hold_out(
                X, y, sample_weight, seed, self.validation_fraction, "early_stopping=True",
                "Use more data, a larger validation_fraction, or early_stopping=False.",
            )
            valid_dataset = Dataset(_with_weights(X_val, w_val), y_val)

        devices = [torch.device(device)] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.manual_seed(seed)
            try:
                X, y, sample_weight = self._prepare_training(X, y, sample_weight, seed, device)
                net = self._make_net(X.shape[1], len(X), seed, device, valid_dataset)
                net.fit(_with_weights(X, sample_weight), y)
            finally:
                self._finish_training()
            # Nothing of the training run that is not needed to predict is
            # kept (and so pickled): the loss closures and generators.
            net.training_loss = net.validation_loss = net.generator = None
            net.iterator_train__generator = None
        self.net_ = net
        history = net.history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        if self.early_stopping:
            self.validation_loss_curve_ = [float(v) for v in history[:, "valid_loss"]]
        self.n_iter_ = len(history)
        return self

    # -- prediction -------------------------------------------------------------
    def _logits(self, X):
        """Logits of the fitted head, computed in float64.

        Float32 matrix products may round differently with the number of rows,
        which would make a row's prediction depend on the rest of the batch;
        in float64 the difference is far below any reported digit.
        """
        check_is_fitted(self)
        X = self._transform_input(_validate_features(self, X, reset=False))
        module = self.net_.module_.eval()
        device = next(module.parameters()).device
        state = {
            name: tensor.detach().to(torch.float64)
            for name, tensor in (*module.named_parameters(), *module.named_buffers())
        }
        chunks = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                batch = torch.as_tensor(X[start : start + _PREDICT_CHUNK], device=device)
                chunks.append(functional_call(module, state, (batch.to(torch.float64),)).cpu())
        return torch.cat(chunks)

    def decision_function(self, X):
        """Class scores (logits of the head).

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
            For two classes, the score of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        logits = self._logits(X).numpy()
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        proba = self._logits_to_proba(self._logits(X)).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class labels (of the same type as the training labels)."""
        logits = self._logits(X).numpy()
        return self.classes_[np.argmax(logits, axis=1)]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        tags.classifier_tags.multi_class = True
        return tags


class FeatureHeadClassifier(SkaugClassifier):
    """Shell of the classifiers whose head is an MLP (or linear) :class:`FeatureHead` under Adam.

    Adds the parameters ``head``, ``hidden_layer_sizes``, ``dropout``,
    ``batch_norm`` and ``weight_decay``.
    """

    _parameter_constraints: dict = {
        **SkaugClassifier._parameter_constraints,
        "head": [StrOptions({"mlp", "linear"})],
        "hidden_layer_sizes": [tuple, list],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "batch_norm": ["boolean"],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
    }

    def _build_module(self, n_features, n_classes):
        hidden = tuple(self.hidden_layer_sizes) if self.head == "mlp" else ()
        return FeatureHead(n_features, n_classes, hidden, self.dropout, self.batch_norm)

    def _optimizer(self):
        return torch.optim.Adam, {"weight_decay": self.weight_decay}
