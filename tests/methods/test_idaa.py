"""skaug.methods.idaa: the feature VAE, its loss, and the latent attack."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.datasets import make_classification

from skaug import IDAA
from skaug.methods.common import soft_cross_entropy
from skaug.methods.idaa import FeatureVAE, latent_attack, vae_loss


@pytest.fixture(scope="module")
def rows():
    X, y = make_classification(n_samples=400, n_features=10, n_informative=6, n_classes=3,
                               random_state=0)
    # an arbitrary scale and offset per feature: the VAE standardises internally
    X = X * np.linspace(0.5, 40, 10) + np.linspace(-3, 100, 10)
    return torch.tensor(X, dtype=torch.float64), torch.tensor(y)


@pytest.fixture(scope="module")
def fitted(rows):
    X, y = rows
    return IDAA(latent_dim=4, epsilon=0.2, vae_epochs=30, random_state=0).fit(X.float())


@pytest.fixture(scope="module")
def head(rows):
    """A logistic head trained on the rows, in float64."""
    X, y = rows
    torch.manual_seed(0)
    mean, std = X.mean(0), X.std(0)
    lin = torch.nn.Linear(10, 3).double()
    opt = torch.optim.Adam(lin.parameters(), lr=0.05)
    for _ in range(200):
        opt.zero_grad()
        F.cross_entropy(lin((X - mean) / std), y).backward()
        opt.step()
    for p in lin.parameters():
        p.requires_grad_(False)
    return lambda x: lin((x - mean) / std)


@pytest.fixture(scope="module")
def vae(fitted):
    v = FeatureVAE(10, 4, fitted.hidden_layer_sizes).double()
    v.load_state_dict({k: v_.double() for k, v_ in fitted.vae_.state_dict().items()})
    return v.eval().requires_grad_(False)


def _loss(head, y):
    return lambda x: F.cross_entropy(head(x), y, reduction="none")


def test_residual_plus_reconstruction_is_the_row(rows, fitted):
    X, _ = rows
    G = fitted.reconstruct(X.float())
    R = X.float() - G
    torch.testing.assert_close(R + G, X.float(), rtol=0, atol=1e-4)
    # the split is not trivial: the VAE reconstructs part of each row, not all of it
    assert 0.05 < float((R / X.float().std(0)).pow(2).mean()) < 0.95


def test_augmented_row_is_residual_plus_decoded_shifted_code(rows, vae, head):
    # x' = R(x) + D(E(x) + δ*), written out literally
    X, y = rows
    x_aug, delta = latent_attack(vae, _loss(head, y), X, epsilon=0.3)
    mu = vae.encode(X)[0]
    literal = (X - vae.decode(mu)) + vae.decode(mu + delta)
    torch.testing.assert_close(x_aug, literal, rtol=1e-10, atol=1e-9)


def test_epsilon_zero_returns_the_rows_unchanged(rows, vae, head, fitted):
    X, y = rows
    x_aug, delta = latent_attack(vae, _loss(head, y), X, epsilon=0.0)
    assert torch.equal(x_aug, X) and not delta.any()
    Y = F.one_hot(y, 3).float()
    idaa0 = IDAA(latent_dim=4, epsilon=0.0, vae_epochs=2, random_state=0).fit(X.float())
    assert torch.equal(idaa0(X.float(), Y, None, model=lambda x: head(x.double()).float())[0],
                       X.float())


def test_each_latent_coordinate_moves_by_plus_or_minus_epsilon_up_the_gradient(rows, vae, head):
    X, y = rows
    X, y = X[:20], y[:20]
    eps = 0.25
    _, delta = latent_attack(vae, _loss(head, y), X, epsilon=eps)
    torch.testing.assert_close(delta.abs(), torch.full_like(delta, eps))
    # the sign of each coordinate is that of the loss's central finite difference
    mu = vae.encode(X)[0]
    G = vae.decode(mu)
    h = 1e-5
    for j in range(vae.latent_dim):
        e = torch.zeros_like(mu)
        e[:, j] = h
        up = _loss(head, y)(X + vae.decode(mu + e) - G)
        down = _loss(head, y)(X + vae.decode(mu - e) - G)
        fd = (up - down) / (2 * h)
        clear = fd.abs() > 1e-8
        assert clear.sum() > 10
        assert torch.equal(torch.sign(fd[clear]), torch.sign(delta[clear, j]))


def test_the_step_is_adversarial_and_beats_a_random_sign_step(rows, vae, head):
    X, y = rows
    loss = _loss(head, y)
    base = loss(X).mean()
    for eps in (0.01, 0.05):
        x_adv, _ = latent_attack(vae, loss, X, epsilon=eps)
        gain = loss(x_adv).mean() - base
        assert gain > 0
        g = torch.Generator().manual_seed(0)
        random_gain = []
        for _ in range(20):
            d = eps * torch.sign(torch.randn(len(X), vae.latent_dim, generator=g, dtype=X.dtype))
            mu = vae.encode(X)[0]
            random_gain.append(float(loss(X + vae.decode(mu + d) - vae.decode(mu)).mean() - base))
        assert gain > max(random_gain)


def test_rows_do_not_interact(rows, vae, head):
    # the summed loss gives each row its own gradient: attacking a subset is the same
    X, y = rows
    full, _ = latent_attack(vae, _loss(head, y), X, epsilon=0.2)
    part, _ = latent_attack(vae, _loss(head, y[:7]), X[:7], epsilon=0.2)
    torch.testing.assert_close(part, full[:7])


def test_vae_reconstruction_error_falls_during_fitting(fitted):
    curve = fitted.reconstruction_curve_
    assert len(curve) == 30
    assert curve[-1] < 0.6 * curve[0]
    assert np.mean(curve[-5:]) < np.mean(curve[:5])


def test_kl_term_matches_a_monte_carlo_estimate():
    torch.manual_seed(0)
    vae = FeatureVAE(3, 2, (8,)).double()
    x = torch.randn(5, 3, dtype=torch.float64)
    mu, logvar = vae.encode(x)
    # beta = 1 minus beta = 0 isolates the KL term (same noise for both calls)
    g = torch.Generator().manual_seed(1)
    with_kl, _ = vae_loss(vae, x, 1.0, g)
    g = torch.Generator().manual_seed(1)
    without, _ = vae_loss(vae, x, 0.0, g)
    kl = float((with_kl - without).detach())
    std = torch.exp(0.5 * logvar)
    z = mu + std * torch.randn(200_000, *mu.shape, dtype=torch.float64)
    log_q = torch.distributions.Normal(mu, std).log_prob(z).sum(-1)
    log_p = torch.distributions.Normal(0.0, 1.0).log_prob(z).sum(-1)
    mc = float((log_q - log_p).mean())  # mean over draws and rows
    assert kl == pytest.approx(mc, rel=0.02, abs=1e-3)


def test_augmentation_is_equivariant_to_rescaling_the_features(rows):
    # standardising inside the VAE makes epsilon scale-free: x'(aX + b) = a x'(X) + b
    X, y = rows
    X = X.float()
    a = torch.linspace(0.01, 10, 10)
    b = torch.linspace(5, -5, 10)
    Y = F.one_hot(y, 3).float()
    torch.manual_seed(0)
    lin = torch.nn.Linear(10, 3)
    mean, std = X.mean(0), X.std(0)
    first = IDAA(latent_dim=3, epsilon=0.3, vae_epochs=3, random_state=0).fit(X)
    second = IDAA(latent_dim=3, epsilon=0.3, vae_epochs=3, random_state=0).fit(a * X + b)
    x1, _ = first(X, Y, None, model=lambda x: lin((x - mean) / std))
    x2, _ = second(a * X + b, Y, None, model=lambda x: lin((x - (a * mean + b)) / (a * std)))
    close = torch.isclose(x2, a * x1 + b, rtol=1e-3, atol=1e-3 * float(a.max())).all(dim=1)
    assert close.float().mean() > 0.95
    # and a step of the same size moves the rows by the same standardised amount
    moved1 = ((x1 - X) / std).norm(dim=1).mean()
    moved2 = ((x2 - (a * X + b)) / (a * std)).norm(dim=1).mean()
    assert float(moved1) == pytest.approx(float(moved2), rel=1e-2)
    assert float(moved1) > 0


def test_soft_label_loss_is_cross_entropy_for_one_hot_labels():
    logits = torch.randn(6, 4, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 3, 0, 1])
    torch.testing.assert_close(
        soft_cross_entropy(logits, F.one_hot(y, 4).double()),
        F.cross_entropy(logits, y, reduction="none"),
    )


def test_vae_loss_is_the_reparametrised_reconstruction_plus_beta_kl():
    from skaug.methods.idaa import FeatureVAE, vae_loss

    torch.manual_seed(0)
    vae = FeatureVAE(4, 2, (8,)).double()
    vae.scale.copy_(torch.tensor([1.0, 2.0, 0.5, 3.0]))
    x = torch.randn(6, 4, dtype=torch.float64)
    loss, recon = vae_loss(vae, x, beta=0.7, generator=torch.Generator().manual_seed(3))
    mu, logvar = vae.encode(x)
    noise = torch.randn(mu.shape, generator=torch.Generator().manual_seed(3), dtype=mu.dtype)
    z = mu + torch.exp(0.5 * logvar) * noise
    want_recon = (((x - vae.decode(z)) / vae.scale) ** 2).sum(1).mean()
    kl = (0.5 * (mu**2 + logvar.exp() - 1 - logvar)).sum(1).mean()
    torch.testing.assert_close(recon, want_recon)
    torch.testing.assert_close(loss, want_recon + 0.7 * kl)


def test_reconstruction_error_and_the_vae_fit_curve():
    from skaug.methods.idaa import FeatureVAE, fit_vae, reconstruction_error

    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 5, generator=g) * torch.tensor([1.0, 5.0, 0.2, 1.0, 2.0]) + 3.0
    torch.manual_seed(0)
    vae = FeatureVAE(5, 2, (16,))
    curve = fit_vae(vae, x, beta=0.1, epochs=30, lr=1e-2, batch_size=16, generator=g)
    torch.testing.assert_close(vae.mean, x.mean(0))
    torch.testing.assert_close(vae.scale, x.std(0))
    with torch.no_grad():
        expected = float((((x - vae(x)) / x.std(0)) ** 2).sum(1).mean())
    assert reconstruction_error(vae, x) == pytest.approx(expected, rel=1e-5)
    assert curve[-1] == pytest.approx(expected, rel=1e-5) and len(curve) == 30
    assert curve[-1] < 0.8 * curve[0]
    # seeded by its generator, not by the global RNG
    def fit(seed):
        torch.manual_seed(0)
        v = FeatureVAE(5, 2, (16,))
        torch.manual_seed(seed)
        return fit_vae(v, x, beta=0.1, epochs=2, lr=1e-2, batch_size=16,
                       generator=torch.Generator().manual_seed(1))

    assert fit(5) == fit(6)


def test_latent_attack_with_zero_epsilon_returns_the_rows():
    from skaug.methods.idaa import FeatureVAE, latent_attack

    torch.manual_seed(0)
    vae = FeatureVAE(3, 2, (4,))
    x = torch.randn(5, 3)
    out, delta = latent_attack(vae, lambda z: z.sum(1), x, 0.0)
    assert out is x and delta.shape == (5, 2) and torch.all(delta == 0)
    out, delta = latent_attack(vae, lambda z: z.sum(1), x, 0.3)
    torch.testing.assert_close(delta.abs(), torch.full((5, 2), 0.3))


def test_vae_on_two_rows_and_a_decoder_that_mirrors_the_encoder():
    from skaug.methods.idaa import FeatureVAE, fit_vae

    x = torch.tensor([[0.0, 1.0, 5.0], [2.0, 3.0, 5.0]])
    torch.manual_seed(0)
    vae = FeatureVAE(3, 2, (8, 4))
    fit_vae(vae, x, beta=1.0, epochs=1, lr=1e-3, batch_size=2, generator=torch.Generator())
    torch.testing.assert_close(vae.scale, torch.tensor([x[:, 0].std(), x[:, 1].std(), 1.0]))
    widths = [m.out_features for m in vae.decoder if isinstance(m, torch.nn.Linear)]
    assert widths == [4, 8, 3]
    assert [type(m).__name__ for m in vae.encoder] == ["Linear", "ReLU", "Linear", "ReLU",
                                                        "Linear"]

