"""Torch modules used as classification heads on fixed features."""

from torch import nn

from ._persistence import portable_module


@portable_module
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


@portable_module
class FeatureHead(nn.Module):
    """Optional MLP then a linear classifier; exposes the last hidden features.

    ``forward(x)`` returns the logits; ``forward(x, return_hidden=True)``
    returns ``(h, logits)`` where ``h`` is the input of the final linear
    layer ``fc`` (``h = x`` when ``hidden_layer_sizes`` is empty).

    Parameters
    ----------
    n_features : int
    n_classes : int
    hidden_layer_sizes : tuple of int, default=()
        Widths of the ReLU hidden layers.
    dropout : float, default=0.0
        Dropout after each hidden layer.
    batch_norm : bool, default=False
        Batch normalisation before each hidden ReLU.
    """

    def __init__(self, n_features, n_classes, hidden_layer_sizes=(), dropout=0.0, batch_norm=False):
        super().__init__()
        layers, width = [], n_features
        for size in hidden_layer_sizes:
            layers.append(nn.Linear(width, size))
            if batch_norm:
                layers.append(nn.BatchNorm1d(size))
            layers.append(nn.ReLU())
            if dropout:
                layers.append(nn.Dropout(dropout))
            width = size
        self.hidden = nn.Sequential(*layers)
        self.fc = nn.Linear(width, n_classes)
        self.n_hidden_features = width

    def forward(self, x, return_hidden=False):
        h = self.hidden(x)
        logits = self.fc(h)
        return (h, logits) if return_hidden else logits
