"""Data for the sampler tests (collected only with imbalanced-learn: tests/conftest.py)."""

import pytest


@pytest.fixture(scope="module")
def binary_data():
    from sklearn.datasets import make_classification

    return make_classification(200, n_features=6, n_informative=4, weights=[0.8],
                               random_state=0)
