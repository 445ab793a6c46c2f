"""IDAAClassifier and its Step (skaug/_idaa.py): the VAE, the attack, the loss."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import (
    IDAA,
    IDAAClassifier,
    SAflexClassifier,
)
from skaug._idaa import IDAAStep
from skaug.heads import FeatureHead
from tests._helpers import SMALL, _head, _step_problem
from tests._instances import FAST


def no_rows(X, Y, generator):
    return X[:0], Y[:0]


class _PlusOne:
    requires_model = True

    def __call__(self, X, Y, generator=None, model=None):
        return X + 1.0, Y


def test_augmented_weight_zero_is_the_plain_head(data):
    X, y = data
    plain = SAflexClassifier(augmenter=no_rows, refine=False, **SMALL).fit(X, y)
    for eps in (0.0, 0.5):
        clf = IDAAClassifier(epsilon=eps, augmented_weight=0.0, **SMALL).fit(X, y)
        assert clf.augmenter_ is None  # no VAE is fitted when nothing is augmented
        np.testing.assert_array_equal(clf.predict_proba(X), plain.predict_proba(X))


def test_epsilon_zero_trains_on_the_rows_twice(data):
    # x' = x: the loss is (1 + augmented_weight) CE, which Adam follows almost exactly like CE
    # (no dropout: the doubled batch would draw other dropout masks)
    X, y = data
    plain = IDAAClassifier(epsilon=0.0, augmented_weight=0.0, dropout=0.0, **SMALL).fit(X, y)
    doubled = IDAAClassifier(epsilon=0.0, augmented_weight=1.0, dropout=0.0, **SMALL).fit(X, y)
    assert doubled.augmenter_ is None
    np.testing.assert_allclose(doubled.predict_proba(X), plain.predict_proba(X), atol=2e-3)


def test_augmentation_changes_the_model_and_fits_a_vae(data):
    X, y = data
    plain = IDAAClassifier(epsilon=0.0, augmented_weight=1.0, **SMALL).fit(X, y)
    clf = IDAAClassifier(epsilon=0.5, augmented_weight=1.0, latent_dim=3, vae_epochs=7, **SMALL).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), plain.predict_proba(X), atol=1e-3)
    assert isinstance(clf.augmenter_, IDAA) and clf.augmenter_.vae_.latent_dim == 3
    assert len(clf.augmenter_.reconstruction_curve_) == 7
    assert clf.score(X, y) > 0.6


def test_idaa_on_real_tabular_data(qsar):
    X, y = qsar
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    clf = make_pipeline(StandardScaler(), IDAAClassifier(
        epsilon=0.1, vae_epochs=20, max_epochs=30, random_state=0))
    clf.fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) > 0.8
    curve = clf[-1].augmenter_.reconstruction_curve_
    assert curve[-1] < curve[0]


@pytest.mark.parametrize("weight", [0.0, 0.5, 2.0])
def test_idaa_step_loss_is_clean_plus_weighted_augmented(weight):
    X, y = _step_problem()
    head = _head(5, 3, hidden=(8,))
    w = torch.linspace(0.5, 1.5, len(y), dtype=X.dtype)
    step = IDAAStep(augmenter=_PlusOne(), n_classes=3, augmented_weight=weight)
    got = step.loss(head, X, y, w, generator=None, progress=0.0)

    def wce(Z):
        return (F.cross_entropy(head(Z), y, reduction="none") * w).sum() / len(y)

    torch.testing.assert_close(got, wce(X) + weight * wce(X + 1.0))


def test_idaa_step_without_a_vae_trains_on_the_rows_twice():
    X, y = _step_problem()
    head = _head(5, 3)
    step = IDAAStep(augmenter=None, n_classes=3, augmented_weight=1.0)
    torch.testing.assert_close(step.loss(head, X, y, None, generator=None, progress=0.0),
                               2 * F.cross_entropy(head(X), y))


def test_idaa_attacks_the_head_in_eval_mode_and_restores_train_mode():
    X, y = _step_problem(n=40)
    Xf = X.float()
    Y = F.one_hot(y, 3).float()
    idaa = IDAA(latent_dim=2, epsilon=0.5, vae_epochs=3, random_state=0).fit(Xf)
    head = FeatureHead(5, 3, (32,), dropout=0.5)
    head.train()
    a, _ = idaa(Xf, Y, None, model=head)
    assert head.training
    b, _ = idaa(Xf, Y, None, model=head)
    torch.testing.assert_close(a, b)  # no dropout: the same attack twice
    head.eval()
    c, _ = idaa(Xf, Y, None, model=head)
    torch.testing.assert_close(a, c)


def test_idaa_partial_fit_fits_its_vae_once_and_continues_after_fit(small_blobs):
    X, y = small_blobs
    clf = IDAAClassifier(**FAST[IDAAClassifier], random_state=0)
    clf.partial_fit(X[:60], y[:60], classes=[0, 1, 2])
    vae = clf.augmenter_.vae_
    assert clf.augmenter_.n_features_in_ == 4 and len(clf.augmenter_.reconstruction_curve_) == 2
    clf.partial_fit(X, y)
    assert clf.augmenter_.vae_ is vae  # fitted on the first chunk, then reused
    clf = IDAAClassifier(**FAST[IDAAClassifier], max_epochs=3, random_state=0).fit(X, y)
    vae = clf.augmenter_.vae_
    clf.partial_fit(X, y)
    assert clf.n_iter_ == 4 and clf.augmenter_.vae_ is vae


def test_idaa_builds_its_augmenter_from_its_own_parameters(small_blobs):
    X, y = small_blobs
    clf = IDAAClassifier(latent_dim=3, beta=0.3, epsilon=0.25, vae_hidden_layer_sizes=(6,),
                         vae_epochs=2, vae_lr=2e-3, batch_size=40, hidden_layer_sizes=(8,),
                         augmented_weight=0.5, max_epochs=1, random_state=0).fit(X, y)
    params = clf.augmenter_.get_params()
    assert {k: params[k] for k in ("latent_dim", "beta", "epsilon", "hidden_layer_sizes",
                                   "vae_epochs", "vae_lr", "vae_batch_size")} == {
        "latent_dim": 3, "beta": 0.3, "epsilon": 0.25, "hidden_layer_sizes": (6,),
        "vae_epochs": 2, "vae_lr": 2e-3, "vae_batch_size": 40}
    assert clf.net_.step.augmented_weight == 0.5
    assert clf.augmenter_.vae_.encoder[0].out_features == 6

