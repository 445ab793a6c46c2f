"""Unit tests of each method's Step on small tensors: the glue between the maths and the net.

Every test here runs without the shared data. Each pins one thing the
estimators' losses must really use (SAflex's learned labels and weights,
IADA's ε sign and λ ramp, IDAA's clean term and eval-mode attack, SeA's
``sea_neg`` formula and validation loss, ...), against an independent
computation rather than the code path under test.
"""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skaug import IDAA
from skaug._iada import IADAStep
from skaug._idaa import IDAAStep
from skaug._saflex import SAflexStep
from skaug._sea import SeAStep
from skaug._step import HeldOut, Step
from skaug.heads import FeatureHead
from skaug.methods.common import soft_cross_entropy, unit_normalize
from skaug.methods.iada import ClassCovariance, EpochClassStats, training_characteristics
from skaug.methods.saflex import (
    logits_and_jvp,
    rescale_rows,
    saflex_pi,
    saflex_targets,
    validation_gradient,
)
from skaug.methods.sea import sea_augment, smoothed_hinge


def _problem(n=24, d=5, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.arange(n) % c
    X = X + 1.5 * F.one_hot(y, d).to(X.dtype)  # some class structure
    return X, y


def _head(d, c, hidden=(), seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return FeatureHead(d, c, hidden, dropout=dropout).double()


# ----------------------------------------------------------------------- base


def test_progress_runs_from_zero_to_one_and_stays_there():
    step = Step()
    step.total_steps = 4
    seen = []
    for _ in range(6):
        seen.append(step.progress)
        step.steps_done += 1
    assert seen == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]


def test_held_out_batches_are_distinct_rows_or_all_rows():
    X = torch.arange(20.0)[:, None]
    y = torch.arange(20)
    held = HeldOut(X, y, torch.ones(20))
    g = torch.Generator().manual_seed(0)
    xb, yb, wb = held.batch(8, g)
    assert len(set(yb.tolist())) == 8 and torch.equal(xb[:, 0].long(), yb) and len(wb) == 8
    xa, ya, _ = held.batch(50, g)
    assert torch.equal(ya, y)  # at most `size` rows: all of them, in order
    # seeded: the same generator state gives the same batch
    assert torch.equal(held.batch(8, torch.Generator().manual_seed(3))[1],
                       held.batch(8, torch.Generator().manual_seed(3))[1])


# ----------------------------------------------------------------------- SeA


def test_sea_step_loss_is_the_smoothed_hinge_of_the_augmented_batch():
    X, y = _problem()
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.4, alpha=0.05, temperature=0.3, margin=0.5, direction="sea")
    w = torch.linspace(0.5, 1.5, len(y), dtype=X.dtype)
    got = step.loss(head, X, y, w, generator=None, progress=0.3)
    x_aug = sea_augment(X, y, head.weight, eta=0.4, alpha=0.05, temperature=0.3, margin=0.5)
    expected = (smoothed_hinge(head(x_aug), y, 0.3, 0.5) * w).sum() / len(y)
    torch.testing.assert_close(got, expected)
    assert not torch.allclose(x_aug, X)  # the augmentation did something
    # the head receives the gradient of that loss
    got.backward()
    assert head.weight.grad is not None and head.weight.grad.abs().sum() > 0


def test_sea_validation_loss_is_the_smoothed_hinge_not_cross_entropy():
    X, y = _problem()
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.2, alpha=0.01, temperature=0.1, margin=1.0, direction="sea")
    z = head(X)
    # λ · CE((z + δ[c≠y]) / λ, y), written out
    shifted = z + 1.0 - F.one_hot(y, 3).to(z.dtype) * 1.0
    expected = 0.1 * F.cross_entropy(shifted / 0.1, y)
    torch.testing.assert_close(step.validation_loss(head, X, y, None), expected)
    assert not torch.isclose(expected, F.cross_entropy(z, y))


def test_sea_neg_direction_is_the_projection_of_sum_p_w_with_temperature_and_margin():
    X, y = _problem(n=10, d=4)
    X = unit_normalize(X)
    torch.manual_seed(1)
    W = torch.randn(3, 4, dtype=X.dtype)
    lam, delta, alpha, eta = 0.3, 0.7, 0.05, 0.4
    got = sea_augment(X, y, W, eta=eta, alpha=alpha, temperature=lam, margin=delta,
                      direction="sea_neg")
    Xn, Wn, yn = X.numpy(), W.numpy(), y.numpy()
    expected = np.empty_like(Xn)
    for i in range(len(Xn)):
        z = Wn @ Xn[i] + delta * (np.arange(3) != yn[i])
        p = np.exp(z / lam - (z / lam).max())
        p /= p.sum()
        g = p @ Wn  # Σ_c p_c w_c — no −w_y term
        g /= np.linalg.norm(g)
        others = [j for j in range(len(Xn)) if j != i]
        s = np.array([Xn[j] @ g for j in others]) / alpha
        q = np.exp(s - s.max())
        q /= q.sum()
        g_hat = sum(q_j * Xn[j] for q_j, j in zip(q, others))
        v = Xn[i] + eta * g_hat / np.linalg.norm(g_hat)
        expected[i] = v / np.linalg.norm(v)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-9, atol=1e-12)
    sea = sea_augment(X, y, W, eta=eta, alpha=alpha, temperature=lam, margin=delta)
    assert not torch.allclose(sea, got)  # and it is not the "sea" direction


# -------------------------------------------------------------------- SAflex


class _ShiftRelabel:
    """A deterministic upstream augmenter: every row shifted, every label moved to the next class."""

    def __call__(self, X, Y, generator):
        return X + 0.7, torch.roll(Y, 1, dims=1)


def _saflex_case(seed=0):
    X, y = _problem(n=32, seed=seed)
    Xv, yv = _problem(n=12, seed=seed + 100)
    head = _head(5, 3, hidden=(8,), seed=seed)
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                      beta=1.5, temperature=0.0, rescale=True, validation_interval=1,
                      validation_batch_size=128)
    return X, y, Xv, yv, head, step


def test_saflex_step_trains_on_its_learned_labels_and_weights():
    X, y, Xv, yv, head, step = _saflex_case()
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    # independent path: the labels and weights of Theorem 1 for these rows
    X_aug, Y_aug = X + 0.7, torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    g_val = validation_gradient(head, Xv, yv)
    params = dict(head.named_parameters())
    with torch.no_grad():
        z_aug, J = logits_and_jvp(head, params, X_aug, g_val)
        targets, weights = saflex_targets(rescale_rows(saflex_pi(z_aug, J)), Y_aug, 1.5, 0.0)
    clean = F.cross_entropy(head(X), y)
    expected = clean + (weights * soft_cross_entropy(head(X_aug), targets)).sum()
    torch.testing.assert_close(got, expected)
    # the case separates SAflex from "upstream labels" and from "uniform weights"
    assert not torch.equal(targets, Y_aug)
    assert (weights == 0).any() and (weights > 0).any()
    upstream = clean + soft_cross_entropy(head(X_aug), Y_aug).mean()
    uniform = clean + soft_cross_entropy(head(X_aug), targets).mean()
    assert not torch.isclose(got, upstream) and not torch.isclose(got, uniform)
    assert step.kept == [pytest.approx(float((weights > 0).double().mean()))]


def test_saflex_step_without_validation_is_the_upstream_augmentation_as_it_comes():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=None, beta=3.0,
                      temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    Y_aug = torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    expected = F.cross_entropy(head(X), y) + soft_cross_entropy(head(X + 0.7), Y_aug).mean()
    torch.testing.assert_close(got, expected)
    assert "kept_fraction_" not in step.fitted_attributes()


def test_saflex_step_reuses_the_validation_gradient_for_validation_interval_steps():
    X, y, Xv, yv, head, step = _saflex_case()
    step.validation_interval = 2
    g = torch.Generator()
    step.loss(head, X, y, None, generator=g, progress=0.0)
    first = step.g_val
    step.loss(head, X, y, None, generator=g, progress=0.0)
    assert step.g_val is first
    step.loss(head, X, y, None, generator=g, progress=0.0)
    assert step.g_val is not first and step.calls == 3


def test_saflex_step_linearises_in_eval_mode_and_restores_train_mode():
    X, y, Xv, yv, _, _ = _saflex_case()
    head = _head(5, 3, hidden=(16,), dropout=0.5)
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                      beta=0.0, temperature=0.0, rescale=True, validation_interval=1,
                      validation_batch_size=128)
    head.train()
    t1, w1 = step.targets(head, X + 0.7, F.one_hot(y, 3).double(), torch.Generator())
    assert head.training
    t2, w2 = step.targets(head, X + 0.7, F.one_hot(y, 3).double(), torch.Generator())
    assert torch.equal(t1, t2) and torch.equal(w1, w2)  # no dropout in the linearisation


def test_saflex_step_passes_sample_weights_to_the_augmented_rows():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=None, beta=3.0,
                      temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    w = torch.linspace(0.2, 3.0, len(y), dtype=X.dtype)  # mean ≠ 1: the renormalisation counts
    got = step.loss(head, X, y, w, generator=torch.Generator(), progress=0.0)
    Y_aug = torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    clean = (F.cross_entropy(head(X), y, reduction="none") * w).sum() / len(y)
    augmented = (w / w.sum() * soft_cross_entropy(head(X + 0.7), Y_aug)).sum()
    torch.testing.assert_close(got, clean + augmented)


# ---------------------------------------------------------------------- IADA


def _iada_reference(head, X, y, cov, eps, lam, alpha, beta):
    """Mean L_IADA written out row by row (float64 numpy), from a given covariance state."""
    W = head.fc.weight.detach().numpy()
    b = head.fc.bias.detach().numpy()
    Xn, yn = X.numpy(), y.numpy()
    S = cov.covariance.numpy()
    traces = np.array([np.trace(S[c]) for c in range(len(S))])
    spread = np.sqrt((cov.count.numpy() * traces).sum() / cov.count.numpy().sum())
    losses = []
    for i in range(len(Xn)):
        z = W @ Xn[i] + b
        p = np.exp(z - z.max())
        p /= p.sum()
        g = (p - np.eye(len(z))[yn[i]]) @ W  # ∇_h CE
        u = g / np.linalg.norm(g)
        zh = z.copy()
        for j in range(len(z)):
            dw = W[j] - W[yn[i]]
            zh[j] += alpha * eps * spread * dw @ u + beta * lam / 2 * dw @ S[yn[i]] @ dw
        zh -= zh.max()
        losses.append(np.log(np.exp(zh).sum()) - zh[yn[i]])
    return float(np.mean(losses))


def _iada_step(perturbation="constant", epsilon=0.5, lambda0=0.2, warmup=0.0, **kw):
    kw = {"meta": None, "meta_lr": 1e-3, "lr": 1e-2, "meta_batch_size": 128, "device": "cpu",
          **kw}
    step = IADAStep(n_classes=3, n_hidden=5, perturbation=perturbation, epsilon=epsilon,
                    lambda0=lambda0, alpha=0.5, beta=1.0, diagonal=False,
                    warmup_fraction=warmup, **kw)
    step.covariance.double()  # the tests run in float64
    step.stats.double()
    return step


@pytest.mark.parametrize("epsilon", [0.8, -0.8, 0.0])
def test_iada_step_loss_uses_the_signed_strength_and_the_ramped_lambda(epsilon):
    X, y = _problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=epsilon, lambda0=0.2)
    step.observe(y.numpy())
    cov = ClassCovariance(3, 5).double()
    cov.update(X, y)  # the step first merges the batch into its statistics
    got = step.loss(head, X, y, None, generator=None, progress=0.5)
    expected = _iada_reference(head, X, y, cov, epsilon, lam=0.2 * 0.5, alpha=0.5, beta=1.0)
    assert float(got) == pytest.approx(expected, rel=1e-9)
    # the ramp matters: λ0 at progress 0.5 would be another loss
    no_ramp = _iada_reference(head, X, y, cov, epsilon, lam=0.2, alpha=0.5, beta=1.0)
    assert abs(no_ramp - expected) > 1e-4


def test_iada_positive_strength_is_adversarial():
    X, y = _problem()
    head = _head(5, 3)
    losses = {}
    for eps in (-0.8, 0.0, 0.8):
        step = _iada_step(epsilon=eps, lambda0=0.0)
        step.observe(y.numpy())
        losses[eps] = float(step.loss(head, X, y, None, generator=None, progress=0.5))
    assert losses[-0.8] < losses[0.0] < losses[0.8]
    assert losses[0.0] == pytest.approx(float(F.cross_entropy(head(X), y)))


def test_iada_step_warms_up_with_cross_entropy_and_always_updates_its_statistics():
    X, y = _problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=0.8, warmup=0.3)
    step.observe(y.numpy())
    ce = F.cross_entropy(head(X), y)
    torch.testing.assert_close(step.loss(head, X, y, None, generator=None, progress=0.29), ce)
    assert step.covariance.count.sum() == len(y)
    assert step.loss(head, X, y, None, generator=None, progress=0.3) > ce
    assert step.covariance.count.sum() == 2 * len(y)


def test_iada_step_end_epoch_moves_the_epoch_statistics():
    X, y = _problem()
    head = _head(5, 3)
    step = _iada_step()
    step.observe(y.numpy())
    step.loss(head, X, y, None, generator=None, progress=0.5)
    assert torch.all(step.stats.loss_prev == 0)
    step.end_epoch(head)
    ce = F.cross_entropy(head(X), y, reduction="none").detach()
    for c in range(3):
        assert float(step.stats.loss_prev[c]) == pytest.approx(float(ce[y == c].mean()))


def test_iada_class_strategy_counts_accumulate_and_follow_the_floored_log_ratio():
    step = _iada_step(perturbation="class", epsilon=2.0)
    step.observe(np.array([0] * 50 + [1] * 5 + [2] * 2))
    step.observe(np.array([0] * 50 + [1] * 5))
    counts = np.array([100, 10, 2])
    np.testing.assert_array_equal(step.fitted_attributes()["class_counts_"], counts)
    expected = 2.0 * np.log(100 / counts) / np.log(100 / 2)
    np.testing.assert_allclose(step.fitted_attributes()["class_epsilon_"], expected, rtol=1e-6)
    # near balance (ratio < 10) the floor log 10 keeps the smallest class below ε
    near = _iada_step(perturbation="class", epsilon=2.0)
    near.observe(np.array([0] * 100 + [1] * 95 + [2] * 90))
    eps = near.fitted_attributes()["class_epsilon_"]
    np.testing.assert_allclose(eps, 2.0 * np.log(100 / np.array([100, 95, 90])) / np.log(10),
                               rtol=1e-6)
    assert eps.max() < 0.1


def test_iada_class_strategy_loss_uses_each_row_s_class_strength():
    X, y = _problem(n=30)
    head = _head(5, 3)
    step = _iada_step(perturbation="class", epsilon=1.5, lambda0=0.0)
    step.observe(np.array([0] * 100 + [1] * 10 + [2] * 1))
    eps = torch.as_tensor(step.fitted_attributes()["class_epsilon_"], dtype=X.dtype)
    got = step.loss(head, X, y, None, generator=None, progress=1.0)
    per_class = [_iada_reference(head, X[y == c], y[y == c], step.covariance, float(eps[c]),
                                 0.0, 0.5, 1.0) for c in range(3)]
    # 10 rows per class; the strengths are float32
    assert float(got) == pytest.approx(np.mean(per_class), rel=1e-6)


def test_meta_iada_step_uses_the_strengths_of_the_updated_perturbation_net():
    X, y = _problem(n=30)
    Xm, ym = _problem(n=9, seed=5)
    head = _head(5, 3)
    torch.manual_seed(0)
    step = _iada_step(perturbation="meta", epsilon=1.0, lambda0=0.1,
                      meta=HeldOut(Xm, ym), device="cpu")
    step.perturbation_net.double()
    step.observe(y.numpy())
    before = copy.deepcopy(step.perturbation_net)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.5)
    assert len(step.meta_losses) == 1
    chars = training_characteristics(X, head(X), y, head.fc.weight, step.class_counts,
                                     step.stats, 0.5)
    eps_after = step.perturbation_net(chars).detach()
    assert not torch.allclose(before(chars), eps_after)  # the meta step changed the net
    expected = np.mean([
        _iada_reference(head, X[i:i + 1], y[i:i + 1], step.covariance, float(eps_after[i]),
                        0.05, 0.5, 1.0)
        for i in range(len(y))
    ])
    assert float(got) == pytest.approx(expected, rel=1e-6)
    step.end_epoch(head)
    assert step.fitted_attributes()["meta_loss_curve_"] == [pytest.approx(step.meta_loss_curve[0])]


def test_grad_norm_characteristic_is_the_input_gradient_norm_through_the_weights():
    X, y = _problem()
    head = _head(5, 3)
    h = X.clone().requires_grad_(True)
    F.cross_entropy(head.fc(h), y, reduction="sum").backward()
    stats = EpochClassStats(3)
    chars = training_characteristics(X, head(X), y, head.fc.weight, torch.bincount(y), stats, 0.5)
    col = ["loss", "margin", "entropy", "residual_norm", "cos_h_wy", "h_norm", "grad_norm"]
    np.testing.assert_allclose(chars[:, col.index("grad_norm")].numpy(),
                               h.grad.norm(dim=1).numpy(), rtol=1e-10)


# ---------------------------------------------------------------------- IDAA


class _PlusOne:
    requires_model = True

    def __call__(self, X, Y, generator=None, model=None):
        return X + 1.0, Y


@pytest.mark.parametrize("weight", [0.0, 0.5, 2.0])
def test_idaa_step_loss_is_clean_plus_weighted_augmented(weight):
    X, y = _problem()
    head = _head(5, 3, hidden=(8,))
    w = torch.linspace(0.5, 1.5, len(y), dtype=X.dtype)
    step = IDAAStep(augmenter=_PlusOne(), n_classes=3, augmented_weight=weight)
    got = step.loss(head, X, y, w, generator=None, progress=0.0)

    def wce(Z):
        return (F.cross_entropy(head(Z), y, reduction="none") * w).sum() / len(y)

    torch.testing.assert_close(got, wce(X) + weight * wce(X + 1.0))


def test_idaa_step_without_a_vae_trains_on_the_rows_twice():
    X, y = _problem()
    head = _head(5, 3)
    step = IDAAStep(augmenter=None, n_classes=3, augmented_weight=1.0)
    torch.testing.assert_close(step.loss(head, X, y, None, generator=None, progress=0.0),
                               2 * F.cross_entropy(head(X), y))


def test_idaa_attacks_the_head_in_eval_mode_and_restores_train_mode():
    X, y = _problem(n=40)
    Xf = X.float()
    Y = F.one_hot(y, 3).float()
    idaa = IDAA(latent_dim=2, epsilon=0.5, vae_epochs=3, random_state=0).fit(Xf)
    head = FeatureHead(5, 3, (32,), dropout=0.5)
    head.train()
    a, _ = idaa(Xf, Y, None, model=head)
    assert head.training
    b, _ = idaa(Xf, Y, None, model=head)
    torch.testing.assert_close(a, b)  # no dropout: the same attack twice
    head.eval()
    c, _ = idaa(Xf, Y, None, model=head)
    torch.testing.assert_close(a, c)


# ------------------------------------- randomness comes from the given generator


def _with_other_global_rng(fn):
    """``fn()`` twice with the global RNG in two different states: equal iff fn ignores it."""
    torch.manual_seed(1)
    a = fn()
    torch.manual_seed(2)
    return a, fn()


@pytest.mark.parametrize("direction", ["rand", "mixup"])
def test_sea_random_directions_draw_from_the_generator(direction):
    X, y = _problem(n=12)
    X = unit_normalize(X)
    W = torch.randn(3, 5, dtype=X.dtype)

    def run(seed=0):
        return sea_augment(X, y, W, eta=0.5, direction=direction,
                           generator=torch.Generator().manual_seed(seed))

    a, b = _with_other_global_rng(run)
    torch.testing.assert_close(a, b)
    assert not torch.allclose(a, run(seed=5))
    if direction == "rand":  # a convex combination of the *other* rows, weights on the simplex
        from skaug.methods.sea import _random_simplex_weights

        q = _random_simplex_weights(12, torch.Generator().manual_seed(0), "cpu", X.dtype)
        assert torch.all(q >= 0) and torch.all(q.diagonal() == 0)
        torch.testing.assert_close(q.sum(1), torch.ones(12, dtype=X.dtype))


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


def test_saflex_step_samples_its_validation_batches_with_the_generator():
    X, y, Xv, yv, head, _ = _saflex_case()
    Xv, yv = _problem(n=40, seed=7)

    def run(seed=0):
        step = SAflexStep(augmenter=_ShiftRelabel(), n_classes=3, validation=HeldOut(Xv, yv),
                          beta=1.0, temperature=0.5, rescale=True, validation_interval=1,
                          validation_batch_size=8)
        return step.loss(head, X, y, None, generator=torch.Generator().manual_seed(seed),
                         progress=0.0)

    a, b = _with_other_global_rng(run)
    torch.testing.assert_close(a, b)
    assert not torch.isclose(a, run(seed=3))


@pytest.mark.parametrize("rows", [0, 1])
def test_saflex_step_with_few_augmented_rows(rows):
    X, y, _, _, head, _ = _saflex_case()

    def few(X, Y, generator):
        return X[:rows] + 1.0, Y[:rows]

    step = SAflexStep(augmenter=few, n_classes=3, validation=None, beta=3.0, temperature=0.0,
                      rescale=True, validation_interval=5, validation_batch_size=128)
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    expected = F.cross_entropy(head(X), y)
    if rows:
        expected = expected + soft_cross_entropy(head(X[:1] + 1.0),
                                                 F.one_hot(y[:1], 3).to(X.dtype)).sum()
    torch.testing.assert_close(got, expected)


def test_held_out_batches_without_weights():
    held = HeldOut(torch.arange(10.0)[:, None], torch.arange(10))
    xb, yb, wb = held.batch(4, torch.Generator().manual_seed(0))
    assert wb is None and len(yb) == 4


# ------------------------------------------------------------------ IDAA's VAE


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


def test_saflex_step_with_the_paper_s_raw_pi():
    X, y, Xv, yv, head, step = _saflex_case()
    step.rescale, step.beta = False, 1.0
    got = step.loss(head, X, y, None, generator=torch.Generator(), progress=0.0)
    X_aug, Y_aug = X + 0.7, torch.roll(F.one_hot(y, 3).to(X.dtype), 1, dims=1)
    g_val = validation_gradient(head, Xv, yv)
    with torch.no_grad():
        z_aug, J = logits_and_jvp(head, dict(head.named_parameters()), X_aug, g_val)
        pi = saflex_pi(z_aug, J)
        targets, weights = saflex_targets(pi, Y_aug, 1.0, 0.0)
    # the switch matters here: the rescaled Π̂ gives other labels or weights
    scaled_targets, scaled_weights = saflex_targets(rescale_rows(pi), Y_aug, 1.0, 0.0)
    assert not (torch.equal(targets, scaled_targets) and torch.equal(weights, scaled_weights))
    expected = F.cross_entropy(head(X), y) + (weights * soft_cross_entropy(head(X_aug),
                                                                         targets)).sum()
    torch.testing.assert_close(got, expected)


# ------------------------------------------------------- what mutation testing found


def test_validation_losses_weight_their_rows():
    X, y = _problem()
    head = _head(5, 3)
    w = torch.linspace(0.1, 3.0, len(y), dtype=X.dtype)
    ce = F.cross_entropy(head(X), y, reduction="none")
    torch.testing.assert_close(Step().validation_loss(head, X, y, w), (ce * w).sum() / len(y))
    sea = SeAStep(eta=0.2, alpha=0.01, temperature=0.5, margin=0.3, direction="sea")
    hinge = smoothed_hinge(head(X), y, 0.5, 0.3)
    torch.testing.assert_close(sea.validation_loss(head, X, y, w), (hinge * w).sum() / len(y))


def test_sea_step_uses_its_direction():
    X, y = _problem(n=12)
    X = unit_normalize(X)
    head = torch.nn.Linear(5, 3, bias=False).double()
    step = SeAStep(eta=0.5, alpha=0.01, temperature=0.1, margin=0.0, direction="mixup")
    got = step.loss(head, X, y, None, generator=torch.Generator().manual_seed(0), progress=0)
    x_aug = sea_augment(X, y, head.weight, eta=0.5, temperature=0.1, direction="mixup",
                        generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(got, smoothed_hinge(head(x_aug), y, 0.1, 0.0).mean())


def test_sea_maths_defaults_are_cross_entropy_and_a_batch_of_two_is_augmented():
    from skaug.methods.sea import smoothed_hinge_input_gradient, smoothed_hinge_probabilities

    X, y = _problem(n=6)
    X = unit_normalize(X)
    W = torch.randn(3, 5, dtype=X.dtype)
    torch.testing.assert_close(smoothed_hinge_probabilities(X @ W.T, y), (X @ W.T).softmax(1))
    p = (X @ W.T).softmax(1)
    torch.testing.assert_close(smoothed_hinge_input_gradient(X, y, W),
                               (p - F.one_hot(y, 3).to(X.dtype)) @ W)
    default = sea_augment(X, y, W, eta=0.3)
    torch.testing.assert_close(default, sea_augment(X, y, W, eta=0.3, alpha=0.01,
                                                    temperature=1.0, margin=0.0))
    two = sea_augment(X[:2], y[:2], W, eta=0.3)
    assert not torch.allclose(two, X[:2])  # each row has one other row to move towards


def test_iada_step_uses_its_beta():
    X, y = _problem()
    head = _head(5, 3)
    step = _iada_step(epsilon=0.0, lambda0=0.4)
    step.beta = 0.25
    step.observe(y.numpy())
    cov = ClassCovariance(3, 5).double()
    cov.update(X, y)
    got = step.loss(head, X, y, None, generator=None, progress=1.0)
    assert float(got) == pytest.approx(_iada_reference(head, X, y, cov, 0.0, 0.4, 0.5, 0.25),
                                       rel=1e-9)


def test_saflex_step_without_augmented_rows_keeps_the_sample_weights():
    X, y, _, _, head, _ = _saflex_case()
    step = SAflexStep(augmenter=lambda X, Y, g: (X[:0], Y[:0]), n_classes=3, validation=None,
                      beta=3.0, temperature=0.0, rescale=True, validation_interval=5,
                      validation_batch_size=128)
    w = torch.linspace(0.1, 3.0, len(y), dtype=X.dtype)
    got = step.loss(head, X, y, w, generator=torch.Generator(), progress=0.0)
    ce = F.cross_entropy(head(X), y, reduction="none")
    torch.testing.assert_close(got, (ce * w).sum() / len(y))


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


def test_mixup_partners_are_any_other_row():
    from skaug.methods.sea import _random_partner

    g = torch.Generator().manual_seed(0)
    seen = torch.stack([_random_partner(5, g, "cpu") for _ in range(400)])
    for i in range(5):
        assert set(seen[:, i].tolist()) == set(range(5)) - {i}
