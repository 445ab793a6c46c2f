"""Docstring fragments shared by every skaug classifier, written once and substituted.

A class docstring names a fragment as ``{shared_parameters}`` or
``{shared_attributes}`` on a line of its own (indented like a parameter
name); :func:`substitute` replaces it, as imbalanced-learn's ``Substitution``
does. Only the names below are replaced, so other braces are left alone.
"""

import textwrap

_FRAGMENTS = {
    "shared_parameters": """\
max_epochs : int, default=100
    Passes over the training data (``fit``); with ``early_stopping``, at
    most this many. ``partial_fit`` makes one pass per call.
early_stopping : bool, default=False
    Hold out ``validation_fraction`` of the training data (stratified by
    class) and stop when its loss has not improved by ``tol`` for
    ``n_iter_no_change`` epochs; the best epoch's weights are kept. Not
    applied by ``partial_fit``.
n_iter_no_change : int, default=10
    Epochs without improvement before early stopping.
tol : float, default=1e-4
    Smallest decrease of the validation loss that counts as an improvement.
class_weight : dict, "balanced" or None, default=None
    Weights of the classes, multiplying ``sample_weight``, as in
    scikit-learn: ``{label: weight}``, or ``"balanced"`` for
    ``n_samples / (n_classes * np.bincount(y))``. ``partial_fit`` refuses
    ``"balanced"`` (one chunk does not know the class frequencies): pass a
    dict, e.g. from ``sklearn.utils.class_weight.compute_class_weight``.
warm_start : bool, default=False
    When the estimator is fitted already, ``fit`` continues training the
    fitted head (same classes and features) for ``max_epochs`` more epochs
    instead of starting afresh; the method's per-fit state (held-out rows,
    running statistics) is built again from the new data.
callbacks : list or None, default=None
    Extra skorch callbacks (instances, or ``(name, instance)`` pairs) given
    to the internal net, e.g. ``skorch.callbacks.Checkpoint`` or
    ``skorch.callbacks.LRScheduler``; copied at each fit, so the objects
    passed here stay as they are.
random_state : int, RandomState instance or None, default=None
    Seeds the initialisation, the shuffling and the method's randomness:
    the same integer gives the same model.
device : {"auto", "cpu", "cuda"} or str, default="auto"
    Where to train and predict; ``"auto"`` uses CUDA when available.
n_threads : int or None, default=None
    CPU threads of torch and of BLAS/OpenMP during ``fit``, ``partial_fit``
    and prediction only (restored after). None: 1 for a small head (fewer
    than ``skaug._shell._runtime.SMALL_HEAD_FLOPS`` multiply-adds per batch), where
    more threads gain nothing and lose much when cores are shared (another
    process, or ``GridSearchCV(n_jobs=k)``), else as many as the process may
    use now (an outer joblib worker's limit is kept). Parallelise folds and
    settings (``n_jobs``) rather than threads.
verbose : int, default=0
    0 silent, 1 a progress bar over epochs, 2 a table of losses per epoch
    (plain text, no colour codes).""",
    "shared_attributes": """\
classes_ : ndarray of shape (n_classes,)
    The class labels.
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Defined only when ``X`` has string column names.
loss_curve_ : list of float
    Mean training loss per epoch (continued by ``warm_start`` and
    ``partial_fit``).
validation_loss_curve_ : list of float
    Validation loss per epoch (only with ``early_stopping=True``).
n_iter_ : int
    Number of epochs run.
net_ : skaug._shell.net.SkaugNet
    The fitted skorch net: ``net_.module_`` the torch head, ``net_.history``
    the training history, ``net_.step`` the method's training state (so
    ``net_.partial_fit`` keeps training).""",
}


def substitute(cls):
    """Class decorator: replace ``{name}`` lines of the docstring by the shared fragments."""
    lines = []
    for line in cls.__doc__.splitlines():
        key = line.strip()[1:-1] if line.strip().startswith("{") else None
        if key in _FRAGMENTS:
            indent = line[: len(line) - len(line.lstrip())]
            lines.append(textwrap.indent(_FRAGMENTS[key], indent))
        else:
            lines.append(line)
    cls.__doc__ = "\n".join(lines)
    return cls
