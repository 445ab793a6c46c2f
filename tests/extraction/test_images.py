"""skaug.extraction._images: image inputs of any size, mode and dtype; hostile files."""

import importlib.util

import numpy as np
import pytest
import torch

from skaug import (
    DeepFeatureExtractor,
)
from skaug.extraction.backbones.cifar_resnet import cifar_resnet
from tests._helpers import has_torchvision


def _mixed_images():
    """Images of several sizes and modes: RGB, grey (2-d), RGBA, and int64 0–255 values."""
    rng = np.random.RandomState(5)
    rgb = rng.randint(0, 256, (30, 40, 3), dtype=np.uint8)
    grey = rng.randint(0, 256, (50, 20), dtype=np.uint8)
    rgba = rng.randint(0, 256, (32, 32, 4), dtype=np.uint8)
    wide = rng.randint(0, 256, (17, 90, 3)).astype(np.int64)
    return [rgb, grey, rgba, wide]


def _image_backbones():
    torch.manual_seed(0)
    backbones = [("resnet20-cifar", None), (cifar_resnet(20).eval(), "DEFAULT")]
    if importlib.util.find_spec("efficientnet_lite_pytorch") is not None:
        backbones.append(("efficientnet-lite0", None))
    if has_torchvision:
        backbones.append(("resnet18", None))
    return backbones


def test_every_input_type_gives_the_same_features(images, tmp_path):
    from PIL import Image

    torch.manual_seed(0)
    ext = DeepFeatureExtractor("resnet20-cifar", weights=None, batch_size=4, device="cpu").fit(images)
    ref = ext.transform(images)
    pil = [Image.fromarray(x) for x in images]
    paths = []
    for i, im in enumerate(pil):
        paths.append(str(tmp_path / f"{i}.png"))
        im.save(paths[-1])
    floats = images.transpose(0, 3, 1, 2).astype(np.float32) / 255
    for other in (pil, paths, floats):
        np.testing.assert_allclose(ext.transform(other), ref, atol=1e-6)


def test_mixed_pil_and_paths_are_refused(images):
    from PIL import Image

    ext = DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit(images)
    with pytest.raises(ValueError, match="Mixed input types"):
        ext.transform([Image.fromarray(images[0]), "a.png"])


@pytest.mark.parametrize("backbone, weights", _image_backbones(),
                         ids=lambda v: v if isinstance(v, str) or v is None else type(v).__name__)
def test_images_of_mixed_sizes_and_modes_work_for_every_image_backbone(backbone, weights,
                                                                       tmp_path):
    from PIL import Image

    images = _mixed_images()
    named = isinstance(backbone, str)
    if not named:  # a module of the user's takes the channels it is given: RGB ones here
        images = [np.dstack([im] * 3) if im.ndim == 2 else im[:, :, :3] for im in images]
    ext = DeepFeatureExtractor(backbone, weights=weights, batch_size=3, device="cpu").fit()
    together = ext.transform(images)
    assert together.shape == (4, ext.n_features_out_) and np.isfinite(together).all()
    # a row depends on its image alone, not on the others of its batch
    alone = np.vstack([ext.transform([im]) for im in images])
    np.testing.assert_allclose(together, alone, atol=1e-5)
    # PIL images and files of the same pictures give the same features
    pil = [Image.fromarray(im.astype(np.uint8)) for im in images]
    paths = []
    for i, im in enumerate(pil):
        paths.append(tmp_path / f"{i}.png")
        im.save(paths[-1])
    if named:  # RGB backbones: grey is repeated, alpha dropped, as PIL's convert("RGB")
        np.testing.assert_allclose(ext.transform(pil), together, atol=1e-5)
        np.testing.assert_allclose(ext.transform(paths), together, atol=1e-5)
        grey_as_rgb = np.repeat(images[1][:, :, None], 3, axis=2)
        np.testing.assert_allclose(ext.transform([grey_as_rgb]), together[1:2], atol=1e-5)
        np.testing.assert_allclose(ext.transform([images[2][:, :, :3]]), together[2:3], atol=1e-5)
    np.testing.assert_allclose(ext.transform([images[3].astype(np.uint8)]), together[3:4],
                               atol=1e-6)


def test_integer_arrays_of_0_to_255_are_read_as_uint8(images):
    ext = DeepFeatureExtractor("resnet20-cifar", weights=None, device="cpu").fit(images)
    np.testing.assert_array_equal(ext.transform(images.astype(np.int64)), ext.transform(images))
    with pytest.raises(ValueError, match=r"0–255, got \[0, 300\]"):
        too_bright = np.zeros((1, 8, 8, 3), dtype=np.int64)
        too_bright[0, 0, 0, 0] = 300
        ext.transform(too_bright)
    with pytest.raises(ValueError, match="integers in 0–255 or floats"):
        ext.transform(np.ones((1, 8, 8, 3), dtype=bool))


def test_nan_or_inf_in_a_float_image_array_is_refused(extractor):
    X = np.full((3, 3, 32, 32), 0.5, np.float32)
    X[1, 0, 4, 4] = np.nan
    with pytest.raises(ValueError, match="Image 1 of the array holds NaN or infinite"):
        extractor.transform(X)
    X[1, 0, 4, 4] = np.inf
    with pytest.raises(ValueError, match="Image 1"):
        extractor.transform(X)


def test_float_images_in_0_255_are_refused_with_the_fix(extractor):
    X = np.full((2, 3, 32, 32), 200.0, np.float32)
    with pytest.raises(ValueError, match=r"in \[0, 1\].*0–255 values.*astype\(np.uint8\)"):
        extractor.transform(X)
    ok = extractor.transform(X / 255)
    assert np.isfinite(ok).all()


def test_flattened_image_rows_get_a_reshape_hint(extractor):
    with pytest.raises(ValueError, match=r"flattened 32×32 RGB images.*reshape\(-1, 32, 32, 3\)"):
        extractor.transform(np.zeros((4, 3072), np.uint8))


def test_empty_images_and_none_are_refused(extractor, tmp_path):
    from PIL import Image

    with pytest.raises(ValueError, match="at least 1×1 pixel"):
        extractor.transform(np.zeros((2, 0, 0, 3), np.uint8))
    with pytest.raises(ValueError, match="at least 1×1 pixel"):
        extractor.transform([Image.new("RGB", (0, 0))])
    with pytest.raises(ValueError, match="got None"):
        extractor.transform(None)
    with pytest.raises(ValueError, match="wrap it in a list"):
        extractor.transform(str(tmp_path / "a.png"))


def test_truncated_or_non_image_files_name_the_file(extractor, three_images, tmp_path):
    from PIL import Image

    good = tmp_path / "good.jpg"
    Image.fromarray(three_images[0]).save(good)
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good.read_bytes()[:200])
    text = tmp_path / "notes.jpg"
    text.write_text("not an image")
    for path in (truncated, text):
        with pytest.raises(ValueError, match=f"Cannot read image file '{path}'"):
            extractor.transform([str(good), str(path)])

