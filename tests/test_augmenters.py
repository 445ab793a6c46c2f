"""skaug.augmenters: CutMix, Mixup, noise (parameter objects) and IDAA (an estimator)."""


import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

from skaug import (
    IDAA,
    CutMix,
    GaussianNoise,
    IDAAClassifier,
    Mixup,
    SAflexClassifier,
)


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
    # scikit-learn's own messages (IDAA passes check_estimator)
    with pytest.raises(ValueError, match="Input X contains NaN"):
        IDAA().fit(bad)
    with pytest.raises(ValueError, match="1 sample"):
        IDAA().fit(X[:1])
    with pytest.raises(ValueError, match="Expected 2D array"):
        IDAA().fit(X[:, 0])
    with pytest.raises(ValueError, match="n_samples=1"):  # a tensor of rows, fitted on its device
        IDAA().fit(Xt[:1])
    with pytest.raises(ValueError, match="NaN or infinite"):
        IDAA().fit(torch.tensor(bad, dtype=torch.float32))
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


def test_mixup_partners_are_any_other_row():
    from skaug.methods.sea import _random_partner

    g = torch.Generator().manual_seed(0)
    seen = torch.stack([_random_partner(5, g, "cpu") for _ in range(400)])
    for i in range(5):
        assert set(seen[:, i].tolist()) == set(range(5)) - {i}


def test_augmenter_parameters_grid_search_and_clone(small_blobs):
    X, y = small_blobs
    pipe = make_pipeline(StandardScaler(), SAflexClassifier(
        augmenter=CutMix(p=0.5), hidden_layer_sizes=(8,), max_epochs=2, random_state=0))
    search = GridSearchCV(pipe, {"saflexclassifier__augmenter__p": [0.1, 0.9]}, cv=2).fit(X, y)
    assert search.best_params_["saflexclassifier__augmenter__p"] in (0.1, 0.9)
    assert pipe[-1].augmenter.p == 0.5  # the user's augmenter is untouched
    fitted = search.best_estimator_[-1]
    assert fitted.augmenter_ is not fitted.augmenter
    assert clone(CutMix(p=0.3)).get_params() == {"p": 0.3, "mix_labels": False}


@pytest.mark.parametrize("aug, bad", [
    (CutMix(), {"p": 1.5}), (Mixup(), {"alpha": 0.0}), (GaussianNoise(), {"std": -1.0}),
])
def test_augmenter_parameters_are_validated_when_used(aug, bad):
    aug.set_params(**bad)  # setting is free, as in scikit-learn
    X, Y = torch.randn(6, 3), torch.eye(3)[torch.tensor([0, 1, 2, 0, 1, 2])]
    with pytest.raises(InvalidParameterError, match=type(aug).__name__):
        aug(X, Y, torch.Generator())


def test_a_user_function_is_still_an_augmenter(small_blobs):
    X, y = small_blobs

    def flip(X, Y, generator):
        return -X, Y

    clf = SAflexClassifier(augmenter=flip, max_epochs=2, random_state=0).fit(X, y)
    assert clf.augmenter_ is flip

