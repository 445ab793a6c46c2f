"""SeA — Semantic Adversarial Augmentation for last-layer features.

Pure-torch implementation of Qian, Xu and Hu, "SeA: Semantic Adversarial
Augmentation for Last Layer Features from Unsupervised Representation
Learning" (ECCV 2024, arXiv:2408.13351). Equation numbers refer to the paper.

Conventions: ``x`` is a ``(b, d)`` batch of unit-norm feature rows, ``y`` a
``(b,)`` long tensor of class indices, ``weight`` the ``(C, d)`` weight of a
bias-free linear head (``z = x @ weight.T``, as stored by ``torch.nn.Linear``).
"""

import torch
import torch.nn.functional as F

from .common import scale_by_peak, softmax_input_gradient, unit_normalize, weighted_mean

#: The augmentation directions of the paper's ablation (Fig. 4).
DIRECTIONS = ("sea", "adv", "sea_neg", "rand", "mixup", "none")


def _margin_logits(z, y, temperature, margin):
    # (z + δ·[c ≠ y]) / λ — the logits inside Eq. 15 and Eq. 17.
    if margin == 0:
        return z / temperature
    shifted = z + margin
    shifted = shifted.scatter(1, y[:, None], z.gather(1, y[:, None]))
    return shifted / temperature


def smoothed_hinge(z, y, temperature=1.0, margin=0.0):
    """Per-sample smoothed hinge loss (Eq. 15).

    ``ℓ = -λ log( exp(z_y/λ) / (exp(z_y/λ) + Σ_{c≠y} exp((z_c+δ)/λ)) )``, i.e.
    ``λ · CE((z + δ[c≠y]) / λ, y)``. Cross-entropy is ``δ=0, λ=1``.
    """
    return temperature * F.cross_entropy(
        _margin_logits(z, y, temperature, margin), y, reduction="none"
    )


def smoothed_hinge_probabilities(z, y, temperature=1.0, margin=0.0):
    """The maximising distribution ``p`` of Eq. 14, in closed form (Eq. 17)."""
    return torch.softmax(_margin_logits(z, y, temperature, margin), dim=1)


def smoothed_hinge_input_gradient(x, y, weight, temperature=1.0, margin=0.0):
    """Per-sample gradient ``∇_x ℓ = Σ_c p_c w_c − w_y`` (Prop. 4, Eq. 16).

    Returns a ``(b, d)`` tensor; row ``i`` is the gradient of sample ``i``'s
    own loss. No autograd: the head is frozen by construction.
    """
    return softmax_input_gradient(_margin_logits(x @ weight.T, y, temperature, margin), y, weight)


def semantic_weights(x, g, alpha):
    """Coefficients ``q_ij`` of the semantic projection (Eq. 9, closed form Eq. 10).

    ``q_i = argmax_{q ∈ Δ} Σ_{j≠i} q_j x_j^T Π(g_i) + α H(q)``
    ``    = softmax_{j≠i}( x_j^T Π(g_i) / α )``.

    The diagonal (self) is excluded: ``q_ii = 0``. ``alpha=0`` removes the
    entropy term and gives the one-hot argmax. Requires ``b ≥ 2``.
    """
    return _projection_weights(unit_normalize(g) @ x.T, alpha)


def _projection_weights(scores, alpha):
    # q_i = softmax_{j≠i}(scores_ij / α), or the one-hot argmax at α = 0.
    scores.fill_diagonal_(float("-inf"))
    if alpha == 0:
        return F.one_hot(scores.argmax(dim=1), scores.shape[1]).to(scores.dtype)
    return torch.softmax(scores / alpha, dim=1)


def gradient_scores(z, r, weight):
    """``Π(g_i)ᵀ x_j`` for ``g = r W``, without forming the (b, d) rows ``g``.

    ``z = x Wᵀ`` are the batch's logits, ``r`` (b, C) the coefficients of the
    gradient on the rows of ``W`` (``p − e_y`` for Prop. 4, ``p`` for
    ``sea_neg``). Since ``g_i x_jᵀ = r_i z_jᵀ`` and ``||g_i||² = r_i (W Wᵀ) r_iᵀ``,
    the scores cost ``O(b²C + C²d)`` instead of ``O(b²d + bCd)``. ``r`` is first
    scaled per row by its largest magnitude (the scores do not depend on it),
    so its squares neither underflow nor overflow.
    """
    r = scale_by_peak(r)
    squared = ((r @ (weight @ weight.T)) * r).sum(dim=1, keepdim=True)
    return (r @ z.T) / squared.clamp_min(0).sqrt().clamp_min(1e-12)


def semantic_direction(x, g, alpha):
    """Semantic adversarial direction ``ĝ_i = Σ_{j≠i} q_ij x_j`` (Eq. 6 with Eq. 10)."""
    return semantic_weights(x, g, alpha) @ x


def _random_simplex_weights(b, generator, device, dtype):
    # Uniform on the simplex over j ≠ i: normalised Exp(1) draws (Dirichlet(1)).
    u = torch.rand(b, b, generator=generator, device=device, dtype=dtype)
    e = -torch.log1p(-u)
    e = e.masked_fill(torch.eye(b, dtype=torch.bool, device=device), 0.0)
    return e / e.sum(dim=1, keepdim=True)


def _random_partner(b, generator, device):
    # A uniformly random other row j ≠ i for each i.
    shift = torch.randint(1, b, (b,), generator=generator, device=device)
    return (torch.arange(b, device=device) + shift) % b


def sea_augment(
    x,
    y,
    weight,
    *,
    eta,
    alpha=0.01,
    temperature=1.0,
    margin=0.0,
    direction="sea",
    generator=None,
):
    """Augmented batch ``x̃_i = Π(x_i + η Π(ĝ_i))`` (Eq. 11) and its ablations.

    Parameters
    ----------
    x : Tensor (b, d)
        Unit-norm feature rows.
    y : LongTensor (b,)
    weight : Tensor (C, d)
        Weight of the bias-free linear head; treated as frozen.
    eta : float
        Step size η.
    alpha : float
        Entropy weight α of Eq. 9 (0 gives a one-hot projection).
    temperature, margin : float
        λ and δ of the smoothed hinge loss (Eq. 15) whose gradient is projected.
    direction : {"sea", "adv", "sea_neg", "rand", "mixup", "none"}
        ``sea``: the semantic direction of Eq. 6–10; ``adv``: the raw gradient,
        ``Π(x + η g)`` (Eq. 5, then normalised); ``sea_neg``: ``Σ_c p_c w_c``
        (Prop. 4 without ``−w_y``) projected like ``sea``; ``rand``: ``q``
        uniform on the simplex; ``mixup``: one random other row; ``none``: no
        augmentation.
    generator : torch.Generator, optional
        Source of randomness of ``rand`` and ``mixup``.

    A batch of one row has no other examples to project on: it is returned
    un-augmented for every direction but ``adv``.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")
    with torch.no_grad():
        b = x.shape[0]
        if direction == "none" or (b < 2 and direction != "adv"):
            return x
        weight = weight.detach()
        if direction == "adv":
            g = smoothed_hinge_input_gradient(x, y, weight, temperature, margin)
            return unit_normalize(x + eta * g)
        if direction in ("sea", "sea_neg"):
            z = x @ weight.T
            r = smoothed_hinge_probabilities(z, y, temperature, margin)  # ∇ = (p − e_y) W
            if direction == "sea":
                r = r - F.one_hot(y, r.shape[1]).to(r.dtype)
            if weight.shape[0] <= b:  # few classes: the scores from the logits
                g_hat = _projection_weights(gradient_scores(z, r, weight), alpha) @ x
            else:
                g_hat = semantic_direction(x, r @ weight, alpha)
        elif direction == "rand":
            g_hat = _random_simplex_weights(b, generator, x.device, x.dtype) @ x
        else:  # mixup
            g_hat = x[_random_partner(b, generator, x.device)]
        # x + η Π(ĝ) in one pass: ĝ scaled by η / ||ĝ|| per row. ĝ is a convex
        # combination of unit rows (norm ≤ 1), so its norm needs no rescaling.
        step = eta / g_hat.norm(dim=1, keepdim=True).clamp_min(1e-12)
        return unit_normalize(torch.addcmul(x, g_hat, step))


def sea_loss(head, x, y, sample_weight=None, *, temperature=1.0, margin=0.0, **augment):
    """Loss of one SeA step (Algorithm 1, lines 3–6 without the update).

    The batch is augmented with the head frozen (:func:`sea_augment`, which
    takes the remaining keyword arguments ``eta``, ``alpha``, ``direction``,
    ``generator``), then the smoothed hinge loss of the augmented batch alone
    is returned (weighted mean over samples). ``head`` is a bias-free
    ``torch.nn.Linear``-like module with ``.weight``.
    """
    x_aug = sea_augment(
        x, y, head.weight, temperature=temperature, margin=margin, **augment
    )
    return weighted_mean(smoothed_hinge(head(x_aug), y, temperature, margin), sample_weight)
