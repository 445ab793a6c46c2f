"""The skops-safe state of a fitted skorch net (see :mod:`skaug._persistence`).

A fitted classifier's net is saved as its head's and optimiser's state, its
history and its RNG states — arrays and builtins only — and rebuilt on load
by the estimator's own net factory, so ``warm_start`` continues exactly.
"""

import numpy as np
import torch
from skorch.history import History

from .._persistence import PortableStateMixin, arrays_to_tensors, load_device, tensors_to_arrays


def _numpy_state(generator):
    return generator.get_state().numpy().copy()


def net_state(net, n_features):
    """What a skops file keeps of the fitted ``net`` (numpy arrays and builtins)."""
    return {
        "n_features": int(n_features),
        "device": str(net.device),
        "module": tensors_to_arrays(net.module_.state_dict()),
        "optimizer": tensors_to_arrays(net.optimizer_.state_dict()),
        "history": tensors_to_arrays(list(net.history)),
        # the shuffling and augmentation RNGs, so warm_start continues exactly
        "generators": [_numpy_state(net.iterator_train__generator),
                       _numpy_state(net.generator)],
    }


def restore_net(saved, make_net):
    """The net :func:`net_state` describes; ``make_net(n_features, device)`` builds it
    (uninitialised, as the estimator would for a fit)."""
    device = load_device(saved["device"])
    net = make_net(saved["n_features"], device)
    net.initialize()
    net.module_.load_state_dict(arrays_to_tensors(saved["module"]))
    net.optimizer_.load_state_dict(arrays_to_tensors(saved["optimizer"]))
    net.history = History(saved["history"])
    generators = [net.iterator_train__generator]
    if device == saved["device"]:  # a CUDA generator's state does not fit a CPU one
        generators.append(net.generator)
    for generator, state in zip(generators, saved["generators"]):
        generator.set_state(torch.from_numpy(np.array(state)))
    return net


class PortableNetMixin(PortableStateMixin):
    """A classifier's portable state keeps its fitted net as :func:`net_state`; loading
    rebuilds it with the estimator's own ``_new_net``."""

    def _portable_state(self, state):
        state = super()._portable_state(state)
        net = state.pop("net_", None)
        if net is not None:
            state["_net_state"] = net_state(net, self.n_features_in_)
        return state

    def _after_portable_load(self):
        saved = self.__dict__.pop("_net_state", None)
        if saved is not None:
            self.net_ = restore_net(saved, lambda n_features, device: self._new_net(
                n_features, 0, device, None, self.early_stopping))
