"""The one list of skaug's public estimators, and the instances the tests share.

Discovery, as scikit-learn's ``all_estimators``: every public class of
``skaug`` and ``skaug.samplers`` that is a scikit-learn estimator with a
``fit`` (the augmenters without ``fit`` are parameter objects, not estimators).
A new estimator is found here without editing any test's list.
"""

import importlib
import inspect

from sklearn.base import BaseEstimator, ClassifierMixin

import skaug
from skaug import IDAA, IADAClassifier, IDAAClassifier, SAflexClassifier, SeAClassifier


def public_estimators():
    """``{name: class}`` of skaug's public estimators (samplers when imbalanced-learn is here)."""
    found = {}
    modules = [skaug]
    try:
        modules.append(importlib.import_module("skaug.samplers"))
    except ImportError:  # the samplers need imbalanced-learn
        pass
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if (inspect.isclass(obj) and issubclass(obj, BaseEstimator) and hasattr(obj, "fit")
                    and not inspect.isabstract(obj) and not name.startswith("Base")):
                found[name] = obj
    return found


#: The classifiers, by discovery.
CLASSIFIERS = [c for c in public_estimators().values() if issubclass(c, ClassifierMixin)]

#: Parameters that make each classifier quick to fit in a test.
FAST = {
    SeAClassifier: {},
    IADAClassifier: {"perturbation": "constant"},
    SAflexClassifier: {"hidden_layer_sizes": (16,)},
    IDAAClassifier: {"hidden_layer_sizes": (16,), "latent_dim": 2, "vae_epochs": 2},
}

#: Every way a fit goes through the shell (each method's Step, the MLP and linear heads,
#: an upstream augmenter with a fit), with short training; ``SHELL_IDS`` names them.
SHELL_CASES = [
    SeAClassifier(max_epochs=15, random_state=0, eta=0.2),
    IADAClassifier(perturbation="meta", max_epochs=15, warmup_epochs=3, random_state=0),
    IADAClassifier(perturbation="class", head="mlp", hidden_layer_sizes=(16,), max_epochs=15,
                   warmup_epochs=3, random_state=0),
    SAflexClassifier(max_epochs=15, hidden_layer_sizes=(32,), random_state=0),
    IDAAClassifier(max_epochs=15, hidden_layer_sizes=(32,), latent_dim=2, vae_epochs=5,
                   epsilon=0.3, random_state=0),
    SAflexClassifier(augmenter=IDAA(latent_dim=2, vae_epochs=5), max_epochs=15,
                     hidden_layer_sizes=(32,), random_state=0),
]
SHELL_IDS = ["sea", "iada-meta", "iada-class-mlp", "saflex", "idaa", "saflex-idaa"]

#: Each kind of fitted state persistence must keep, by name.
PERSISTENCE_CASES = {
    "sea": SeAClassifier(max_epochs=3, random_state=0),
    "iada-class": IADAClassifier(max_epochs=3, hidden_layer_sizes=(8,), random_state=0),
    "iada-meta": IADAClassifier(perturbation="meta", max_epochs=3, hidden_layer_sizes=(8,),
                                random_state=0),
    "saflex-cutmix": SAflexClassifier(max_epochs=3, hidden_layer_sizes=(8,), random_state=0),
    "saflex-idaa": SAflexClassifier(IDAA(latent_dim=2, vae_epochs=2), max_epochs=3,
                                    hidden_layer_sizes=(8,), random_state=0),
    "idaa": IDAAClassifier(latent_dim=2, vae_epochs=2, max_epochs=3, hidden_layer_sizes=(8,),
                           batch_norm=True, random_state=0),
    "idaa-early-stopping": IDAAClassifier(latent_dim=2, vae_epochs=2, max_epochs=3,
                                          early_stopping=True, random_state=0),
}
