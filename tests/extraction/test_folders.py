"""skaug.extraction._folders: a folder of labelled images, and what is wrong with one."""

import numpy as np
import pytest
from PIL import Image

from skaug.extraction import image_folder


def _image(path, size=(8, 8), mode="RGB", seed=0):
    rng = np.random.RandomState(seed)
    shape = (size[1], size[0]) if mode == "L" else (size[1], size[0], len(mode))
    Image.fromarray(rng.randint(0, 256, shape, dtype=np.uint8), mode=mode).save(path)


def _folder(root, classes=("cat", "dog"), n=3):
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(n):
            _image(root / c / f"{i}.png", seed=i)
    return root


def test_one_subfolder_per_class_in_sorted_order(tmp_path):
    root = _folder(tmp_path / "photos")
    (root / "dog" / "notes.txt").write_text("not an image")
    (root / "dog" / "deeper").mkdir()
    _image(root / "dog" / "deeper" / "x.JPG")
    paths, labels, notes = image_folder(root)
    assert labels == ["cat"] * 3 + ["dog"] * 4
    assert [p.name for p in paths[3:]] == ["0.png", "1.png", "2.png", "x.JPG"]
    assert notes[0] == "7 images in 2 classes: cat 3, dog 4"
    assert any("left out 1 files that are not images" in n for n in notes)


@pytest.mark.parametrize("make, match", [
    (lambda root: root / "nothing-here", "is not a folder"),
    (lambda root: (root.mkdir(), _image(root / "a.png"))[0] or root, "no class subfolders.*"
                                                                      "1 images directly"),
    (lambda root: _folder(root, classes=("cat",)), "one class subfolder"),
    (lambda root: (_folder(root), (root / "bird").mkdir())[0], "class 'bird'.*has no images"),
], ids=["missing", "no-subfolders", "one-class", "empty-class"])
def test_bad_folders_say_what_to_do(tmp_path, make, match):
    root = tmp_path / "photos"
    target = make(root)
    with pytest.raises(ValueError, match=match):
        image_folder(target if target is not None else root)


def test_every_unreadable_image_is_named_in_one_error_or_skipped(tmp_path):
    root = _folder(tmp_path / "photos")
    (root / "cat" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n not really")
    good = (root / "dog" / "0.png").read_bytes()
    (root / "dog" / "cut.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match=r"2 images .* cannot be read: cat/broken\.png .*"
                                         r"dog/cut\.png .*skip_bad=True"):
        image_folder(root)
    paths, labels, notes = image_folder(root, skip_bad=True)
    assert len(paths) == 6 and any("left out 2 images that cannot be read" in n for n in notes)


def test_images_of_mixed_sizes_and_modes_are_read(tmp_path):
    root = tmp_path / "photos"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    _image(root / "a" / "grey.png", (20, 30), "L")
    _image(root / "a" / "rgba.png", (40, 12), "RGBA")
    _image(root / "b" / "rgb.jpg", (64, 64), "RGB")
    paths, labels, _ = image_folder(root)
    assert labels == ["a", "a", "b"]
