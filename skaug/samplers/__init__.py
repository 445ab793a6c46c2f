"""skaug's augmentations as imbalanced-learn samplers, in front of any estimator.

A sampler's ``fit_resample(X, y)`` returns the original rows followed by new
ones; put it in an :class:`imblearn.pipeline.Pipeline` before the model you
prefer (``HistGradientBoostingClassifier``, ``LogisticRegression``, ...): the
new rows are made at ``fit`` only, never at ``predict``. Needs the optional
extra ``pip install "skaug[samplers]"`` (imbalanced-learn).

How many rows: ``sampling_strategy`` as in imbalanced-learn's over-samplers
(``"auto"``: bring every class up to the largest; ``"minority"``, ``"not
majority"``, ``"all"``; a dict ``{class: rows wanted}``; a callable), plus two
floats: in (0, 1], bring every class up to that share of the largest class's rows
(imbalanced-learn's float for two classes, extended to any number; a class already
there gets none); above 1, multiply every class's rows by it (e.g. 2.0 doubles each
class, for balanced data).

Each new row of class ``c`` is made from rows of class ``c`` only, so its
label is ``c`` (but :class:`SAflexSampler`'s, see below):

- :class:`CutMixSampler`, :class:`MixupSampler`, :class:`NoiseSampler`: skaug's
  augmenters (:mod:`skaug.augmenters`) applied to a batch of class-``c`` rows
  drawn with replacement (partners are class-``c`` rows too);
- :class:`ISDASampler`: explicit draws from ISDA/IADA's distribution of a
  perturbed row, ``x + ε·s·u(x) + N(0, λ Σ_c)`` (``Σ_c`` the class covariance,
  ``s`` the rows' root-mean-square spread around their class means, ``u`` the
  unit adversarial direction of a proxy linear model; ``ε = 0`` is ISDA);
- :class:`SeASampler`: SeA's semantic adversarial rows ``Π(x + η Π(ĝ))``
  (Eq. 11) against a proxy bias-free linear head fitted on the unit-length
  rows, returned at each source row's own length;
- :class:`IDAASampler`: ``R(x) + D(E(x) + δ)`` from a feature VAE fitted in the
  sampler, ``δ`` one FGSM step against a proxy linear model (``attack="fgsm"``)
  or a uniform random sign vector of the same size (``attack=None``);
- :class:`SAflexSampler`: an upstream augmenter's rows (CutMix by default, each
  class's rows mixed among themselves unless ``partners="all"``) with SAflex's
  learned labels, keeping only the rows
  whose weight is 1, against a proxy LogisticRegression and the gradient of its
  loss on held-out rows; a row counts towards its learned label's class.

The proxy linear model (ISDA with ``ε ≠ 0``, SeA, IDAA) is a
``LogisticRegression`` fitted inside ``fit_resample`` on the same rows
(SAflex's: on all rows but its held-out ones).

Examples
--------
>>> import numpy as np
>>> from sklearn.datasets import make_classification
>>> from sklearn.ensemble import HistGradientBoostingClassifier
>>> from imblearn.pipeline import make_pipeline
>>> from skaug.samplers import MixupSampler
>>> X, y = make_classification(300, weights=[0.9], random_state=0)
>>> X_res, y_res = MixupSampler(random_state=0).fit_resample(X, y)
>>> np.bincount(y_res).tolist()
[269, 269]
>>> model = make_pipeline(MixupSampler(random_state=0), HistGradientBoostingClassifier())
>>> model.fit(X, y).predict(X[:3]).shape
(3,)
"""

from ._idaa import IDAASampler
from ._isda import ISDASampler
from ._mixing import CutMixSampler, MixupSampler, NoiseSampler
from ._saflex import SAflexSampler
from ._sea import SeASampler
from .base import BaseFeatureOverSampler

__all__ = ["BaseFeatureOverSampler", "CutMixSampler", "IDAASampler", "ISDASampler",
           "MixupSampler", "NoiseSampler", "SAflexSampler", "SeASampler"]
