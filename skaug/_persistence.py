"""State for safe persistence with :mod:`skops.io`: no torch object in it.

skops rebuilds an object from its ``__getstate__`` without running code it
does not trust, but it cannot hold torch tensors or modules. skaug's
estimators therefore have two states:

- for pickle, joblib and ``copy`` (``__reduce_ex__``), the whole object as
  it is, training state included (``net_.step``): a pickle continues
  ``partial_fit`` exactly where it stopped, but loading one runs code;
- for skops (``__getstate__``), a *portable* state: every torch module of
  skaug's own is replaced by its class name, constructor arguments and
  weights as numpy arrays, and the fitted skorch net by its head's and
  optimiser's state. Loading it constructs only skaug's own module classes
  (looked up in a fixed registry, never imported by name).

A model loaded from skops predicts exactly as the saved one, and
``warm_start`` continues from its weights and optimiser state; the per-fit
training state that ``partial_fit`` continues from is not kept.
"""

import copyreg
import functools
import inspect
import warnings

import numpy as np
import torch
from sklearn.base import BaseEstimator

_MODULES = {}
_PORTABLE = "_skaug_portable_state"
_MODULE_KEY = "__skaug_module__"


def portable_module(cls):
    """Class decorator: register a torch module class and record its constructor arguments."""
    init = cls.__init__
    signature = inspect.signature(init)

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        init(self, *args, **kwargs)
        arguments = dict(bound.arguments)
        arguments.pop("self")
        self._init_kwargs = arguments

    cls.__init__ = __init__
    _MODULES[cls.__name__] = cls
    return cls


def _numpy(tensor):
    return tensor.detach().cpu().numpy().copy()


def module_state(module):
    """``{class, init, weights, training}`` of a registered module: builtins and arrays only."""
    name = type(module).__name__
    if _MODULES.get(name) is not type(module):
        raise TypeError(
            f"A torch module of type {type(module).__qualname__} cannot be saved with "
            "skops.io: only skaug's own modules can. Save it with torch.save(module."
            "state_dict()) and rebuild it, or persist the estimator with pickle/joblib "
            "(files you made yourself only: loading a pickle runs code)."
        )
    return {
        _MODULE_KEY: name,
        "init": {k: tuple(v) if isinstance(v, list) else v for k, v in module._init_kwargs.items()},
        "weights": {k: _numpy(v) for k, v in module.state_dict().items()},
        "training": module.training,
    }


def module_from_state(state, device="cpu"):
    """The module :func:`module_state` describes, on ``device``."""
    name = state[_MODULE_KEY]
    if name not in _MODULES:
        raise ValueError(f"Unknown skaug module {name!r} in a saved state.")
    module = _MODULES[name](**state["init"])
    module.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state["weights"].items()})
    return module.train(state["training"]).to(device)


def _map_leaves(tree, leaf_type, fn):
    if isinstance(tree, leaf_type):
        return fn(tree)
    if isinstance(tree, dict):
        return {k: _map_leaves(v, leaf_type, fn) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map_leaves(v, leaf_type, fn) for v in tree)
    return tree


def tensors_to_arrays(tree):
    """``tree`` (dicts, lists, tuples) with every tensor replaced by a numpy array."""
    return _map_leaves(tree, torch.Tensor, _numpy)


def arrays_to_tensors(tree):
    """Inverse of :func:`tensors_to_arrays` (numpy arrays become CPU tensors)."""
    return _map_leaves(tree, np.ndarray, lambda a: torch.from_numpy(np.array(a)))


def load_device(saved):
    """Where a loaded model goes: its saved device, or the CPU when that is not here."""
    if saved.startswith("cuda") and not torch.cuda.is_available():
        warnings.warn(
            f"This model was fitted on {saved!r}, which this machine does not have; it is "
            "loaded on the CPU.",
            UserWarning,
            stacklevel=4,
        )
        return "cpu"
    return saved


class PortableStateMixin:
    """Two states (see the module docstring): full for pickle, portable for skops.

    Subclasses may extend ``_portable_state`` / ``_restore_portable``; by
    default every attribute that is a registered torch module is converted.
    """

    def __reduce_ex__(self, protocol):
        if protocol < 2:
            return super().__reduce_ex__(protocol)
        # pickle, joblib, copy and deepcopy: the object as it is.
        return copyreg.__newobj__, (type(self),), BaseEstimator.__getstate__(self)

    def __getstate__(self):
        state = dict(BaseEstimator.__getstate__(self))
        state = self._portable_state(state)
        state[_PORTABLE] = True
        return state

    def __setstate__(self, state):
        state = dict(state)
        portable = state.pop(_PORTABLE, False)
        if portable:
            state = self._restore_portable(state)
        BaseEstimator.__setstate__(self, state)
        if portable:
            self._after_portable_load()

    def _portable_state(self, state):
        return {
            k: module_state(v) if isinstance(v, torch.nn.Module) else v for k, v in state.items()
        }

    def _restore_portable(self, state):
        return {
            k: module_from_state(v) if isinstance(v, dict) and _MODULE_KEY in v else v
            for k, v in state.items()
        }

    def _after_portable_load(self):
        """Called at the end of ``__setstate__`` from a portable state."""
