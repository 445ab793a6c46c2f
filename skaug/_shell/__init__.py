"""The estimator shell every skaug classifier shares (not public API).

- :mod:`~skaug._shell.base` — ``fit``, ``partial_fit``, prediction and the
  hooks a method implements (the template method);
- :mod:`~skaug._shell._validation` — features, labels, sample and class
  weights, and the one stratified hold-out;
- :mod:`~skaug._shell._runtime` — device, thread limits, seeding (the
  extractor and ``skaug compare`` use them too);
- :mod:`~skaug._shell.net` — the skorch net, its batch loader and callbacks;
- :mod:`~skaug._shell.step` — the ``Step`` contract of a method's per-fit state;
- :mod:`~skaug._shell._portable` — the skops-safe state of the fitted net.

How to add a method with it: docs/contributing.md.
"""

from .base import FeatureHeadClassifier, SkaugClassifier
from .step import HeldOut, Step

__all__ = ["FeatureHeadClassifier", "HeldOut", "SkaugClassifier", "Step"]
