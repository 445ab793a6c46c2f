"""Shared fixtures: where the real datasets live, and small loaders for them.

The real data (``shared/data`` beside the project, or the folder named by the
environment variable ``SKAUG_DATA_DIR``) is found through the one fixture
``data_dir``; tests that need it are skipped with the reason when it is absent.
"""

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest
import torch

DATA_ENV = "SKAUG_DATA_DIR"

# The sampler tests need the optional imbalanced-learn (skaug[samplers]).
collect_ignore = [] if importlib.util.find_spec("imblearn") else ["samplers"]
_DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_configure(config):
    # One torch thread per test process: several pytest workers share the cores.
    torch.set_num_threads(1)


@pytest.fixture(scope="session")
def data_dir():
    """The folder of real datasets, or a skip that says how to provide it."""
    path = Path(os.environ.get(DATA_ENV, _DEFAULT_DATA))
    if not path.is_dir():
        pytest.skip(
            f"real datasets not found at {path}; set {DATA_ENV} to the folder holding "
            "features/, tabular/, images/ (see the README's 'Data for tests')"
        )
    return path


def _need(path):
    if not path.exists():
        pytest.skip(f"{path.name} not found in the data folder ({path.parent})")
    return path


@pytest.fixture(scope="session")
def cifar_features(data_dir):
    """ResNet-20 ‖ ResNet-56 CIFAR-10 test-set features (Eq. 1 layout), labels."""
    d = np.load(_need(data_dir / "features" / "cifar10_resnet20_resnet56.npz"))
    X = np.hstack([d["X20"], d["X56"]]).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, d["y"]


@pytest.fixture(scope="session")
def qsar(data_dir):
    """UCI QSAR biodegradation: 41 numeric descriptors, labels 'RB'/'NRB' (strings)."""
    import pandas as pd

    df = pd.read_csv(_need(data_dir / "tabular" / "qsar_biodeg.csv"), index_col=0)
    return df.drop(columns="label").to_numpy(np.float64), df["label"].to_numpy()


@pytest.fixture(scope="session")
def data():
    """A small synthetic 3-class problem (300 rows, 8 features) for estimator behaviour."""
    from sklearn.datasets import make_classification

    return make_classification(n_samples=300, n_features=8, n_informative=5, n_classes=3,
                               random_state=0)


@pytest.fixture(scope="module")
def blobs():
    """300 rows, 6 features, 3 overlapping classes."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(n_samples=300, centers=3, n_features=6, random_state=0, cluster_std=2.0)
    return X.astype(np.float64), y


@pytest.fixture(scope="module")
def small_blobs():
    """120 rows, 4 features, 3 classes: quick fits."""
    from sklearn.datasets import make_blobs

    return make_blobs(n_samples=120, centers=3, n_features=4, random_state=0, cluster_std=2.5)


@pytest.fixture(scope="module")
def problem():
    """300 rows, 5 features, two classes split by the first feature."""
    rng = np.random.RandomState(0)
    X = rng.randn(300, 5).astype(np.float32)
    return X, (X[:, 0] > 0).astype(int)


def _shell_cases():
    from tests._instances import SHELL_CASES, SHELL_IDS

    return SHELL_CASES, SHELL_IDS


@pytest.fixture(params=_shell_cases()[0], ids=_shell_cases()[1])
def clf(request):
    """Each way a fit goes through the shell (tests/_instances.py), unfitted."""
    from sklearn.base import clone

    return clone(request.param)


@pytest.fixture
def small_csv(tmp_path):
    """60 rows; semicolons; a numeric, a categorical, an id and a name column; gaps."""
    import csv

    rng = np.random.RandomState(0)
    path = tmp_path / "people.csv"
    with open(path, "w", newline="") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["id", "name", "age", "city", "income", "label"])
        for i in range(60):
            label = "yes" if i % 2 else "no"
            age = "" if i == 5 else f"{20 + rng.randint(40) + 10 * (i % 2)}"
            city = "?" if i == 7 else ["Oslo", "Lima", "Pune"][i % 3]
            w.writerow([1000 + i, f"person{i}", age, city, f"{rng.rand() * 1e5:.2f}", label])
    return path


@pytest.fixture
def table(tmp_path):
    """80 rows, two informative numeric columns and a categorical one."""
    rng = np.random.RandomState(0)
    y = np.repeat(["no", "yes"], 40)
    a = rng.randn(80) + 2 * (y == "yes")
    path = tmp_path / "t.csv"
    lines = ["a,b,colour,label"] + [
        f"{a[i]:.4f},{rng.randn():.4f},{['red', 'blue'][i % 2]},{y[i]}" for i in range(80)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="session")
def dask_client():
    """A local Dask cluster of two worker processes (one thread each), and its client."""
    pytest.importorskip("distributed")
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
