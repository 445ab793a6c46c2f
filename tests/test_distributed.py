"""Every skaug classifier under joblib's Dask backend gives the local result."""

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import IADAClassifier, IDAAClassifier, SAflexClassifier, SeAClassifier

SEARCHES = {
    "sea": (SeAClassifier(max_epochs=5, random_state=0), {"eta": [0.0, 0.2]}),
    "iada": (IADAClassifier(max_epochs=5, warmup_epochs=2, random_state=0),
             {"epsilon": [0.5, 1.0]}),
    "saflex": (SAflexClassifier(max_epochs=5, hidden_layer_sizes=(16,), random_state=0),
               {"beta": [1.0, 3.0]}),
    "idaa": (IDAAClassifier(max_epochs=5, vae_epochs=3, latent_dim=2, hidden_layer_sizes=(16,),
                            random_state=0), {"epsilon": [0.0, 0.3]}),
}


@pytest.fixture(scope="module")
def dask_client():
    pytest.importorskip("distributed")
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client


def _search(name):
    model, grid = SEARCHES[name]
    step = type(model).__name__.lower()
    pipe = make_pipeline(StandardScaler(), clone(model))
    return GridSearchCV(pipe, {f"{step}__{k}": v for k, v in grid.items()}, cv=2)


@pytest.mark.parametrize("name", list(SEARCHES))
def test_grid_search_on_a_dask_cluster_equals_the_local_run(name, data, dask_client):
    X, y = data
    local = _search(name).set_params(n_jobs=1).fit(X, y)
    with joblib.parallel_backend("dask"):
        remote = _search(name).set_params(n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    assert local.best_params_ == remote.best_params_
    np.testing.assert_array_equal(local.predict_proba(X), remote.predict_proba(X))
