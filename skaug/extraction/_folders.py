"""A folder of labelled images, one subfolder per class (torchvision's ImageFolder layout)."""

from pathlib import Path

from ..compare._messages import printable

#: File name endings read as images (case ignored).
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp", ".ppm")


def _readable(path):
    """None if PIL can decode ``path``, else why not."""
    from PIL import Image

    try:
        with Image.open(path) as img:
            img.verify()  # reads the whole file for most formats; does not decode pixels
        with Image.open(path) as img:
            img.load()
    except Exception as exc:  # noqa: BLE001 - any decoding failure names the file
        return f"{type(exc).__name__}: {exc}"
    return None


def image_folder(root, *, skip_bad=False, check=True):
    """The images of ``root`` and their labels: ``(paths, labels, notes)``.

    Each subfolder of ``root`` is a class, named by the subfolder; its images
    are the files ending in one of :data:`IMAGE_SUFFIXES` (any depth below
    it), sorted by path. Files that are not images by their name are left
    out with a note. With ``check``, every image is opened: unreadable ones
    are listed in one error, or left out and counted with ``skip_bad``.

    Raises
    ------
    ValueError
        ``root`` is not a folder, has no class subfolders, has only one class,
        or a class with no images; or images cannot be read (not
        ``skip_bad``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from PIL import Image
    >>> from skaug.extraction import image_folder
    >>> root = Path(tempfile.mkdtemp())
    >>> for label in ("cat", "dog"):
    ...     (root / label).mkdir()
    ...     Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / label / "a.png")
    >>> paths, labels, notes = image_folder(root)
    >>> [p.parent.name + "/" + p.name for p in paths], labels
    (['cat/a.png', 'dog/a.png'], ['cat', 'dog'])
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{printable(root)} is not a folder: pass a folder with one subfolder "
                         "of images per class (e.g. photos/cat/*.jpg, photos/dog/*.jpg).")
    classes = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not classes:
        loose = [p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
        hint = (f" It holds {len(loose)} images directly: move each into a subfolder named "
                "by its class.") if loose else ""
        raise ValueError(f"{printable(root)} has no class subfolders: the images of each class "
                         f"go in a subfolder named by the class (e.g. {printable(root)}/cat/)."
                         + hint)
    if len(classes) < 2:
        raise ValueError(f"{printable(root)} has one class subfolder ({printable(classes[0].name)}"
                         "); a classifier needs at least two.")
    paths, labels, notes, other = [], [], [], []
    for folder in classes:
        files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
        images = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
        other += [p for p in files if p.suffix.lower() not in IMAGE_SUFFIXES]
        if not images:
            raise ValueError(f"class {printable(folder.name)!r} ({printable(folder)}) has no "
                             f"images (files ending in {', '.join(IMAGE_SUFFIXES)}): add some "
                             "or remove the folder.")
        paths += images
        labels += [folder.name] * len(images)
    if other:
        notes.append(f"left out {len(other)} files that are not images by their name (e.g. "
                     f"{printable(other[0].relative_to(root))})")
    if check:
        bad = [(p, why) for p in paths if (why := _readable(p)) is not None]
        if bad and not skip_bad:
            listed = "; ".join(f"{printable(p.relative_to(root))} ({why})" for p, why in bad[:20])
            more = f"; and {len(bad) - 20} more" if len(bad) > 20 else ""
            raise ValueError(f"{len(bad)} images of {printable(root)} cannot be read: {listed}"
                             f"{more}. Replace or delete them, or leave them out "
                             "(skip_bad=True).")
        if bad:
            dropped = {p for p, _ in bad}
            kept = [(p, lab) for p, lab in zip(paths, labels) if p not in dropped]
            paths, labels = [p for p, _ in kept], [lab for _, lab in kept]
            notes.append(f"left out {len(bad)} images that cannot be read (e.g. "
                         f"{printable(bad[0][0].relative_to(root))})")
            empty = sorted({c.name for c in classes} - set(labels))
            if empty:
                raise ValueError(f"class {', '.join(map(repr, empty))} has no readable images.")
    counts = {c.name: labels.count(c.name) for c in classes}
    notes.insert(0, f"{len(paths)} images in {len(classes)} classes: " + ", ".join(
        f"{printable(name)} {n}" for name, n in counts.items()))
    return paths, labels, notes
