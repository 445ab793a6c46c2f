"""Small real datasets shipped inside the package (licences in ``skaug/data/README.txt``)."""

from importlib import resources

import numpy as np

BUILTIN_DATASETS = {
    "sms_minilm": "1500 SMS messages as 384-d MiniLM sentence embeddings, spam vs ham (binary)",
    "qsar_biodeg": "1055 molecules, 41 QSAR descriptors, ready-biodegradable or not (binary)",
}


def load_builtin(name):
    """Load a built-in dataset as ``(X, y)``.

    Parameters
    ----------
    name : {"sms_minilm", "qsar_biodeg"}
        ``"sms_minilm"``: deep text features (float32, unit rows), ``y`` in
        {"ham", "spam"}. ``"qsar_biodeg"``: raw tabular descriptors (float64,
        standardise them before a linear head), ``y`` in {"RB", "NRB"}.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) of str

    Examples
    --------
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> X.shape, sorted(set(y.tolist()))
    ((1055, 41), ['NRB', 'RB'])
    """
    if name not in BUILTIN_DATASETS:
        raise ValueError(
            f"Unknown built-in dataset {name!r}; choose one of {sorted(BUILTIN_DATASETS)}."
        )
    data = resources.files("skaug") / "data"
    if name == "sms_minilm":
        with (data / "sms_minilm.npz").open("rb") as f:
            d = np.load(f)
            X = d["X"].astype(np.float32)
            y = np.where(d["y"] == 1, "spam", "ham")
        return X, y
    import pandas as pd

    with (data / "qsar_biodeg.csv.gz").open("rb") as raw:
        frame = pd.read_csv(raw, compression="gzip")
    X = frame.iloc[:, :-1].to_numpy(dtype=np.float64)
    y = frame.iloc[:, -1].to_numpy().astype(str)
    return X, y
