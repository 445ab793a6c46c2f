"""Save and load skaug models safely, with :mod:`skops.io`.

A pickle (or joblib) file runs code when it is loaded: use it only for
files you made yourself. A skops file holds data only; loading one builds
objects of the types you trust and nothing else. :func:`load` trusts
skaug's own estimators and augmenters (and what skops trusts by default:
numpy, scipy, scikit-learn's estimators; and ``numpy.dtype``) and refuses any other type,
naming it, unless you pass it in ``trusted``.

A model loaded from skops predicts exactly as the saved one and can
continue with ``warm_start=True`` (its weights and optimiser state are
kept); ``partial_fit`` cannot continue from it (the per-fit training state
is not saved). A CUDA-fitted model loads on a machine without CUDA, on the
CPU. See docs/persistence.md.

Examples
--------
>>> import numpy as np, tempfile, os
>>> from skaug import SeAClassifier
>>> from skaug.persistence import dump, load
>>> X = np.random.RandomState(0).randn(40, 5).astype(np.float32)
>>> y = (X[:, 0] > 0).astype(int)
>>> clf = SeAClassifier(max_epochs=5, random_state=0).fit(X, y)
>>> path = os.path.join(tempfile.mkdtemp(), "model.skops")
>>> dump(clf, path)
>>> bool(np.array_equal(load(path).predict(X), clf.predict(X)))
True
"""

import skops.io as sio

#: Well-known types that skops does not trust by default but that build nothing but data:
#: ``numpy.dtype`` (e.g. ``SimpleImputer._fit_dtype``), the trees of scikit-learn's
#: ``HistGradientBoostingClassifier``, imbalanced-learn's pipeline and the over-samplers
#: ``skaug compare`` offers (``--save`` may save ``"smote+lr"`` or a family's choice), and
#: the neighbour search they keep fitted (scikit-learn's KD and ball trees, their metric).
WELL_KNOWN_TYPES = (
    "numpy.dtype",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # a fitted HistGradientBoostingClassifier's loss and binning (trusted by newer skops
    # releases by default; listed so that skops 0.11, the floor, loads them too)
    "sklearn.ensemble._hist_gradient_boosting.binning._BinMapper",
    "sklearn._loss.link.Interval",
    "sklearn._loss.link.LogitLink",
    "sklearn._loss.link.MultinomialLogit",
    "sklearn._loss.loss.HalfBinomialLoss",
    "sklearn._loss.loss.HalfMultinomialLoss",
    "imblearn.pipeline.Pipeline",
    "imblearn.over_sampling._smote.base.SMOTE",
    "imblearn.over_sampling._adasyn.ADASYN",
    "imblearn.over_sampling._smote.filter.BorderlineSMOTE",
    "imblearn.over_sampling._smote.filter.SVMSMOTE",
    "imblearn.over_sampling._random_over_sampler.RandomOverSampler",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
)


#: Public import paths of classes that moved, as files saved by older versions name
#: them: skops looks such a name up by importing the module and taking the attribute,
#: so the package must export it, and :func:`load` must trust the old name too.
LEGACY_PATHS = ("skaug.extraction.DeepFeatureExtractor",)


def skaug_types():
    """The fully qualified names of skaug's persistable classes (trusted by :func:`load`):
    where each is defined, and where files saved by earlier layouts name it."""
    from . import (
        IDAA,
        CutMix,
        DeepFeatureExtractor,
        GaussianNoise,
        IADAClassifier,
        IDAAClassifier,
        Mixup,
        SAflexClassifier,
        SeAClassifier,
    )
    from .compare import TableColumns

    classes = [CutMix, DeepFeatureExtractor, GaussianNoise, IDAA, Mixup, IADAClassifier,
               IDAAClassifier, SAflexClassifier, SeAClassifier, TableColumns]
    names = list(LEGACY_PATHS)
    try:  # the samplers need the optional imbalanced-learn
        from . import samplers

        found = [getattr(samplers, name) for name in samplers.__all__]
        classes += found
        names += [f"skaug.samplers.{c.__name__}" for c in found]  # the module they once were
    except ImportError:
        pass
    return [f"{c.__module__}.{c.__qualname__}" for c in classes] + names


def dump(model, file):
    """Save ``model`` (any skaug estimator, or a Pipeline holding them) to ``file`` with skops."""
    sio.dump(model, file)


def load(file, trusted=()):
    """Load a model saved with :func:`dump` (or ``skops.io.dump``), building only trusted types.

    Parameters
    ----------
    file : str or path-like
    trusted : sequence of str, default=()
        Further type names to trust (as ``skops.io.get_untrusted_types``
        reports them), e.g. the module and name of your own augmenter
        function. Trust only what you would run.

    Raises
    ------
    ValueError
        If the file holds a type that is neither skaug's nor in ``trusted``,
        or ``trusted`` is not a list of names (``trusted=True`` would trust
        whatever the file holds).
    """
    if isinstance(trusted, (bool, str)) or not all(isinstance(t, str) for t in trusted):
        raise ValueError(
            f"trusted must be a list of type names, got {trusted!r}: trusting every type a "
            "file holds would run whatever it asks for. List the names you trust, from "
            "skops.io.get_untrusted_types(file=...).")
    untrusted = sio.get_untrusted_types(file=file)
    known = set(skaug_types()) | set(WELL_KNOWN_TYPES) | set(trusted)
    unknown = [t for t in untrusted if t not in known]
    if unknown:
        raise ValueError(
            f"{file} holds types that skaug does not trust: {unknown}. Loading it would "
            "build them. If you know where the file comes from and trust them, pass "
            f"load({str(file)!r}, trusted={unknown!r})."
        )
    return sio.load(file, trusted=untrusted)
