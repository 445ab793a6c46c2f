"""Images, checkpoints and a fitted extractor for the extraction tests."""

import numpy as np
import pytest
import torch

from skaug import DeepFeatureExtractor
from skaug.extraction.backbones.cifar_resnet import cifar_resnet


@pytest.fixture(scope="module")
def images():
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)


@pytest.fixture(scope="module")
def three_images():
    return np.random.RandomState(0).randint(0, 256, (3, 32, 32, 3)).astype(np.uint8)


@pytest.fixture(scope="module")
def weights(data_dir):
    found = {d: next((data_dir / "weights").glob(f"resnet{d}-*.th"), None) for d in (20, 32, 56)}
    if None in found.values():
        pytest.skip("CIFAR ResNet checkpoints not in the data folder")
    return {d: str(p) for d, p in found.items()}


@pytest.fixture(scope="module")
def checkpoints(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt")
    good = folder / "good.th"
    torch.save(cifar_resnet(20).state_dict(), good)
    files = {
        "junk": b"\x00garbage" * 50,
        "empty": b"",
        "truncated": good.read_bytes()[: good.stat().st_size // 2],
    }
    for name, data in files.items():
        (folder / f"{name}.th").write_bytes(data)
    torch.save(cifar_resnet(32).state_dict(), folder / "other-depth.th")
    torch.save({"epoch": 3, "notes": ["x"]}, folder / "no-tensors.th")
    return folder


@pytest.fixture(scope="module")
def extractor(three_images):
    return DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit(three_images)
