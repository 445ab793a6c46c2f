"""skaug.methods.saflex: Π against finite differences, the labels and weights of Theorem 1."""


import pytest
import torch
import torch.nn.functional as F

from skaug.augmenters import CutMix, GaussianNoise, Mixup, apply_augmenter
from skaug.heads import FeatureHead
from skaug.methods.common import soft_cross_entropy
from skaug.methods.saflex import (
    logits_and_jvp,
    rescale_rows,
    saflex_pi,
    saflex_targets,
    validation_gradient,
)
from tests._helpers import _with_other_global_rng

D = torch.float64


def _toy(seed=0, n=6, d=4, C=3):
    torch.manual_seed(seed)
    head = FeatureHead(d, C, (5,)).double()
    x_aug = torch.randn(n, d, dtype=D)
    x_val, y_val = torch.randn(9, d, dtype=D), torch.randint(0, C, (9,))
    return head, x_aug, x_val, y_val


def _pi(head, x_aug, g_val):
    params = dict(head.named_parameters())
    logits, J = logits_and_jvp(head, params, x_aug, g_val)
    return logits, saflex_pi(logits, J)


def test_pi_equals_the_brute_force_inner_product_and_finite_differences():
    head, x_aug, x_val, y_val = _toy()
    g_val = validation_gradient(head, x_val, y_val)
    logits, pi = _pi(head, x_aug, g_val)
    params = dict(head.named_parameters())
    torch.testing.assert_close(logits, head(x_aug))
    for i in range(len(x_aug)):
        for k in range(3):
            # brute force: <g_val, ∇θ(−log p_k(x_i))> by reverse mode, one sample at a time
            nll = -head(x_aug[i : i + 1]).log_softmax(1)[0, k]
            grads = torch.autograd.grad(nll, list(params.values()))
            brute = sum((g * g_val[name]).sum() for name, g in zip(params, grads))
            assert pi[i, k].item() == pytest.approx(brute.item(), rel=1e-9, abs=1e-12)
    # finite differences of the per-class loss along g_val
    h = 1e-6
    with torch.no_grad():
        plus = {k: v + h * g_val[k] for k, v in params.items()}
        minus = {k: v - h * g_val[k] for k, v in params.items()}
        f = torch.func.functional_call
        fd = (-f(head, plus, (x_aug,)).log_softmax(1) + f(head, minus, (x_aug,)).log_softmax(1)) / (2 * h)
    torch.testing.assert_close(pi, fd, rtol=1e-5, atol=1e-9)


def test_pi_sign_predicts_the_validation_loss_change_of_one_step():
    # Training on class k of x_i with a small SGD step lowers the validation loss iff Π_ik > 0.
    head, x_aug, x_val, y_val = _toy(seed=1)
    g_val = validation_gradient(head, x_val, y_val)
    _, pi = _pi(head, x_aug, g_val)
    params = dict(head.named_parameters())
    f = torch.func.functional_call
    base = F.cross_entropy(head(x_val), y_val).item()
    for i, k in [(0, 0), (1, 2), (3, 1), (5, 0)]:
        nll = -head(x_aug[i : i + 1]).log_softmax(1)[0, k]
        grads = dict(zip(params, torch.autograd.grad(nll, list(params.values()))))
        a = 1e-4
        with torch.no_grad():
            stepped = {n: p - a * grads[n] for n, p in params.items()}
            change = F.cross_entropy(f(head, stepped, (x_val,)), y_val).item() - base
        assert change == pytest.approx(-a * pi[i, k].item(), rel=1e-2, abs=1e-12)


def test_rescaling_keeps_argmax_and_signs():
    pi = torch.randn(50, 7, dtype=D) * 1e-6
    r = rescale_rows(pi)
    assert torch.equal(r.argmax(1), pi.argmax(1))
    assert torch.equal(torch.sign(r), torch.sign(pi))
    torch.testing.assert_close(r.abs().amax(1), torch.ones(50, dtype=D))


def test_zero_temperature_and_beta_give_theorem_1():
    pi = torch.tensor([[0.2, -1.0, 0.5], [-0.3, -0.1, -0.9], [1.0, 0.4, -0.2]], dtype=D)
    y_aug = F.one_hot(torch.tensor([1, 0, 2]), 3).to(D)
    y, w = saflex_targets(rescale_rows(pi), y_aug, beta=0.0, temperature=0.0)
    torch.testing.assert_close(y, F.one_hot(pi.argmax(1), 3).to(D))
    # kept iff the best class still lowers the validation loss; weights sum to 1
    torch.testing.assert_close(w, torch.tensor([0.5, 0.0, 0.5], dtype=D))


def test_beta_pulls_labels_to_the_upstream_ones_and_noise_is_the_gumbel_max_trick():
    pi_hat = torch.tensor([[1.0, 0.9, -1.0]], dtype=D).repeat(100_000, 1)
    y_aug = F.one_hot(torch.full((100_000,), 1), 3).to(D)
    y, _ = saflex_targets(pi_hat, y_aug, beta=5.0, temperature=0.0)
    assert torch.all(y.argmax(1) == 1)
    gen = torch.Generator().manual_seed(0)
    y, _ = saflex_targets(pi_hat, y_aug, beta=0.0, temperature=1e-4, generator=gen)
    freq = y.argmax(1).bincount(minlength=3).double() / 100_000
    torch.testing.assert_close(freq, torch.softmax(pi_hat[0], 0), atol=0.006, rtol=0)


def test_chosen_targets_lower_the_validation_loss_at_least_as_much_as_upstream_labels():
    head, x_aug, x_val, y_val = _toy(seed=2, n=40)
    y_up = F.one_hot(torch.randint(0, 3, (40,)), 3).to(D)
    g_val = validation_gradient(head, x_val, y_val)
    _, pi = _pi(head, x_aug, g_val)
    y_sa, w_sa = saflex_targets(rescale_rows(pi), y_up, beta=0.0, temperature=0.0)
    params = dict(head.named_parameters())
    f = torch.func.functional_call

    def val_after_step(targets, weights, a=1e-3):
        loss = (weights * soft_cross_entropy(head(x_aug), targets)).sum()
        grads = torch.autograd.grad(loss, list(params.values()))
        with torch.no_grad():
            stepped = {n: p - a * g for (n, p), g in zip(params.items(), grads)}
            return F.cross_entropy(f(head, stepped, (x_val,)), y_val).item()

    base = F.cross_entropy(head(x_val), y_val).item()
    upstream = val_after_step(y_up, torch.full((40,), 1 / 40, dtype=D))
    saflex = val_after_step(y_sa, w_sa)
    assert saflex < base
    assert saflex <= upstream


def test_cutmix_replaces_a_fraction_p_and_keeps_or_mixes_labels():
    gen = torch.Generator().manual_seed(0)
    X = torch.arange(2000 * 10, dtype=torch.float32).view(2000, 10)
    Y = F.one_hot(torch.arange(2000) % 3, 3).float()
    Xa, Ya = CutMix(p=0.3)(X, Y, gen)
    replaced = (Xa != X).float().mean().item()
    assert replaced == pytest.approx(0.3 * (1 - 1 / 2000), abs=0.01)
    assert torch.equal(Ya, Y)
    # every value comes from the same column of some row
    assert torch.all((Xa % 10) == (X % 10))
    Xm, Ym = CutMix(p=0.3, mix_labels=True)(X, Y, torch.Generator().manual_seed(0))
    torch.testing.assert_close(Ym.sum(1), torch.ones(2000))
    frac = (Xm != X).float().mean(1)
    assert torch.all(Ym.gather(1, Y.argmax(1, keepdim=True)).squeeze(1) >= 1 - frac - 1e-6)


def test_mixup_and_noise():
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(500, 4)
    Y = F.one_hot(torch.arange(500) % 2, 2).float()
    Xm, Ym = Mixup(alpha=0.4)(X, Y, gen)
    torch.testing.assert_close(Ym.sum(1), torch.ones(500))
    Xn, Yn = GaussianNoise(std=0.5)(X, Y, gen)
    assert torch.equal(Yn, Y)
    assert (Xn - X).std().item() == pytest.approx(0.5, rel=0.05)


def test_apply_augmenter_checks_what_a_user_callable_returns():
    gen = torch.Generator().manual_seed(0)
    X, Y = torch.randn(8, 3), F.one_hot(torch.arange(8) % 2, 2).float()
    Xa, Ya = apply_augmenter(lambda X, Y, g: (X * 2, Y.argmax(1)), X, Y, gen)
    torch.testing.assert_close(Ya, Y)
    with pytest.raises(ValueError, match="expected \\(m, 3\\)"):
        apply_augmenter(lambda X, Y, g: (X[:, :2], Y), X, Y, gen)
    with pytest.raises(ValueError, match="labels of shape"):
        apply_augmenter(lambda X, Y, g: (X, Y[:5]), X, Y, gen)
    with pytest.raises(ValueError, match="must return a pair"):
        apply_augmenter(lambda X, Y, g: X, X, Y, gen)


def test_saflex_gumbel_labels_are_the_softmax_of_noisy_scores_from_the_generator():
    from skaug.methods.saflex import gumbel

    g = torch.Generator().manual_seed(0)
    pi = torch.tensor([[0.2, -1.0, 1.0], [1.0, -0.5, 0.1]], dtype=torch.float64)
    y_aug = torch.eye(3, dtype=torch.float64)[[0, 1]]
    labels, _ = saflex_targets(pi, y_aug, beta=1.0, temperature=0.3, generator=g)
    noise = gumbel(pi.shape, torch.Generator().manual_seed(0), "cpu", pi.dtype)
    torch.testing.assert_close(labels, torch.softmax((pi + y_aug + noise) / 0.3, dim=1))
    u = torch.rand(pi.shape, generator=torch.Generator().manual_seed(0), dtype=pi.dtype)
    torch.testing.assert_close(noise, -torch.log(-torch.log(u)))
    a, b = _with_other_global_rng(
        lambda: saflex_targets(pi, y_aug, 1.0, 0.3, torch.Generator().manual_seed(4))[0])
    torch.testing.assert_close(a, b)


def test_saflex_weights_are_zero_not_nan_when_no_row_is_kept():
    pi = torch.tensor([[-0.5, 1.0], [-1.0, 0.4]])
    y_aug = torch.eye(2)[[0, 0]]  # β = 3 keeps the upstream labels, whose Π̂ are negative
    labels, weights = saflex_targets(pi, y_aug, beta=3.0)
    assert torch.equal(labels, y_aug) and torch.equal(weights, torch.zeros(2))
    _, one = saflex_targets(torch.tensor([[1.0, -1.0], [-1.0, 0.5]]), y_aug, beta=3.0)
    assert torch.equal(one, torch.tensor([1.0, 0.0]))  # normalised: the kept row has weight 1

