"""The estimator shell shared by every skaug classifier.

It owns everything that is not a paper's maths: input validation, label
encoding, sample and class weights, seeding, device choice, the validation
split for early stopping, building and fitting the internal skorch net,
``warm_start`` and ``partial_fit``, prediction and scikit-learn tags. A
method subclass provides:

- ``_make_step(X, y, sample_weight, seed, device)`` → ``(step, X, y,
  sample_weight)``: the method's :class:`~skaug._step.Step` (its per-fit
  state and losses), and the rows to train on (a method may hold some out);
- ``_build_module(n_features, n_classes)`` → the torch head;
- ``_optimizer()`` → ``(optimizer class, keyword arguments)``;

and may override ``_transform_input(X)`` (applied to X at fit and predict,
e.g. SeA's row normalisation), ``_proba_logits(logits)`` (the logits whose
softmax is ``predict_proba``), ``_check_problem(X, y)`` (warnings about the
training problem) and ``_check_partial_fit()`` (refuse ``partial_fit``
where the method's maths needs all the data).
"""

import contextlib
import copy
import warnings
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils._param_validation import Interval, InvalidParameterError, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data
from torch.func import functional_call
from skorch.dataset import Dataset
from skorch.helper import predefined_split
from skorch.history import History

from .heads import FeatureHead
from ._persistence import (
    PortableStateMixin,
    arrays_to_tensors,
    load_device,
    tensors_to_arrays,
)
from ._net import (
    EpochProgressBar,
    PlainPrintLog,
    SkaugNet,
    StepEpochEnd,
    StopEarly,
    StopOnDivergence,
    TensorBatchLoader,
    as_tensor,
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
    """``validate_data`` for float features, with a hint for non-numeric or sparse input."""
    try:
        return validate_data(estimator, X, dtype=np.float32, **kwargs)
    except TypeError as exc:
        if "sparse" not in str(exc).lower():
            raise
        raise TypeError(
            f"{type(estimator).__name__} needs a dense array, but X is a sparse matrix. "
            "Densify it (X.toarray()) if it fits in memory, or make the step before it "
            "dense, e.g. OneHotEncoder(sparse_output=False) in a ColumnTransformer."
        ) from exc
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


#: Column means or standard deviations beyond this make an MLP head warn.
UNSCALED_FEATURES = 1e3


def warn_unscaled(estimator, X):
    """Warn when the columns of ``X`` are far from standardised (the heads' Adam steps and
    initialisation assume features of order 1)."""
    mean, std = X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)
    scale = np.max(np.maximum(np.abs(mean), std), initial=0.0)
    if scale > UNSCALED_FEATURES:
        warnings.warn(
            f"{type(estimator).__name__}: the features are far from standardised (a column's "
            f"mean or standard deviation reaches {scale:.3g}); its head trains poorly on them. "
            "Put sklearn.preprocessing.StandardScaler before it, e.g. "
            f"make_pipeline(StandardScaler(), {type(estimator).__name__}()).",
            UserWarning,
            stacklevel=4,
        )


def check_layer_sizes(estimator, name):
    """Refuse a ``hidden_layer_sizes``-like parameter that is not a tuple of positive integers."""
    sizes = getattr(estimator, name)
    if not all(isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes):
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be a tuple of "
            f"positive integers (the widths of the hidden layers), got {sizes!r}."
        )


#: Multiply-adds per training batch below which a head is "small": one thread (n_threads=None).
SMALL_HEAD_FLOPS = 50_000_000


def _width(X):
    """Columns of ``X`` without converting it (any array-like; 1 if unknown)."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        return int(shape[1])
    try:
        return len(X[0])
    except (TypeError, IndexError, KeyError):
        return 1


def _numpy_state(generator):
    return generator.get_state().numpy().copy()


def _with_weights(X, sample_weight):
    # The net's input: X alone, or X with its weights (unpacked in the net's steps).
    return X if sample_weight is None else {"X": X, "sample_weight": sample_weight}


class SkaugClassifier(PortableStateMixin, ClassifierMixin, BaseEstimator):
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

    # -- persistence (see skaug._persistence) ----------------------------------
    def _portable_state(self, state):
        state = super()._portable_state(state)
        net = state.pop("net_", None)
        if net is not None:
            state["_net_state"] = {
                "n_features": int(self.n_features_in_),
                "device": str(net.device),
                "module": tensors_to_arrays(net.module_.state_dict()),
                "optimizer": tensors_to_arrays(net.optimizer_.state_dict()),
                "history": tensors_to_arrays(list(net.history)),
                # the shuffling and augmentation RNGs, so warm_start continues exactly
                "generators": [_numpy_state(net.iterator_train__generator),
                               _numpy_state(net.generator)],
            }
        return state

    def _after_portable_load(self):
        saved = self.__dict__.pop("_net_state", None)
        if saved is None:
            return
        device = load_device(saved["device"])
        net = self._make_net(saved["n_features"], 0, device, None, self.early_stopping)
        net.initialize()
        net.module_.load_state_dict(arrays_to_tensors(saved["module"]))
        net.optimizer_.load_state_dict(arrays_to_tensors(saved["optimizer"]))
        net.history = History(saved["history"])
        generators = [net.iterator_train__generator]
        if device == saved["device"]:  # a CUDA generator's state does not fit a CPU one
            generators.append(net.generator)
        for generator, state in zip(generators, saved["generators"]):
            generator.set_state(torch.from_numpy(np.array(state)))
        self.net_ = net

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

    # -- fitting ----------------------------------------------------------------
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
                        sink=lambda *a: None,
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

    def _make_net(self, n_features, seed, device, step, early_stopping):
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
        X, y = _validate_features(self, X, y=y, reset=reset)
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
        # in float64, and scaled by the largest weight first: weights near float32's
        # maximum (1e38) neither overflow in the product and mean nor vanish after
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        if self.class_weight is not None:
            cw = self._class_weights(y)[y]
            with np.errstate(over="ignore"):  # an overflow is refused just below
                sample_weight = cw if sample_weight is None else sample_weight * cw
        if sample_weight is not None:
            if not np.all(np.isfinite(sample_weight)):
                raise ValueError("sample_weight times class_weight overflows: scale the weights "
                                 "down (only their ratios matter).")
            largest = sample_weight.max()
            total = (sample_weight / largest).mean() if largest > 0 else 0.0
            if not total > 0:
                raise ValueError("sample_weight (times class_weight) must not be all zero.")
            sample_weight = (sample_weight / largest / total).astype(np.float32)
            if np.all(sample_weight == sample_weight[0]):
                sample_weight = None  # equal weights are no weights
        return self._transform_input(X), y, sample_weight

    def _class_weights(self, y):
        """Weight of each encoded class under ``class_weight`` (1 for classes it does not name)."""
        n_classes = len(self.classes_)
        if self.class_weight == "balanced":
            present = np.unique(y)
            weights = np.ones(n_classes)
            weights[present] = compute_class_weight("balanced", classes=present, y=y)
            return weights
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight names {sorted(unknown, key=str)}, which are not classes of y "
                f"({list(self.classes_)})."
            )
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])

    def _draw_seed(self):
        return int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))

    def _new_step(self, X, y, sample_weight, seed, device, **step_params):
        """The method's Step for these rows; ``progress`` spans ``max_epochs`` epochs of them."""
        step, X, y, sample_weight = self._make_step(
            X, y, sample_weight, seed, device, **step_params
        )
        step.total_steps = -(-len(y) // self.batch_size) * self.max_epochs
        return step, X, y, sample_weight

    def _thread_count(self, n_features, n_classes):
        """Threads for this fit or prediction: ``n_threads``, or the policy of ``None``."""
        if self.n_threads is not None:  # an invalid value is reported by fit's validation
            return int(self.n_threads) if isinstance(self.n_threads, Integral) else 1
        widths = [n_features, *tuple(getattr(self, "hidden_layer_sizes", ()) or ())]
        if getattr(self, "head", "mlp") == "linear":
            widths = [n_features]
        widths.append(n_classes)
        try:
            flops = self.batch_size * sum(a * b for a, b in zip(widths, widths[1:]))
        except TypeError:  # invalid parameters: fit's validation reports them
            return 1
        return 1 if flops < SMALL_HEAD_FLOPS else torch.get_num_threads()

    @contextlib.contextmanager
    def _threads(self, X, y=None):
        """A block with the estimator's thread count for torch and BLAS/OpenMP, restored after.

        Never more than the process may use on entry (an outer joblib worker's limit).
        """
        from threadpoolctl import threadpool_limits

        n_features = _width(X)
        n_classes = len(getattr(self, "classes_", (0, 1)))
        if y is not None:
            try:  # bad labels are reported by the fit's own validation, not here
                n_classes = len(np.unique(np.asarray(y)))
            except (TypeError, ValueError):
                pass
        before = torch.get_num_threads()
        n = max(1, min(self._thread_count(n_features, n_classes), before))
        torch.set_num_threads(n)
        try:
            with threadpool_limits(n):
                yield n
        finally:
            torch.set_num_threads(before)

    @staticmethod
    @contextlib.contextmanager
    def _seeded(seed, device):
        """A block in which torch's global RNG is seeded; the user's RNG is restored after."""
        devices = [torch.device(device)] if device.startswith("cuda") else []
        with torch.random.fork_rng(devices=devices, device_type="cuda"):
            torch.manual_seed(seed)
            yield

    def _train(self, net, X, y, sample_weight, epochs, valid_dataset=None):
        net.train_split = None if valid_dataset is None else predefined_split(valid_dataset)
        net.step.observe(y)
        net.partial_fit(_with_weights(X, sample_weight), y, epochs=epochs)
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
        """``fit`` with the estimator's thread count (see ``n_threads``)."""
        with self._threads(X, y):
            return self._fit_unthreaded(X, y, sample_weight, **step_params)

    @_fit_context(prefer_skip_nested_validation=True)
    def _fit_unthreaded(self, X, y, sample_weight, **step_params):
        """``fit``; ``step_params`` go to the method's ``_make_step``."""
        warm = self.warm_start and hasattr(self, "net_")
        X, y, sample_weight = self._training_rows(X, y, sample_weight, reset=not warm)
        self._check_problem(X, y)
        device = str(self.net_.device) if warm else resolve_device(self.device)
        seed = self._draw_seed()

        valid_dataset = None
        if self.early_stopping:
            X, y, sample_weight, X_val, y_val, w_val = self._hold_out(
                X, y, sample_weight, seed, self.validation_fraction, "early_stopping=True",
                "Use more data, a larger validation_fraction, or early_stopping=False.",
            )
            valid_dataset = Dataset(_with_weights(X_val, w_val), y_val)

        with self._seeded(seed, device):
            step, X, y, sample_weight = self._new_step(
                X, y, sample_weight, seed, device, **step_params
            )
            if warm:
                net = self.net_
                net.step = step
                net.set_params(callbacks=self._net_callbacks(self.early_stopping),
                               max_epochs=self.max_epochs, lr=self.lr)
            else:
                net = self._make_net(X.shape[1], seed, device, step, self.early_stopping)
                net.initialize()
            return self._train(net, X, y, sample_weight, self.max_epochs, valid_dataset)

    def _partial_fit_available(self):
        self._check_partial_fit()
        return True

    @available_if(_partial_fit_available)
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
        self._validate_params()
        with self._threads(X, y if classes is None else classes):
            return self._partial_fit(X, y, classes, sample_weight)

    def _partial_fit(self, X, y, classes=None, sample_weight=None):
        """``partial_fit`` with the estimator's thread count."""
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
        X, y, sample_weight = self._training_rows(
            X, y, sample_weight, reset=first, classes=classes if first else None
        )
        if first:
            self._check_problem(X, y)
            device = resolve_device(self.device)
            seed = self._draw_seed()
            with self._seeded(seed, device):
                step, X, y, sample_weight = self._new_step(X, y, sample_weight, seed, device)
                net = self._make_net(X.shape[1], seed, device, step, early_stopping=False)
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
        # a different seed per call, fixed by the number of steps already taken
        with self._seeded(net.step.steps_done, str(net.device)):
            return self._train(net, X, y, sample_weight, epochs=1)

# -- prediction -------------------------------------------------------------
    def _logits(self, X):
        """Logits of the fitted head, computed in float64.

        Float32 matrix products may round differently with the number of rows,
        which would make a row's prediction depend on the rest of the batch;
        in float64 the difference is far below any reported digit.
        """
        check_is_fitted(self)
        X = self._transform_input(_validate_features(self, X, reset=False))
        with self._threads(X):
            return self._logits_of(X)

    def _logits_of(self, X):
        module = self.net_.module_.eval()
        device = next(module.parameters()).device
        state = {
            name: tensor.detach().to(torch.float64)
            for name, tensor in (*module.named_parameters(), *module.named_buffers())
        }
        chunks = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                batch = as_tensor(X[start : start + _PREDICT_CHUNK], device)
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
        proba = torch.softmax(self._proba_logits(self._logits(X)), dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed as a log-softmax (finite where it underflows)."""
        return torch.log_softmax(self._proba_logits(self._logits(X)), dim=1).numpy()

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

    def _check_problem(self, X, y):
        warn_unscaled(self, X)

    def _build_module(self, n_features, n_classes):
        hidden = tuple(self.hidden_layer_sizes) if self.head == "mlp" else ()
        return FeatureHead(n_features, n_classes, hidden, self.dropout, self.batch_norm)

    def _optimizer(self):
        return torch.optim.Adam, {"weight_decay": self.weight_decay}
