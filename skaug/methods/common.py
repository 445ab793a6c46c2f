"""Small tensor operations shared by several methods."""

import torch
import torch.nn.functional as F


def unit_normalize(x, eps=1e-12):
    """Return ``Π(x) = x / ||x||_2`` row-wise (a zero row stays zero).

    When a row's norm is outside the range where its squares are exact
    enough (float32 overflows from |x| ≈ 1.8e19), each row is first divided
    by its largest magnitude, so that the squares can neither overflow nor
    underflow; the result is the same unit row. Rows of ordinary scale take
    the direct path: one norm and one division.
    """
    norm = x.norm(dim=-1, keepdim=True)
    low, high = _safe_norm_range(x.dtype)
    if bool(((norm > low) & (norm < high)).all()):
        return x / norm
    x = scale_by_peak(x)
    return x / x.norm(dim=-1, keepdim=True).clamp_min(eps)


def scale_by_peak(x):
    """Each row divided by its largest magnitude (a zero row stays zero).

    The result's entries lie in [−1, 1] with a ±1 in every nonzero row, so its
    squares can neither overflow nor all underflow; directions are unchanged.
    """
    peak = x.abs().amax(dim=-1, keepdim=True)
    return x / torch.where(peak > 0, peak, torch.ones_like(peak))


def _safe_norm_range(dtype):
    # Norms between these bounds come from squares that neither overflow nor
    # lose the row to underflow: (tiny^(1/2) · 2^10, max^(1/2) / 2^10).
    info = torch.finfo(dtype)
    return info.tiny ** 0.5 * 1024, info.max ** 0.5 / 1024


def weighted_mean(values, sample_weight=None):
    """Mean of per-sample ``values`` with optional ``sample_weight``.

    The weights multiply each sample's contribution and the sum is divided by
    the number of samples, so an integer weight ``k`` acts like ``k`` copies of
    the sample inside its mini-batch (the convention of scikit-learn's SGD).
    """
    if sample_weight is None:
        return values.mean()
    return (values * sample_weight).sum() / values.shape[0]


def softmax_input_gradient(logits, y, weight):
    """Per-sample ``∇_h CE(softmax(logits), y) = (p − e_y) W`` for a linear last layer.

    ``logits`` (n, C) are the layer's outputs (with whatever shift or scaling
    the loss applies), ``weight`` its (C, d) weight. Row ``i`` is the gradient
    of sample ``i``'s own loss with respect to its input ``h_i``.
    """
    p = logits.softmax(dim=1)
    return (p - F.one_hot(y, p.shape[1]).to(p.dtype)) @ weight


def weighted_cross_entropy(logits, y, sample_weight=None):
    """Cross-entropy of hard labels, averaged with :func:`weighted_mean`."""
    return weighted_mean(F.cross_entropy(logits, y, reduction="none"), sample_weight)


def soft_cross_entropy(logits, targets):
    """Per-sample ``Σ_k y_k (−log p_k)`` for label distributions ``targets``."""
    return -(targets * logits.log_softmax(dim=1)).sum(dim=1)
