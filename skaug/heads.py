"""Torch modules used as classification heads on fixed features."""

from torch import nn


class LinearHead(nn.Linear):
    """A linear head ``z = W x (+ b)``; ``bias=False`` is the SeA head.

    Parameters
    ----------
    n_features : int
    n_classes : int
    bias : bool, default=True
    """

    def __init__(self, n_features, n_classes, bias=True):
        super().__init__(n_features, n_classes, bias=bias)
