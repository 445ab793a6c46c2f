"""scikit-learn's own estimator checks over every public skaug estimator."""

import torch
from sklearn.utils.estimator_checks import parametrize_with_checks
from torch import nn

from skaug import (
    IDAA,
    DeepFeatureExtractor,
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)


def _vector_backbone():
    # A user module taking (N, D) rows: the extractor's one tabular mode, which
    # the checks can exercise (images and texts are not tables).
    torch.manual_seed(0)
    return nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 3))


# Every classifier with its defaults (only the seed fixed), then variants.
ESTIMATORS = [
    SeAClassifier(random_state=0),
    IADAClassifier(random_state=0),
    IADAClassifier(perturbation="meta", random_state=0),  # the paper's flagship setting
    SAflexClassifier(random_state=0),
    IDAAClassifier(random_state=0),
    IADAClassifier(perturbation="class", head="mlp", hidden_layer_sizes=(32,), random_state=0),
    IADAClassifier(perturbation="constant", epsilon=0.0, covariance="diag", random_state=0),
    SAflexClassifier(head="linear", refine=False, lr=5e-2, random_state=0),
    IDAAClassifier(vae_epochs=10, random_state=0),
    SAflexClassifier(augmenter=IDAA(latent_dim=4, vae_epochs=10), random_state=0),
    IDAA(random_state=0),  # the one augmenter with fit (a VAE): an estimator with its defaults
    DeepFeatureExtractor(_vector_backbone(), device="cpu"),
    # image backbones: the checks only clone it (its tags say: no tabular input)
    DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu"),
]

# check name -> reason, per estimator. Goal: empty.
_SGD_WEIGHTS = (
    "mini-batch training: a row repeated k times changes the batches and the number "
    "of steps, so sample_weight=k cannot equal k copies exactly (as for sklearn's SGD "
    "estimators); weights are tested against their definition in tests/shell/test_validation.py"
)
EXPECTED_FAILED_CHECKS = {
    "SeAClassifier": {
        "check_sample_weight_equivalence_on_dense_data": _SGD_WEIGHTS,
        "check_class_weight_classifiers": (
            "SeA's head has no bias (the paper's Algorithm 1) and sees unit-length rows: "
            "if a row scores class 0 highest, the opposite row cannot, so it cannot predict "
            "one class for >87 % of the check's centred data whatever the weights; "
            "tests/shell/test_validation.py checks that class_weight equals the matching sample_weight"
        ),
    },
    "IADAClassifier": {"check_sample_weight_equivalence_on_dense_data": _SGD_WEIGHTS},
    "SAflexClassifier": {"check_sample_weight_equivalence_on_dense_data": _SGD_WEIGHTS},
    "IDAAClassifier": {"check_sample_weight_equivalence_on_dense_data": _SGD_WEIGHTS},
    "DeepFeatureExtractor": {
        "check_estimators_overwrite_params": (
            "joblib.hash of a deep-copied torch.nn.Module differs from the original's even "
            "when nothing changed; tests/extraction/test_extractor.py checks that fit leaves the "
            "module's parameters untouched"
        ),
    },
}


#: Meta-IADA only (not the default IADAClassifier(), which passes)
META_IADA_CLASS_WEIGHT = (
    "Meta-IADA holds out its meta set (10 rows per class: 20 of the check's 50 training rows), "
    "and trains on the rest; its meta loss weights the meta rows by class_weight like the "
    "training loss. With epsilon=0 (no perturbation: cross-entropy on the 30 kept rows) it "
    "predicts class 0 for 70 % of the test rows at random_state=0 (92 % and 100 % at 1 and 2), "
    "against the check's 87 %: the hold-out, not the perturbation, is what costs"
)


def _expected_failures(est):
    failures = dict(EXPECTED_FAILED_CHECKS.get(type(est).__name__, {}))
    if getattr(est, "perturbation", None) == "meta":
        failures["check_class_weight_classifiers"] = META_IADA_CLASS_WEIGHT
    return failures


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failures)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
