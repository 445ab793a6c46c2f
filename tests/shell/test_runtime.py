"""skaug._shell._runtime: devices, thread limits, seeding."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.datasets import make_blobs
from sklearn.utils._param_validation import InvalidParameterError
from skorch.callbacks import Callback

from skaug import (
    SAflexClassifier,
    SeAClassifier,
)
from skaug._shell._runtime import resolve_device


def _thread_spy():
    seen = []

    class Spy(Callback):
        def on_batch_begin(self, net, **kwargs):
            seen.append(torch.get_num_threads())

    return seen, Spy()


def test_same_seed_same_model_and_other_seed_other_model(clf, blobs):
    X, y = blobs
    a = clone(clf).fit(X, y).predict_proba(X)
    b = clone(clf).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    c = clone(clf).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(a, c)


def test_fit_leaves_the_global_torch_rng_alone(clf, blobs):
    X, y = blobs
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    clone(clf).set_params(random_state=None).fit(X, y)
    torch.testing.assert_close(torch.rand(3), expected)


def test_device_resolution():
    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError, match="device must be"):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device is available"):
            resolve_device("cuda")


def test_n_threads_applies_inside_fit_and_predict_only(monkeypatch):
    X, y = make_blobs(120, n_features=4, centers=3, random_state=0)
    before = torch.get_num_threads()
    seen, spy = _thread_spy()
    torch.set_num_threads(2)  # the process may use two (tests run with one: conftest.py)
    try:
        clf = SeAClassifier(max_epochs=1, callbacks=[spy], random_state=0).fit(X, y)
        assert set(seen) == {1}  # a small head: one thread (n_threads=None)
        assert torch.get_num_threads() == 2  # restored
        seen.clear()
        clf.set_params(n_threads=2).fit(X, y)
        assert set(seen) == {2}
    finally:
        torch.set_num_threads(before)
    # predictions are the same whatever the thread count
    np.testing.assert_array_equal(clf.set_params(n_threads=1).predict_proba(X),
                                  clf.set_params(n_threads=None).predict_proba(X))
    # never more than the process may use on entry (an outer joblib worker's limit)
    torch.set_num_threads(1)
    try:
        seen.clear()
        clf.set_params(n_threads=8).fit(X, y)
        assert set(seen) == {1}
    finally:
        torch.set_num_threads(before)


def test_thread_policy_counts_the_heads_multiply_adds():
    from skaug._shell._runtime import SMALL_HEAD_FLOPS

    clf = SAflexClassifier(hidden_layer_sizes=(256, 256), batch_size=128)
    small = 128 * (64 * 256 + 256 * 256 + 256 * 2)
    assert small < SMALL_HEAD_FLOPS and clf._thread_count(64, 2) == 1
    big = SeAClassifier(batch_size=256)  # the paper's shape: 256 × 2048 × 100 > the threshold
    assert 256 * 2048 * 100 > SMALL_HEAD_FLOPS
    assert big._thread_count(2048, 100) == torch.get_num_threads()
    assert SeAClassifier(n_threads=3)._thread_count(2048, 100) == 3
    with pytest.raises(InvalidParameterError):
        SeAClassifier(n_threads=0).fit(np.ones((4, 2)), [0, 1, 0, 1])


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_says_so():
    X = np.random.RandomState(0).randn(20, 3)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="cuda"):
        SeAClassifier(max_epochs=1, device="cuda").fit(X, y)

