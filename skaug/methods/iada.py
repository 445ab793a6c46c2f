"""IADA — Implicit Adversarial Data Augmentation, and Meta-IADA.

After Zhou et al., "Boosting Model Resilience via Implicit Adversarial Data
Augmentation" (IJCAI 2024, arXiv:2404.16307).

**The loss is a reconstruction.** The paper's exact surrogate loss is not
available to us; the one below is derived from what the paper states: deep
features ``h_i`` are perturbed by ``δ_i ~ N(μ_i, λ Σ_{y_i})`` whose mean
points in the adversarial (``ε_i > 0``) or anti-adversarial (``ε_i < 0``)
direction, and letting the number of augmented copies go to infinity and
applying Jensen's inequality (``E log X ≤ log E X``) to the cross-entropy,
with the Gaussian moment-generating function, gives

    L_IADA(i) = log Σ_j exp( z_ij − z_iy + α ε_i Δw_ijᵀ u_i + β (λ/2) Δw_ijᵀ Σ_{y_i} Δw_ij )

with ``Δw_ij = w_j − w_{y_i}``, ``u_i = Π(∇_h CE(h_i, y_i))`` (head detached)
and ``μ_i = ε_i u_i``. For ``α = β = 1`` it upper-bounds
``E_δ[CE(h_i + δ, y_i)]``; ``ε = 0`` is exactly ISDA (Wang et al.,
"Regularizing Deep Networks with Semantic Data Augmentation", TPAMI 2021).
Since the ``j = y_i`` term has ``Δw = 0``, ``L_IADA`` is the cross-entropy of
the *augmented logits* ``ẑ_ij = z_ij + α ε_i Δw_ijᵀ u_i + β (λ/2) Δw_ijᵀ Σ Δw_ij``.

Everything here is pure torch.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.func import functional_call

from .._persistence import portable_module
from .common import softmax_input_gradient, unit_normalize, weighted_cross_entropy, weighted_mean

# --------------------------------------------------------------------------- loss


def class_pair_quadratic(weight, covariance):
    """``Q[c, j] = (w_j − w_c)ᵀ Σ_c (w_j − w_c)`` for all class pairs.

    ``weight`` is the (C, d) last-layer weight; ``covariance`` is (C, d, d)
    (full) or (C, d) (diagonal). Computed once per batch, then indexed by label.
    """
    diff = weight[None, :, :] - weight[:, None, :]  # diff[c, j] = w_j − w_c
    if covariance.dim() == 3:
        return torch.einsum("cjd,cde,cje->cj", diff, covariance, diff)
    return torch.einsum("cjd,cd,cjd->cj", diff, covariance, diff)


def adversarial_direction(logits, y, weight):
    """``u_i = Π(∇_h CE(h_i, y_i))`` with the head detached (no gradient flows)."""
    return unit_normalize(softmax_input_gradient(logits.detach(), y, weight.detach()))


def iada_logits(logits, y, weight, direction, epsilon, covariance, lam, alpha=1.0, beta=1.0):
    """Augmented logits ``ẑ`` whose cross-entropy is ``L_IADA`` (see module docstring).

    Parameters
    ----------
    logits : Tensor (n, C)
        ``z_ij = w_jᵀ h_i + b_j``.
    y : LongTensor (n,)
    weight : Tensor (C, d)
        Last-layer weight (gradients flow through it, as in ISDA).
    direction : Tensor (n, d)
        Unit adversarial directions ``u_i`` (detached).
    epsilon : Tensor (n,) or float
        Signed strengths ``ε_i`` in feature units.
    covariance : Tensor (C, d, d) or (C, d)
        Class covariances ``Σ_c`` (detached).
    lam, alpha, beta : float
    """
    # α ε_i Δw_ijᵀ u_i: the mean shift's effect on the logit differences.
    shift = direction @ weight.T - (direction * weight[y]).sum(1, keepdim=True)
    epsilon = torch.as_tensor(epsilon, dtype=logits.dtype, device=logits.device)
    if epsilon.dim() == 1:
        epsilon = epsilon[:, None]
    out = logits + alpha * epsilon * shift
    if lam:
        # β (λ/2) Δw_ijᵀ Σ_{y_i} Δw_ij: the covariance term of ISDA.
        out = out + beta * 0.5 * lam * class_pair_quadratic(weight, covariance)[y]
    return out


def iada_loss(logits, y, weight, direction, epsilon, covariance, lam, alpha=1.0, beta=1.0):
    """Per-sample ``L_IADA`` (the cross-entropy of :func:`iada_logits`)."""
    z = iada_logits(logits, y, weight, direction, epsilon, covariance, lam, alpha, beta)
    return F.cross_entropy(z, y, reduction="none")


def class_strengths(class_counts, epsilon):
    """Class-wise strengths ``ε_c = ε · log(n_max/n_c) / max(log(n_max/n_min), log 10)``.

    Tail classes get up to ``ε`` (harder), the largest class 0. The floor
    ``log 10`` of the normaliser (``../METHODS.md`` §2) keeps a near-balanced
    set, whose counts differ by a handful of rows, from giving its smallest
    class the full ``ε``: only an imbalance of 10 or more reaches it. A
    balanced set gives 0 for every class.
    """
    counts = class_counts.to(torch.float64).clamp_min(1)
    spread = max(math.log(counts.max().item() / counts.min().item()), math.log(10))
    return (epsilon * torch.log(counts.max() / counts) / spread).to(torch.float32)


# ------------------------------------------------------------- class covariance


class ClassCovariance(nn.Module):
    """Per-class mean and (biased) covariance of features, estimated online.

    ISDA's running estimator: merging a batch into the running statistics
    gives exactly the mean and ``np.cov(..., bias=True)`` of all rows seen so
    far for each class. ``diagonal=True`` keeps only the variances (memory
    ``C·d`` instead of ``C·d²``).
    """

    def __init__(self, n_classes, n_features, diagonal=False):
        super().__init__()
        self.diagonal = diagonal
        shape = (n_classes, n_features) if diagonal else (n_classes, n_features, n_features)
        self.register_buffer("count", torch.zeros(n_classes))
        self.register_buffer("mean", torch.zeros(n_classes, n_features))
        self.register_buffer("covariance", torch.zeros(shape))

    @torch.no_grad()
    def update(self, h, y):
        """Merge the batch ``(h, y)`` into the running statistics.

        Full covariances are updated class by class, in place (``addmm_``,
        ``addr_``): the only temporary is one class's rows, so a fit's memory
        stays near the covariances' own ``C·d²``, and each row enters one
        class's product only. (A single einsum over all classes was as fast up
        to d = 64 and 5–16 × slower from d = 256 on, for 4 and 10 classes.)
        """
        onehot = F.one_hot(y, self.count.shape[0]).to(h.dtype)  # (n, C)
        m = onehot.sum(0)  # rows of each class in the batch
        batch_mean = (onehot.T @ h) / m.clamp_min(1)[:, None]
        total = self.count + m
        w = m / total.clamp_min(1)  # weight of the batch; 0 for absent classes
        delta = batch_mean - self.mean
        if self.diagonal:
            centered = h - batch_mean[y]
            batch_cov = (onehot.T @ centered.square()) / m.clamp_min(1)[:, None]
            wb = w[:, None]
            self.covariance.mul_(1 - wb).add_(wb * batch_cov + wb * (1 - wb) * delta.square())
        else:
            for c in torch.nonzero(m).flatten().tolist():
                rows = h[y == c] - batch_mean[c]
                wc = float(w[c])
                # Σ ← (1 − w) Σ + w · (rowsᵀ rows / m_c) + w (1 − w) · δ δᵀ
                cov = self.covariance[c]
                cov.mul_(1 - wc).addmm_(rows.T, rows, alpha=wc / float(m[c]))
                cov.addr_(delta[c], delta[c], alpha=wc * (1 - wc))
        self.mean.add_(w[:, None] * delta)
        self.count.copy_(total)

    def spread(self):
        """Root-mean-square distance of a row from its class mean (all rows seen)."""
        traces = self.covariance.sum(1) if self.diagonal else self.covariance.diagonal(0, 1, 2).sum(1)
        n = self.count.sum()
        if n == 0:
            return torch.zeros((), device=self.count.device)
        return torch.sqrt((self.count * traces).sum() / n)


# ------------------------------------------------------------------- Meta-IADA

#: Names of the per-sample training characteristics fed to the perturbation net.
CHARACTERISTICS = (
    "loss",
    "margin",
    "entropy",
    "residual_norm",
    "cos_h_wy",
    "h_norm",
    "grad_norm",
    "wy_norm",
    "class_proportion",
    "class_mean_loss",
    "class_mean_margin",
    "loss_minus_class_loss",
    "margin_minus_class_margin",
    "progress",
    "log_class_count",
)


class EpochClassStats(nn.Module):
    """Per-class mean loss and margin over the previous epoch (buffers)."""

    def __init__(self, n_classes):
        super().__init__()
        for name in ("loss_sum", "margin_sum", "seen", "loss_prev", "margin_prev"):
            self.register_buffer(name, torch.zeros(n_classes))

    @torch.no_grad()
    def update(self, loss, margin, y):
        self.loss_sum.index_add_(0, y, loss.to(self.loss_sum.dtype))
        self.margin_sum.index_add_(0, y, margin.to(self.margin_sum.dtype))
        self.seen.index_add_(0, y, torch.ones_like(loss, dtype=self.seen.dtype))

    @torch.no_grad()
    def end_epoch(self):
        seen = self.seen > 0
        self.loss_prev[seen] = self.loss_sum[seen] / self.seen[seen]
        self.margin_prev[seen] = self.margin_sum[seen] / self.seen[seen]
        for buf in (self.loss_sum, self.margin_sum, self.seen):
            buf.zero_()


def probability_margin(p, y):
    """``p_y − max_{j≠y} p_j`` per sample."""
    p_y = p.gather(1, y[:, None]).squeeze(1)
    others = p.scatter(1, y[:, None], float("-inf"))
    return p_y - others.max(1).values


@torch.no_grad()
def training_characteristics(h, logits, y, weight, class_counts, stats, progress):
    """The 15 per-sample characteristics of Meta-IADA, detached, shape (n, 15).

    Columns (:data:`CHARACTERISTICS`): CE loss; probability margin
    ``p_y − max_{j≠y} p_j``; entropy of ``p``; ``||e_y − p||`` (the norm of
    the loss gradient with respect to the logits); ``cos(h, w_y)``; ``||h||``;
    ``||∇_h CE||``; ``||w_y||``; class proportion; the class's mean loss and
    mean margin over the previous epoch; loss − class mean loss; margin −
    class mean margin; training progress; ``log n_y``.
    """
    h, logits, weight = h.detach(), logits.detach(), weight.detach()
    p = logits.softmax(1)
    onehot = F.one_hot(y, p.shape[1]).to(p.dtype)
    loss = F.cross_entropy(logits, y, reduction="none")
    margin = probability_margin(p, y)
    entropy = -(p * p.clamp_min(1e-12).log()).sum(1)
    residual = (onehot - p).norm(dim=1)
    w_y = weight[y]
    cos = F.cosine_similarity(h, w_y, dim=1, eps=1e-12)
    grad_norm = ((p - onehot) @ weight).norm(dim=1)
    counts = class_counts.to(p.dtype)
    class_loss = stats.loss_prev[y].to(p.dtype)
    class_margin = stats.margin_prev[y].to(p.dtype)
    columns = [
        loss,
        margin,
        entropy,
        residual,
        cos,
        h.norm(dim=1),
        grad_norm,
        w_y.norm(dim=1),
        counts[y] / counts.sum(),
        class_loss,
        class_margin,
        loss - class_loss,
        margin - class_margin,
        torch.full_like(loss, float(progress)),
        counts[y].clamp_min(1).log(),
    ]
    return torch.stack(columns, dim=1)


@portable_module
class PerturbationNet(nn.Module):
    """Ω: characteristics → ε_i. BatchNorm → 2×(Linear 100 + ReLU) → Linear 1 → tanh · max."""

    def __init__(self, n_inputs=len(CHARACTERISTICS), hidden=100, max_strength=1.0):
        super().__init__()
        self.max_strength = max_strength
        self.net = nn.Sequential(
            nn.BatchNorm1d(n_inputs),
            nn.Linear(n_inputs, hidden),
            nn.ReLU(),
            nn.Linear(hidden, hidden),
            nn.ReLU(),
            nn.Linear(hidden, 1),
        )

    def forward(self, characteristics):
        if self.training and characteristics.shape[0] < 2:
            # BatchNorm cannot estimate batch statistics from one row.
            self.eval()
            try:
                return self.forward(characteristics)
            finally:
                self.train()
        return self.max_strength * torch.tanh(self.net(characteristics)).squeeze(1)


def meta_step(
    head,
    perturbation_net,
    perturbation_optimizer,
    x,
    characteristics,
    meta_x,
    meta_y,
    *,
    lr,
    weight_name,
    loss_terms,
    sample_weight=None,
    meta_weight=None,
):
    """One Meta-Weight-Net-style update of the perturbation network; returns the meta loss.

    1. ``ε = Ω(characteristics)`` (with gradient to Ω);
    2. a virtual SGD step ``θ' = θ − lr ∇_θ L_IADA(θ, ε)`` of a functional copy
       of the head, keeping the graph (``create_graph=True``);
    3. the cross-entropy of ``θ'`` on the meta batch (weighted by ``meta_weight``, the meta
       rows' sample and class weights, as the training loss is by ``sample_weight``);
    4. an optimiser step of Ω on that meta loss (the head's own gradients
       are left untouched).

    ``head(x, return_hidden=True)`` must return ``(h, logits)``; ``weight_name``
    names the last layer's weight in ``head.named_parameters()``;
    ``loss_terms(logits, weight, epsilon)`` returns the per-sample L_IADA of
    the batch ``x`` for given strengths (its labels, direction and covariance
    already bound in).
    """
    params = dict(head.named_parameters())
    epsilon = perturbation_net(characteristics)
    _, logits = functional_call(head, params, (x,), {"return_hidden": True})
    loss = weighted_mean(loss_terms(logits, params[weight_name], epsilon), sample_weight)
    grads = torch.autograd.grad(loss, list(params.values()), create_graph=True)
    virtual = {name: p - lr * g for (name, p), g in zip(params.items(), grads)}
    meta_loss = weighted_cross_entropy(functional_call(head, virtual, (meta_x,)), meta_y,
                                       meta_weight)
    perturbation_optimizer.zero_grad()
    meta_loss.backward(inputs=list(perturbation_net.parameters()))
    perturbation_optimizer.step()
    return meta_loss.detach()
