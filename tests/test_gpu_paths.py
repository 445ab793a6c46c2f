"""The CUDA-only branches, reached on the CPU where they can be.

The out-of-memory halving of the extractor (a CUDA error simulated on the
CPU), autocast in bfloat16 (which the CPU supports), the device argument's
errors. Loading a CUDA-saved model on the CPU is tested in test_base.py
(pickles) and test_persistence.py (skops).
"""

import numpy as np
import pytest
import torch

from skaug import DeepFeatureExtractor, SeAClassifier
from skaug.backbones.cifar_resnet import cifar_resnet


@pytest.fixture(scope="module")
def images():
    return np.random.RandomState(0).randint(0, 256, size=(10, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def model():
    torch.manual_seed(0)
    return cifar_resnet(20).eval()


def test_out_of_memory_halves_the_batch_and_gives_the_same_features(images, model, monkeypatch):
    reference = DeepFeatureExtractor(model, batch_size=8, device="cpu").fit(images).transform(images)
    real_forward = DeepFeatureExtractor._forward
    sizes = []

    def forward_that_fits_three_rows(self, backbone, batch, device):
        sizes.append(len(batch))
        if len(batch) > 3:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_forward(self, backbone, batch, device)

    monkeypatch.setattr(DeepFeatureExtractor, "_forward", forward_that_fits_three_rows)
    halved = DeepFeatureExtractor(model, batch_size=8, device="cpu").fit(images).transform(images)
    np.testing.assert_allclose(halved, reference, rtol=1e-5, atol=1e-6)
    # fit's one-row probe; then 8 → 4 → 2 + 2 and 4 → 2 + 2; the last 2 rows at once.
    assert sizes == [1, 8, 4, 2, 2, 4, 2, 2, 2]


def test_out_of_memory_on_a_single_row_reaches_the_caller(images, model, monkeypatch):
    def always_out_of_memory(self, backbone, batch, device):
        raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")

    monkeypatch.setattr(DeepFeatureExtractor, "_forward", always_out_of_memory)
    with pytest.raises(torch.cuda.OutOfMemoryError):
        DeepFeatureExtractor(model, batch_size=4, device="cpu").fit(images).transform(images)


def test_bfloat16_autocast_runs_and_stays_close_to_float32(images, model):
    fp32 = DeepFeatureExtractor(model, device="cpu").fit(images).transform(images)
    bf16 = DeepFeatureExtractor(model, device="cpu", precision="bf16").fit(images).transform(images)
    assert bf16.dtype == np.float32
    assert not np.array_equal(bf16, fp32)  # autocast really ran in bfloat16
    cosine = (bf16 * fp32).sum(1)  # unit rows
    assert cosine.min() > 0.99


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA")
def test_cuda_without_a_gpu_says_so():
    X = np.random.RandomState(0).randn(20, 3)
    y = np.arange(20) % 2
    with pytest.raises(ValueError, match="cuda"):
        SeAClassifier(max_epochs=1, device="cuda").fit(X, y)
