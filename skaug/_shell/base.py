"""The estimator shell shared by every skaug classifier: the template method of a fit.

:class:`SkaugClassifier` owns what is not a paper's maths — input validation
and label encoding (:mod:`._validation`), device, threads and seeding
(:mod:`._runtime`), the early-stopping hold-out, building and fitting the
internal skorch net (:mod:`.net`), ``warm_start`` and ``partial_fit``,
prediction and scikit-learn tags. Every fit runs :meth:`SkaugClassifier._fit`,
which calls these hooks of a method subclass:

- ``_make_step(X, y, sample_weight, seed, device)`` → ``(step, X, y,
  sample_weight)``: the method's :class:`~skaug._shell.step.Step` (its per-fit
  state and losses), and the rows to train on (a method may hold some out);
- ``_build_module(n_features, n_classes)`` → the torch head;
- ``_optimizer()`` → ``(optimizer class, keyword arguments)``;

and may override ``_transform_input(X)`` (applied to X at fit and predict,
e.g. SeA's row normalisation), ``_proba_logits(logits)`` (the logits whose
softmax is ``predict_proba``), ``_check_problem(X, y)`` (warnings about the
training problem) and ``_check_partial_fit()`` (refuse ``partial_fit``
where the method's maths needs all the data).
"""

import copy
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn_compat.base import _fit_context
from skorch.dataset import Dataset
from skorch.helper import predefined_split

from ..heads import FeatureHead
from ._portable import PortableNetMixin
from ._predict import PredictionMixin
from ._runtime import draw_seed, head_threads, limit_threads, resolve_device, seeded
from ._validation import (
    check_layer_sizes,
    check_sample_weight,
    class_weights,
    effective_weights,
    stratified_hold_out,
    take_rows,
    validate_features,
    warn_unscaled,
)
from .net import (
    EpochProgressBar,
    PlainPrintLog,
    SkaugNet,
    StepEpochEnd,
    StopEarly,
    StopOnDivergence,
    TensorBatchLoader,
    TrainingInterrupted,
    no_output,
)


def _width(X):
    """Columns of ``X`` without converting it (any array-like; 1 if unknown)."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        return int(shape[1])
    try:
        return len(X[0])
    except (TypeError, IndexError, KeyError):
        return 1


def _with_weights(X, sample_weight):
    # The net's input: X alone, or X with its weights (unpacked in the net's steps).
    return X if sample_weight is None else {"X": X, "sample_weight": sample_weight}


class SkaugClassifier(PredictionMixin, PortableNetMixin, ClassifierMixin, BaseEstimator):
    """Base class of skaug classifiers (not public; subclass it).

    Its shared parameters are documented once, in :mod:`skaug._docstring`,
    and substituted into every subclass's docstring.
    """

    _parameter_constraints: dict = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "warm_start": ["boolean"],
        "callbacks": [list, None],
        "random_state": ["random_state"],
        "device": [StrOptions({"auto", "cpu", "cuda"}), str],
        "n_threads": [Interval(Integral, 1, None, closed="left"), None],
        "verbose": ["verbose"],
    }

    # -- hooks for methods --------------------------------------------------
    def _make_step(self, X, y, sample_weight, seed, device):  # pragma: no cover - abstract
        raise NotImplementedError

    def _build_module(self, n_features, n_classes):  # pragma: no cover - abstract
        raise NotImplementedError

    def _optimizer(self):  # pragma: no cover - abstract
        raise NotImplementedError

    def _transform_input(self, X):
        return X

    def _proba_logits(self, logits):
        """The logits whose softmax is ``predict_proba`` (SeA divides by its temperature)."""
        return logits

    def _check_problem(self, X, y):
        """Method-specific checks of the training problem (may warn)."""

    def _check_partial_fit(self):
        """Raise an AttributeError where the method's maths cannot learn chunk by chunk.

        ``partial_fit`` exists only where this passes (scikit-learn's
        ``available_if``), so ``hasattr(clf, "partial_fit")`` tells.
        """

    # -- fitting: the pieces ----------------------------------------------------
    def _early_stopping_split(self, X, y, sample_weight, seed):
        """The rows to train on and the early-stopping ``Dataset`` (stratified hold-out)."""
        kept, held = stratified_hold_out(
            y, seed, fraction=self.validation_fraction, who="early_stopping=True",
            remedy="Use more data, a larger validation_fraction, or early_stopping=False.")
        X_val, y_val, w_val = take_rows(held, X, y, sample_weight)
        return (*take_rows(kept, X, y, sample_weight), Dataset(_with_weights(X_val, w_val), y_val))

    def _net_callbacks(self, early_stopping):
        callbacks = [
            ("stop_on_divergence", StopOnDivergence()),
            ("step_epoch_end", StepEpochEnd()),
        ]
        if early_stopping:
            callbacks.append(
                (
                    "early_stopping",
                    StopEarly(
                        monitor="valid_loss",
                        patience=self.n_iter_no_change,
                        threshold=self.tol,
                        threshold_mode="abs",
                        load_best=True,
                        sink=no_output,
                    ),
                )
            )
        if self.verbose == 1:
            callbacks.append(("progress_bar", EpochProgressBar()))
        # the user's callbacks are copied: fitting must not change a parameter
        callbacks.extend(copy.deepcopy(list(self.callbacks or [])))
        if self.verbose >= 2:
            callbacks.append(("plain_print_log", PlainPrintLog()))  # last: prints the row
        return callbacks

    def _new_net(self, n_features, seed, device, step, early_stopping):
        """A new (uninitialised) skorch net for this estimator's head and schedule."""
        optimizer, optimizer_kwargs = self._optimizer()
        return SkaugNet(
            self._build_module(n_features, len(self.classes_)),
            criterion=torch.nn.CrossEntropyLoss,
            optimizer=optimizer,
            lr=self.lr,
            max_epochs=self.max_epochs,
            batch_size=self.batch_size,
            device=device,
            train_split=None,
            iterator_train=TensorBatchLoader,
            iterator_train__shuffle=True,
            iterator_train__generator=torch.Generator().manual_seed(seed),
            iterator_train__device=device,
            iterator_valid=TensorBatchLoader,
            iterator_valid__device=device,
            callbacks=self._net_callbacks(early_stopping),
            callbacks__valid_acc=None,
            callbacks__print_log=None,
            verbose=int(self.verbose >= 2),
            step=step,
            generator=torch.Generator(device=device).manual_seed(seed + 1),
            estimator_name=type(self).__name__,
            **{f"optimizer__{k}": v for k, v in optimizer_kwargs.items()},
        )

    def _training_rows(self, X, y, sample_weight, *, reset, classes=None):
        """Validated float32 ``X``, encoded ``y`` and effective sample weights.

        Sample weights times class weights are rescaled to mean 1 (only their
        ratios matter; the effective learning rate stays as it is); equal
        weights are no weights.
        """
        for name in ("hidden_layer_sizes", "vae_hidden_layer_sizes"):
            if hasattr(self, name):
                check_layer_sizes(self, name)
        X, y = validate_features(self, X, y=y, reset=reset)
        check_classification_targets(y)
        if classes is not None:  # first partial_fit call
            self._label_encoder = LabelEncoder().fit(np.asarray(classes))
            self.classes_ = self._label_encoder.classes_
        elif reset:
            self._label_encoder = LabelEncoder().fit(y)
            self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {self.classes_[0]!r}."
            )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if len(unseen):
            raise ValueError(
                f"y has labels {unseen.tolist()} that are not among the classes "
                f"{self.classes_.tolist()} of the first fit or of `classes`; with warm_start "
                "and partial_fit the classes cannot change."
            )
        y = self._label_encoder.transform(y).astype(np.int64)
        if sample_weight is not None:
            sample_weight = check_sample_weight(sample_weight, len(y))
        row_class_weight = None
        if self.class_weight is not None:
            row_class_weight = class_weights(self.class_weight, self.classes_, y)[y]
        return self._transform_input(X), y, effective_weights(sample_weight, row_class_weight)

    def _new_step(self, X, y, sample_weight, seed, device, **step_params):
        """The method's Step for these rows; ``progress`` spans ``max_epochs`` epochs of them."""
        step, X, y, sample_weight = self._make_step(
            X, y, sample_weight, seed, device, **step_params
        )
        step.total_steps = -(-len(y) // self.batch_size) * self.max_epochs
        return step, X, y, sample_weight

    def _thread_count(self, n_features, n_classes):
        """Threads for this fit or prediction: ``n_threads``, or the policy of ``None``."""
        widths = [n_features, *tuple(getattr(self, "hidden_layer_sizes", ()) or ())]
        if getattr(self, "head", "mlp") == "linear":
            widths = [n_features]
        return head_threads(self.n_threads, self.batch_size, [*widths, n_classes])

    def _thread_limit(self, X, y=None):
        """The estimator's thread limit for a block (see ``n_threads``)."""
        n_classes = len(getattr(self, "classes_", (0, 1)))
        if y is not None:
            try:  # bad labels are reported by the fit's own validation, not here
                n_classes = len(np.unique(np.asarray(y)))
            except (TypeError, ValueError):
                pass
        return limit_threads(self._thread_count(_width(X), n_classes))

    def _train(self, net, X, y, sample_weight, epochs, valid_dataset=None):
        """Train ``net`` for ``epochs`` on the rows, then copy the fitted attributes over."""
        net.train_split = None if valid_dataset is None else predefined_split(valid_dataset)
        net.step.observe(y)
        try:
            net.partial_fit(_with_weights(X, sample_weight), y, epochs=epochs)
        except TrainingInterrupted:
            raise KeyboardInterrupt from None
        self.net_ = net
        for name, value in net.step.fitted_attributes().items():
            setattr(self, name, value)
        history = net.history
        self.loss_curve_ = [float(v) for v in history[:, "train_loss"]]
        if valid_dataset is not None:
            self.validation_loss_curve_ = [
                float(row["valid_loss"]) for row in history if "valid_loss" in row
            ]
        else:
            self.__dict__.pop("validation_loss_curve_", None)
        self.n_iter_ = len(history)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the classifier (or, with ``warm_start=True``, continue fitting it).

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
        return self._fit(X, y, sample_weight)

    def _fit(self, X, y, sample_weight, **step_params):
        """The template of every fit (parameters already validated by ``fit``).

        Validated rows → the early-stopping hold-out → under the thread limit
        and a seeded RNG: the method's Step (``step_params`` go to its
        ``_make_step``) → a new net, or the fitted one with ``warm_start`` →
        ``max_epochs`` epochs.
        """
        warm = self.warm_start and hasattr(self, "net_")
        with self._thread_limit(X, y):
            X, y, sample_weight = self._training_rows(X, y, sample_weight, reset=not warm)
            self._check_problem(X, y)
            device = str(self.net_.device) if warm else resolve_device(self.device)
            seed = draw_seed(self.random_state)
            valid_dataset = None
            if self.early_stopping:
                X, y, sample_weight, valid_dataset = self._early_stopping_split(
                    X, y, sample_weight, seed)
            with seeded(seed, device):
                step, X, y, sample_weight = self._new_step(
                    X, y, sample_weight, seed, device, **step_params
                )
                if warm:
                    net = self.net_
                    net.step = step
                    net.set_params(callbacks=self._net_callbacks(self.early_stopping),
                                   max_epochs=self.max_epochs, lr=self.lr)
                    net.initialize_callbacks()  # skorch's set_params keeps the old ones
                else:
                    net = self._new_net(X.shape[1], seed, device, step, self.early_stopping)
                    net.initialize()
                return self._train(net, X, y, sample_weight, self.max_epochs, valid_dataset)

    def _partial_fit_available(self):
        self._check_partial_fit()
        return True

    @available_if(_partial_fit_available)
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One pass over ``(X, y)``, continuing from the current head.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            Every class the model will see. Required on the first call (as
            in :class:`~sklearn.linear_model.SGDClassifier`), ignored after.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object

        Notes
        -----
        Schedules that depend on the progress of training (IADA's λ ramp and
        warm-up) count ``max_epochs`` calls of the first call's size as the
        whole of training. ``early_stopping`` is not applied. Whatever a
        method fits before training (IDAA's VAE) is fitted on the first
        call's chunk. Settings whose maths needs all the training data at
        once (SAflex's held-out validation set, Meta-IADA's meta set) have no
        ``partial_fit``: calling it raises an ``AttributeError`` that says why.
        """
        first = not hasattr(self, "net_")
        if first and classes is None:
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every class the "
                "model will see, e.g. partial_fit(X, y, classes=np.unique(y_all))."
            )
        if self.class_weight == "balanced":
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: one chunk does not "
                "know the class frequencies. Pass a dict, e.g. dict(zip(classes, "
                "compute_class_weight('balanced', classes=classes, y=y_all)))."
            )
        with self._thread_limit(X, y if classes is None else classes):
            X, y, sample_weight = self._training_rows(
                X, y, sample_weight, reset=first, classes=classes if first else None
            )
            if first:
                self._check_problem(X, y)
                device = resolve_device(self.device)
                seed = draw_seed(self.random_state)
                with seeded(seed, device):
                    step, X, y, sample_weight = self._new_step(X, y, sample_weight, seed, device)
                    net = self._new_net(X.shape[1], seed, device, step, early_stopping=False)
                    net.initialize()
                    return self._train(net, X, y, sample_weight, epochs=1)
            net = self.net_
            if net.step is None:
                raise ValueError(
                    f"This {type(self).__name__} was loaded from a skops file, which keeps the "
                    "head's weights but not the training state partial_fit continues from. "
                    "Continue with warm_start=True and fit, or keep a pickle/joblib copy of "
                    "your own model to continue partial_fit."
                )
            if "early_stopping" in dict(net.callbacks_):  # fitted with early stopping: off here
                net.set_params(callbacks=self._net_callbacks(early_stopping=False))
                net.initialize_callbacks()  # skorch's set_params keeps the old ones
            # a different seed per call, fixed by the number of steps already taken
            with seeded(net.step.steps_done, str(net.device)):
                return self._train(net, X, y, sample_weight, epochs=1)

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

    def _check_problem(self, X, y):
        warn_unscaled(self, X)

    def _build_module(self, n_features, n_classes):
        hidden = tuple(self.hidden_layer_sizes) if self.head == "mlp" else ()
        return FeatureHead(n_features, n_classes, hidden, self.dropout, self.batch_norm)

    def _optimizer(self):
        return torch.optim.Adam, {"weight_decay": self.weight_decay}
