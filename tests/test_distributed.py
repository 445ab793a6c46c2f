"""On a Dask cluster, the local result: every classifier under joblib's Dask backend, and
``skaug compare --scheduler`` (the cluster: tests/conftest.py)."""

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


def test_compare_on_a_scheduler_equals_the_local_run(dask_client, table, capsys):
    """The folds × models run as tasks on the cluster's workers: the same table."""
    from skaug.cli import main

    argv = ["compare", str(table), "--target", "label", "--methods", "sea", "--cv", "2",
            "--epochs", "2", "--quiet"]
    assert main([*argv, "--n-jobs", "1"]) == 0
    local = capsys.readouterr().out
    assert main([*argv, "--scheduler", dask_client.scheduler.address]) == 0
    remote = capsys.readouterr().out

    def rows(out):
        lines = out.splitlines()
        start = next(i for i, ln in enumerate(lines) if ln.lstrip().startswith("model "))
        table = lines[start + 1:lines.index("", start)]
        return [ln.split("  ")[:3] for ln in table], [ln.split()[-1] for ln in table]

    # every model's accuracy and balanced accuracy, and the tuned values, are the same
    assert rows(remote)[0] == rows(local)[0] and rows(remote)[1] == rows(local)[1]
    assert remote.split("verdict:")[1].splitlines()[0] == local.split("verdict:")[1].splitlines()[0]
