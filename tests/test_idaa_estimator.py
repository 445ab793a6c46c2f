"""IDAAClassifier and the IDAA augmenter as a user meets them."""

import numpy as np
import pytest
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import IDAA, CutMix, IDAAClassifier, SAflexClassifier


SMALL = dict(hidden_layer_sizes=(32,), max_epochs=8, random_state=0)


def no_rows(X, Y, generator):
    return X[:0], Y[:0]


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


def test_saflex_fits_a_copy_of_the_idaa_augmenter(data):
    X, y = data
    idaa = IDAA(latent_dim=3, epsilon=0.2, vae_epochs=5)
    clf = SAflexClassifier(augmenter=idaa, **SMALL).fit(X, y)
    assert not hasattr(idaa, "vae_")  # the user's object is untouched
    assert clf.augmenter_ is not idaa and hasattr(clf.augmenter_, "vae_")
    # fitted on the training split only (SAflex holds out its validation rows)
    assert clf.augmenter_.vae_.mean.shape == (8,)
    cutmix = SAflexClassifier(augmenter=CutMix(), **SMALL).fit(X, y)
    assert not np.allclose(clf.predict_proba(X), cutmix.predict_proba(X))
    again = SAflexClassifier(augmenter=idaa, **SMALL).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))


def test_idaa_augmenter_errors_say_what_to_do(data):
    X, y = data
    Xt = torch.tensor(X, dtype=torch.float32)
    Y = torch.nn.functional.one_hot(torch.tensor(y), 3).float()
    head = torch.nn.Linear(8, 3)
    with pytest.raises(RuntimeError, match="not fitted yet"):
        IDAA()(Xt, Y, None, model=head)
    idaa = IDAA(latent_dim=2, vae_epochs=2, random_state=0).fit(X)
    with pytest.raises(ValueError, match="model=head"):
        idaa(Xt, Y, None)
    with pytest.raises(ValueError, match="X has 5 features, but IDAA was fitted on 8"):
        idaa(Xt[:, :5], Y, None, model=head)
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        IDAA().fit(bad)
    with pytest.raises(ValueError, match="at least 2 rows"):
        IDAA().fit(X[:1])
    with pytest.raises(ValueError, match="2-d array"):
        IDAA().fit(X[:, 0])
    for params in ({"latent_dim": 0}, {"epsilon": -0.1}, {"beta": -1}, {"vae_lr": 0},
                   {"hidden_layer_sizes": (0,)}):
        bad = IDAA(**params)  # parameters are checked when used, as in scikit-learn
        with pytest.raises(ValueError, match="IDAA"):
            bad.fit(X)
        if "hidden_layer_sizes" not in params:  # (the widths are checked by fit)
            with pytest.raises(ValueError, match="parameter of IDAA"):
                bad(Xt, Y, None, model=head)


def test_idaa_fit_is_reproducible_and_leaves_the_global_rng(data):
    X, _ = data
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    a = IDAA(latent_dim=2, vae_epochs=3, random_state=4).fit(X)
    assert torch.equal(torch.random.get_rng_state(), before)
    b = IDAA(latent_dim=2, vae_epochs=3, random_state=4).fit(X)
    Xt = torch.tensor(X, dtype=torch.float32)
    torch.testing.assert_close(a.reconstruct(Xt), b.reconstruct(Xt), rtol=0, atol=0)


def test_idaa_parameters_are_validated(data):
    X, y = data
    from sklearn.utils._param_validation import InvalidParameterError

    for params in ({"latent_dim": 0}, {"epsilon": -1.0}, {"augmented_weight": -1.0}, {"vae_epochs": 0}):
        with pytest.raises(InvalidParameterError):
            IDAAClassifier(**params).fit(X, y)


def test_idaa_on_real_tabular_data(qsar):
    X, y = qsar
    X_tr, X_te, y_tr, y_te = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    clf = make_pipeline(StandardScaler(), IDAAClassifier(
        epsilon=0.1, vae_epochs=20, max_epochs=30, random_state=0))
    clf.fit(X_tr, y_tr)
    assert clf.score(X_te, y_te) > 0.8
    curve = clf[-1].augmenter_.reconstruction_curve_
    assert curve[-1] < curve[0]
