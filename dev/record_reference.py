"""Record reference fits and skops files of the current layout, for the tests that pin them.

    python dev/record_reference.py
    python dev/record_reference.py --only idaa_sampler   # one entry, the rest kept

Writes ``tests/data/reference_fits.npz`` (predict_proba of a fixed set of fits, each
with explicit parameters, on fixed synthetic data; with the torch and numpy versions
they were made with) and ``tests/data/legacy/*.skops`` (models saved by this layout:
the import paths they name must keep loading after the code moves). Run it only to
make a new reference on purpose: the tests compare later code with these files.
``--only NAME`` re-records one fit or sampler whose numbers changed on purpose (e.g.
``idaa_sampler`` when IDAASampler kept its source rows in float64) and keeps the rest.
"""

import argparse
import json
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import make_classification

import skaug
from skaug import (
    IDAA,
    CutMix,
    IADAClassifier,
    IDAAClassifier,
    SAflexClassifier,
    SeAClassifier,
)

OUT = Path(__file__).resolve().parents[1] / "tests" / "data"


def data():
    X, y = make_classification(n_samples=240, n_features=6, n_informative=4, n_classes=3,
                               weights=[0.5, 0.3, 0.2], random_state=0)
    return X.astype(np.float32), y


#: name -> estimator with every parameter that matters written out (defaults may change).
FITS = {
    "sea": lambda: SeAClassifier(eta=0.2, alpha=0.01, max_epochs=8, random_state=0),
    "sea_es": lambda: SeAClassifier(eta=0.2, max_epochs=8, early_stopping=True,
                                    n_iter_no_change=3, random_state=1),
    "iada_class": lambda: IADAClassifier(perturbation="class", epsilon=1.0, lambda0=0.1,
                                         max_epochs=8, warmup_epochs=2, random_state=0),
    "iada_meta": lambda: IADAClassifier(perturbation="meta", epsilon=1.0, lambda0=0.1,
                                        max_epochs=8, warmup_epochs=2, random_state=0),
    "iada_mlp_es": lambda: IADAClassifier(perturbation="class", epsilon=1.0, lambda0=0.1,
                                          head="mlp",
                                          hidden_layer_sizes=(16,), max_epochs=8,
                                          early_stopping=True, warmup_epochs=2,
                                          class_weight="balanced", random_state=2),
    "saflex": lambda: SAflexClassifier(CutMix(p=0.5), hidden_layer_sizes=(16,), max_epochs=8,
                                       random_state=0),
    "saflex_es": lambda: SAflexClassifier(CutMix(p=0.3), hidden_layer_sizes=(16,),
                                          max_epochs=8, early_stopping=True,
                                          n_iter_no_change=3, random_state=3),
    "cutmix": lambda: SAflexClassifier(CutMix(p=0.5), refine=False, hidden_layer_sizes=(16,),
                                       max_epochs=8, random_state=0),
    "idaa": lambda: IDAAClassifier(latent_dim=4, epsilon=0.1, augmented_weight=1.0,
                                   vae_epochs=5,
                                   hidden_layer_sizes=(16,),
                                   max_epochs=8, random_state=0),
    "saflex_idaa": lambda: SAflexClassifier(IDAA(latent_dim=3, epsilon=0.1, vae_epochs=4),
                                            hidden_layer_sizes=(16,), max_epochs=6,
                                            random_state=4),
}


def samplers():
    from skaug.samplers import (
        CutMixSampler,
        IDAASampler,
        ISDASampler,
        MixupSampler,
        NoiseSampler,
        SAflexSampler,
        SeASampler,
    )

    return {
        "cutmix_sampler": CutMixSampler(random_state=0),
        "mixup_sampler": MixupSampler(random_state=0),
        "noise_sampler": NoiseSampler(random_state=0),
        "isda_sampler": ISDASampler(epsilon=0.5, random_state=0),
        "sea_sampler": SeASampler(random_state=0),
        "idaa_sampler": IDAASampler(attack="fgsm", vae_epochs=5, random_state=0),
        "saflex_sampler": SAflexSampler(CutMix(p=0.3), random_state=0),
    }


def sampler_arrays(name, sampler, X, y):
    """The recorded arrays of a sampler: its rows (float64) and their labels."""
    X_res, y_res = sampler.fit_resample(X, y)
    return {name: np.asarray(X_res, dtype=np.float64), f"{name}_y": np.asarray(y_res)}


def record_one(name):
    """Re-record the entry ``name`` (a fit or a sampler) of reference_fits.npz in place."""
    torch.set_num_threads(1)
    X, y = data()
    arrays = dict(np.load(OUT / "reference_fits.npz"))
    if name in FITS:
        arrays[name] = FITS[name]().fit(X, y).predict_proba(X)
    else:
        arrays.update(sampler_arrays(name, samplers()[name], X, y))
    np.savez_compressed(OUT / "reference_fits.npz", **arrays)
    print(f"re-recorded {name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="re-record this one entry, keep the others")
    args = parser.parse_args()
    if args.only:
        return record_one(args.only)
    torch.set_num_threads(1)
    X, y = data()
    arrays = {}
    legacy = OUT / "legacy"
    legacy.mkdir(parents=True, exist_ok=True)
    from skaug.persistence import dump

    for name, make in FITS.items():
        clf = make().fit(X, y)
        arrays[name] = clf.predict_proba(X)
        if name in ("sea", "iada_meta", "saflex", "idaa"):
            dump(clf, legacy / f"{name}.skops")
    for name, sampler in samplers().items():
        arrays.update(sampler_arrays(name, sampler, X, y))
        if name in ("cutmix_sampler", "saflex_sampler"):
            dump(sampler, legacy / f"{name}.skops")
    from imblearn.over_sampling import SMOTE
    from imblearn.pipeline import make_pipeline

    from skaug.compare import refit_best

    dump(make_pipeline(SMOTE(random_state=0), SeAClassifier(max_epochs=3, random_state=0))
         .fit(X, y), legacy / "smote_sea_pipeline.skops")
    dump(refit_best("sea", X, y, epochs=3), legacy / "compare_save_sea.skops")
    dump(skaug.DeepFeatureExtractor("resnet20-cifar", device="cpu").fit(),
         legacy / "extractor.skops")
    np.savez_compressed(OUT / "reference_fits.npz", **arrays)
    meta = {"torch": torch.__version__, "numpy": np.__version__, "skaug": skaug.__version__,
            "fits": sorted(arrays)}
    (OUT / "reference_fits.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(meta)


if __name__ == "__main__":
    main()
