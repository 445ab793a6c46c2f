"""IDAA — Identity-Disentangled Adversarial Augmentation, on feature rows.

Pure-torch implementation of Yang, Zhou, Tian and Tao (ICML 2022) for fixed
features. A VAE (encoder ``E``, decoder ``D``, KL weight ``β``) is fitted to
the training rows. Its reconstruction ``G(x) = D(E(x))`` is the
identity-disentangled part of a row, the residual ``R(x) = x − G(x)`` the
identity-related part. The augmentation keeps ``R(x)`` and attacks the latent
code with one FGSM step from ``δ = 0``:

    x' = R(x) + D(E(x) + δ*),   δ* = ε · sign(∇_δ L(x')|_{δ=0})

with ``L`` the current head's classification loss (the seed's NCE loss is
the self-supervised counterpart). ``E(x)`` is the encoder's mean (no
sampling at augmentation time) and ``R(x)`` is detached, as in the seed.

skaug computes ``x'`` as ``x + (D(E(x) + δ*) − D(E(x)))``, the same number
algebraically, so that ``δ = 0`` returns ``x`` exactly. The VAE works on
standardised rows (per-feature mean and standard deviation of the fitting
data), so ``β`` and ``ε`` mean the same on any feature scale; ``G`` maps back
to the original scale, and ``R(x) + G(x) = x`` holds on any scale.
"""

import torch
from torch import nn

from .._persistence import portable_module


def _mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


@portable_module
class FeatureVAE(nn.Module):
    """Gaussian VAE on feature rows: MLP encoder to ``(μ, log σ²)``, MLP decoder.

    Parameters
    ----------
    n_features : int
    latent_dim : int
    hidden_layer_sizes : tuple of int
        Widths of the encoder's hidden layers (the decoder mirrors them).
    mean, scale : tensor of shape (n_features,)
        Standardisation of the rows (buffers; set by :func:`fit_vae`).
    """

    def __init__(self, n_features, latent_dim, hidden_layer_sizes=(128,)):
        super().__init__()
        hidden = list(hidden_layer_sizes)
        self.encoder = _mlp([n_features, *hidden, 2 * latent_dim])
        self.decoder = _mlp([latent_dim, *hidden[::-1], n_features])
        self.latent_dim = latent_dim
        self.register_buffer("mean", torch.zeros(n_features))
        self.register_buffer("scale", torch.ones(n_features))

    def encode(self, x):
        """``(μ, log σ²)`` of ``q(z | x)`` for rows ``x`` on the original scale."""
        mu, logvar = self.encoder((x - self.mean) / self.scale).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z):
        """``D(z)``, on the original scale of the rows."""
        return self.decoder(z) * self.scale + self.mean

    def forward(self, x):
        """``G(x) = D(E(x))`` with ``E(x)`` the encoder's mean."""
        return self.decode(self.encode(x)[0])


def vae_loss(vae, x, beta, generator=None):
    """``(loss, reconstruction error)`` of one batch; both per row, averaged.

    loss = ‖(x − D(z)) / s‖² + β · KL(q(z|x) ‖ N(0, I)),  z = μ + σ · ε,

    the squared error summed over the standardised features (a unit-variance
    Gaussian decoder up to constants) and the KL term summed over the latent
    dimensions. The reconstruction error returned is that of the sampled ``z``.
    """
    mu, logvar = vae.encode(x)
    noise = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
    z = mu + torch.exp(0.5 * logvar) * noise
    recon = (((x - vae.decode(z)) / vae.scale) ** 2).sum(dim=1).mean()
    kl = 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1).mean()
    return recon + beta * kl, recon


def reconstruction_error(vae, x):
    """Mean over rows of ``‖(x − G(x)) / s‖²`` (standardised squared error, no sampling)."""
    with torch.no_grad():
        return float((((x - vae(x)) / vae.scale) ** 2).sum(dim=1).mean())


def fit_vae(vae, X, *, beta, epochs, lr, batch_size, generator):
    """Fit ``vae`` to rows ``X`` with Adam; returns the reconstruction error after each epoch.

    Sets the VAE's standardisation from ``X`` first (constant features get
    scale 1). Shuffling and the reparameterisation noise come from
    ``generator``; the weights' initialisation is the caller's.
    """
    std = X.std(dim=0) if len(X) > 1 else torch.ones(X.shape[1], device=X.device, dtype=X.dtype)
    vae.mean.copy_(X.mean(dim=0))
    vae.scale.copy_(torch.where(std > 1e-8, std, torch.ones_like(std)))
    optimizer = torch.optim.Adam(vae.parameters(), lr=lr)
    curve = []
    vae.train()
    for _ in range(epochs):
        order = torch.randperm(len(X), generator=generator, device=generator.device).to(X.device)
        for start in range(0, len(X), batch_size):
            batch = X[order[start : start + batch_size]]
            loss, _ = vae_loss(vae, batch, beta, generator)
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"the IDAA VAE's loss became {float(loss)}; lower vae_lr or check the "
                    "features for extreme values."
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        curve.append(reconstruction_error(vae, X))
    vae.eval()
    return curve


def latent_attack(vae, loss_fn, x, epsilon):
    """``(x', δ*)``: one FGSM step of size ``epsilon`` on the latent code of each row.

    ``loss_fn(x')`` returns per-row losses of the classifier under attack; the
    gradient is taken at ``δ = 0``, where ``x' = x``. Each row's step is its
    own (the losses are summed, so rows do not interact). The VAE is frozen
    here: no gradient reaches its parameters.
    """
    if epsilon == 0:
        return x, torch.zeros(len(x), vae.latent_dim, device=x.device, dtype=x.dtype)
    with torch.no_grad():
        z = vae.encode(x)[0]
    delta = torch.zeros_like(z, requires_grad=True)
    with torch.enable_grad():
        # one decoder pass gives both G(x) = D(z) and the graph for ∂/∂δ at δ = 0
        decoded = vae.decode(z + delta)
        g = decoded.detach()
        x_adv = x + (decoded - g)
        (grad,) = torch.autograd.grad(loss_fn(x_adv).sum(), delta)
    delta_star = epsilon * grad.sign()
    with torch.no_grad():
        return x + (vae.decode(z + delta_star) - g), delta_star
