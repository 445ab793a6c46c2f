"""Deep features for the command line: an image folder, or a text column of a CSV file.

``skaug compare`` and ``skaug extract`` share it: the inputs are read (one error for
every unreadable image), features are extracted once with a progress bar — on this
machine or spread over a Dask cluster — and cached on disk by the inputs' contents
and the extractor, so that a second run starts at once.
"""

from ..compare._messages import printable


def add_arguments(p, *, compare=True):
    """The flags of deep-feature inputs (images, texts, backbone, cache, cluster)."""
    p.add_argument("--images", metavar="DIR",
                   help="a folder of images, one subfolder per class (its name is the label)")
    p.add_argument("--skip-bad-images", action="store_true",
                   help="leave out images that cannot be read (counted) instead of stopping")
    p.add_argument("--text-column", metavar="COLUMN",
                   help="a column of free text in the CSV file, embedded by a sentence encoder")
    p.add_argument("--backbone",
                   help="the feature extractor: a DeepFeatureExtractor name or a checkpoint "
                        "folder (default: the pretrained efficientnet-lite0 for images, "
                        "minilm for text)")
    p.add_argument("--batch-size", type=int, default=64, help="inputs per forward pass")
    p.add_argument("--cache", metavar="DIR",
                   help="where extracted features are kept between runs (default: a per-user "
                        "cache folder, ~/.cache/skaug/features)")
    p.add_argument("--no-cache", action="store_true", help="extract again, keep nothing")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="a Dask scheduler (e.g. tcp://host:8786): extraction"
                        + (" and the folds × models" if compare else "")
                        + " run on its workers")


def client(args):
    """The Dask client of ``--scheduler`` (None without it), or a clear error."""
    if not args.scheduler:
        return None
    try:
        from dask.distributed import Client
    except ImportError as exc:
        raise ImportError("--scheduler needs dask.distributed: pip install "
                          "'skaug[distributed]'.") from exc
    try:
        return Client(args.scheduler, timeout="10s")
    except OSError as exc:
        raise ValueError(f"cannot reach the Dask scheduler at {printable(args.scheduler)}: "
                         f"{exc}") from exc


def extract(args, inputs, backbone, out, dask=None):
    """Features of ``inputs`` (image paths or texts): ``(features, extractor)``, from the cache
    when the same inputs went through the same extractor before."""
    from ..extraction import (
        DeepFeatureExtractor,
        cached_transform,
        default_cache_dir,
        transform_on_cluster,
    )

    quiet = getattr(args, "quiet", False)
    extractor = DeepFeatureExtractor(args.backbone or backbone, batch_size=args.batch_size,
                                     verbose=int(not quiet)).fit()
    weights = extractor.weights_[0].split(" (")[0].split(" at /")[0]  # without a file's path
    print(f"  note: features by {printable(args.backbone or backbone)} "
          f"({extractor.n_features_out_} columns; weights: {weights})", file=out)
    if dask is not None:
        features = transform_on_cluster(extractor.set_params(verbose=0), inputs, dask)
        print(f"  note: extracted on {len(dask.scheduler_info()['workers'])} Dask workers",
              file=out)
    elif args.no_cache:
        features = extractor.transform(inputs)
    else:
        cache = args.cache or default_cache_dir()
        features, hit = cached_transform(extractor, inputs, cache)
        if hit:
            print(f"  note: features read from the cache ({printable(cache)}); --no-cache "
                  "extracts again", file=out)
    return features, extractor


def image_inputs(args, out):
    """``(X, y, kinds, title, head)`` of ``--images``: ``head`` turns image paths into the
    features, the first step of a saved model."""
    from ..extraction import image_folder

    paths, labels, notes = image_folder(args.images, skip_bad=args.skip_bad_images)
    title = f"images in {printable(args.images)}"
    print(f"{title}: {notes[0]}", file=out)
    for note in notes[1:]:
        print(f"  note: {note}", file=out)
    import numpy as np

    features, extractor = extract(args, [str(p) for p in paths], "efficientnet-lite0", out,
                                  client(args))
    return features, np.asarray(labels), ["numeric"] * features.shape[1], title, extractor


def text_inputs(args, table, out):
    """The CSV's columns with ``--text-column`` replaced by its sentence embeddings:
    ``(X, kinds, head)``; ``head`` embeds the raw column the same way for a saved model."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer

    column = args.text_column
    texts = table.X[column].astype(str).tolist()
    features, extractor = extract(args, texts, "minilm", out, client(args))
    names = list(extractor.get_feature_names_out())
    rest = [c for c in table.names if c != column]
    X = pd.concat([pd.DataFrame(features, columns=names), table.X[rest].reset_index(drop=True)],
                  axis=1)
    kinds = ["numeric"] * len(names) + [k for c, k in zip(table.names, table.kinds)
                                        if c != column]
    head = ColumnTransformer([("text", extractor, column), ("rest", "passthrough", rest)],
                             verbose_feature_names_out=False).set_output(transform="pandas")
    head.fit(table.X.iloc[:2])  # learns nothing: the embedding is fixed
    return X, kinds, head
