"""Extraction of many inputs over a Dask cluster: one chunk of the inputs per worker, each
worker loading the backbone once, the features gathered in the inputs' order."""

import numpy as np


def _transform_chunk(extractor, chunk):
    # runs on a worker: the backbone is loaded once per worker process and kept
    # (skaug.extraction._loading's cache), whatever the number of chunks it gets
    return extractor.transform(chunk)


def transform_on_cluster(extractor, inputs, client, chunks=None):
    """``extractor.transform(inputs)`` computed on the workers of ``client``.

    Parameters
    ----------
    extractor : fitted DeepFeatureExtractor
    inputs : list
        Image paths or texts (a list: it is split, not copied whole to every worker).
    client : dask.distributed.Client
    chunks : int, default=None
        Pieces to split ``inputs`` into (default: one per worker).

    Returns
    -------
    features : ndarray of shape (len(inputs), `n_features_out_`), the rows in input order
    """
    inputs = list(inputs)
    workers = sorted(client.scheduler_info()["workers"])
    n = chunks or max(1, len(workers))
    bounds = np.linspace(0, len(inputs), n + 1).astype(int)
    pieces = [inputs[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]
    remote = client.scatter(extractor, broadcast=True)
    # the pieces dealt to the workers in turn, so that all of them extract
    futures = [client.submit(_transform_chunk, remote, piece, pure=False,
                             workers=[workers[i % len(workers)]] if workers else None)
               for i, piece in enumerate(pieces)]
    return np.vstack(client.gather(futures))
