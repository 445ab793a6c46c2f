"""Shared fixtures: where the real datasets live, and small loaders for them.

The real data (``shared/data`` beside the project, or the folder named by the
environment variable ``SKAUG_DATA_DIR``) is found through the one fixture
``data_dir``; tests that need it are skipped with the reason when it is absent.
"""

import os
from pathlib import Path

import numpy as np
import pytest
import torch

DATA_ENV = "SKAUG_DATA_DIR"
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
