"""skaug.methods.sea: SeA's equations (Prop. 3 and 4, Eq. 9's closed form, the directions)."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy.optimize import minimize

from skaug.methods.common import unit_normalize
from skaug.methods.sea import (
    sea_augment,
    sea_loss,
    semantic_direction,
    semantic_weights,
    smoothed_hinge,
    smoothed_hinge_input_gradient,
    smoothed_hinge_probabilities,
)
from tests._helpers import _step_problem, _with_other_global_rng


def _batch(b=7, d=5, C=4, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    x = unit_normalize(torch.randn(b, d, generator=g, dtype=dtype))
    y = torch.randint(0, C, (b,), generator=g)
    W = torch.randn(C, d, generator=g, dtype=dtype)
    return x, y, W


def _entropy(q):
    q = np.clip(q, 1e-300, None)
    return -np.sum(q * np.log(q))


def _max_over_simplex(linear, coef, n):
    """max_{q ∈ Δ} linear·q + coef·H(q), solved numerically (SLSQP)."""
    res = minimize(
        lambda q: -(linear @ q + coef * _entropy(q)),
        np.full(n, 1.0 / n),
        method="SLSQP",
        bounds=[(0.0, 1.0)] * n,
        constraints=[{"type": "eq", "fun": lambda q: q.sum() - 1.0}],
        options={"ftol": 1e-14, "maxiter": 500},
    )
    return res.x, -res.fun


@pytest.mark.parametrize("temperature, margin", [(1.0, 0.0), (0.1, 0.0), (0.5, 1.0), (2.0, 0.3)])
def test_prop3_eq14_maximum_equals_eq15(temperature, margin):
    x, y, W = _batch()
    z = (x @ W.T).numpy()
    loss15 = smoothed_hinge(x @ W.T, y, temperature, margin).numpy()
    for i in range(len(z)):
        yi = int(y[i])
        # Eq. 14: max_p p_y z_y + Σ_{c≠y} p_c (δ + z_c) + λ H(p) − z_y
        linear = z[i] + margin * (np.arange(z.shape[1]) != yi)
        p_num, value = _max_over_simplex(linear, temperature, z.shape[1])
        loss14 = value - z[i, yi]
        assert loss14 == pytest.approx(loss15[i], abs=1e-6)
        # and the maximiser is Eq. 17
        p17 = smoothed_hinge_probabilities(x @ W.T, y, temperature, margin)[i].numpy()
        np.testing.assert_allclose(p_num, p17, atol=1e-4)


def test_eq15_is_cross_entropy_for_unit_temperature_and_no_margin():
    x, y, W = _batch()
    z = x @ W.T
    torch.testing.assert_close(smoothed_hinge(z, y, 1.0, 0.0), F.cross_entropy(z, y, reduction="none"))
    # and a margin raises the loss of every sample
    assert torch.all(smoothed_hinge(z, y, 1.0, 1.0) > smoothed_hinge(z, y, 1.0, 0.0))


@pytest.mark.parametrize("temperature, margin", [(1.0, 0.0), (0.1, 0.0), (0.5, 1.0)])
def test_prop4_gradient_equals_autograd(temperature, margin):
    x, y, W = _batch(b=9, d=6, C=5)
    x = x.clone().requires_grad_(True)
    smoothed_hinge(x @ W.T, y, temperature, margin).sum().backward()
    closed = smoothed_hinge_input_gradient(x.detach(), y, W, temperature, margin)
    torch.testing.assert_close(closed, x.grad)


@pytest.mark.parametrize("alpha", [0.01, 0.05, 0.5, 2.0])
def test_eq10_closed_form_is_the_optimum_of_eq9(alpha):
    x, y, W = _batch(b=6, d=4)
    g = smoothed_hinge_input_gradient(x, y, W, 0.1, 0.0)
    q = semantic_weights(x, g, alpha).numpy()
    gn = unit_normalize(g).numpy()
    xs = x.numpy()
    for i in range(len(xs)):
        assert q[i, i] == 0.0  # self excluded
        assert q[i].sum() == pytest.approx(1.0)
        others = [j for j in range(len(xs)) if j != i]
        linear = xs[others] @ gn[i]
        q_num, value = _max_over_simplex(linear, alpha, len(others))
        # The closed form reaches the numerical optimum's objective and is its argmax.
        closed_value = linear @ q[i, others] + alpha * _entropy(q[i, others])
        assert closed_value >= value - 1e-7
        np.testing.assert_allclose(q[i, others], q_num, atol=2e-3)


def test_alpha_zero_projects_on_the_most_aligned_other_row():
    x, y, W = _batch(b=8)
    g = smoothed_hinge_input_gradient(x, y, W, 0.1, 0.0)
    q = semantic_weights(x, g, 0.0)
    scores = unit_normalize(g) @ x.T
    scores.fill_diagonal_(-np.inf)
    assert torch.equal(q.argmax(1), scores.argmax(1))
    assert torch.all(q.sum(1) == 1) and torch.all(q.diagonal() == 0)
    # small alpha approaches the one-hot solution
    torch.testing.assert_close(semantic_weights(x, g, 1e-4), q, atol=1e-3, rtol=0)


def test_semantic_direction_lies_in_the_span_of_the_other_rows():
    x, y, W = _batch(b=6, d=10)
    g = smoothed_hinge_input_gradient(x, y, W, 0.1, 0.0)
    g_hat = semantic_direction(x, g, 0.05)
    for i in range(6):
        others = torch.cat([x[:i], x[i + 1 :]])
        coef = torch.linalg.lstsq(others.T, g_hat[i]).solution
        torch.testing.assert_close(others.T @ coef, g_hat[i])
        # Prop. 1 bound: ||ĝ||≤1 for unit rows
        assert g_hat[i].norm() <= 1 + 1e-12


def test_semantic_direction_increases_the_loss_to_first_order():
    # ĝ is a projection of the ascent direction: its inner product with g is
    # the maximised objective of Eq. 9 minus α H ≥ 0 for a spread-out batch.
    x, y, W = _batch(b=64, d=8, C=3, seed=3)
    g = smoothed_hinge_input_gradient(x, y, W, 0.1, 0.0)
    g_hat = semantic_direction(x, g, 0.01)
    assert (g_hat * unit_normalize(g)).sum(1).mean() > 0


@pytest.mark.parametrize("direction", ["sea", "adv", "sea_neg", "rand", "mixup", "none"])
def test_augmented_rows_have_unit_norm(direction):
    x, y, W = _batch(b=10, d=6)
    gen = torch.Generator().manual_seed(0)
    xa = sea_augment(x, y, W, eta=0.8, direction=direction, generator=gen, temperature=0.1)
    torch.testing.assert_close(xa.norm(dim=1), torch.ones(10, dtype=x.dtype))


def test_eq11_by_hand():
    x, y, W = _batch(b=5, d=3)
    eta, alpha, lam = 0.4, 0.05, 0.5
    # brute force, one row at a time, no shared helper
    expected = []
    for i in range(5):
        z = W @ x[i]
        p = torch.softmax(z / lam, 0)
        g = W.T @ p - W[y[i]]
        g = g / g.norm()
        others = [j for j in range(5) if j != i]
        logits = torch.stack([x[j] @ g / alpha for j in others])
        q = torch.exp(logits - logits.max())
        q = q / q.sum()
        g_hat = sum(q[k] * x[j] for k, j in enumerate(others))
        v = x[i] + eta * g_hat / g_hat.norm()
        expected.append(v / v.norm())
    got = sea_augment(x, y, W, eta=eta, alpha=alpha, temperature=lam)
    torch.testing.assert_close(got, torch.stack(expected))


def test_directions_differ_as_the_paper_defines_them():
    x, y, W = _batch(b=12, d=6, C=3)
    gen = torch.Generator().manual_seed(1)
    aug = {
        d: sea_augment(x, y, W, eta=0.5, direction=d, generator=gen, temperature=0.5)
        for d in ["sea", "sea_neg", "rand", "mixup", "adv"]
    }
    # mixup moves each row toward exactly one other row
    for i in range(12):
        v = aug["mixup"][i] - x[i] * 0  # Π(x_i + η x_j): solve for x_j
        cands = [j for j in range(12) if j != i]
        hits = [
            j for j in cands
            if torch.allclose(unit_normalize(x[i] + 0.5 * x[j]), v, atol=1e-12)
        ]
        assert len(hits) == 1
    # adv is the raw (unprojected) gradient step
    g = smoothed_hinge_input_gradient(x, y, W, 0.5, 0.0)
    torch.testing.assert_close(aug["adv"], unit_normalize(x + 0.5 * g))
    # sea_neg drops −w_y: it differs from sea
    assert not torch.allclose(aug["sea"], aug["sea_neg"])
    assert torch.equal(sea_augment(x, y, W, eta=0.5, direction="none"), x)


def test_rand_weights_are_on_the_simplex_and_exclude_self():
    from skaug.methods.sea import _random_simplex_weights

    q = _random_simplex_weights(50, torch.Generator().manual_seed(0), "cpu", torch.float64)
    assert torch.all(q.diagonal() == 0) and torch.all(q >= 0)
    torch.testing.assert_close(q.sum(1), torch.ones(50, dtype=torch.float64))
    # Dirichlet(1,...,1) on 49 atoms: each weight has mean 1/49
    off = q[~torch.eye(50, dtype=torch.bool)]
    assert off.mean().item() == pytest.approx(1 / 49, rel=1e-6)
    assert off.std().item() == pytest.approx(np.sqrt(48 / (49**2 * 50)), rel=0.1)


def test_rand_moves_each_row_toward_a_random_simplex_mixture_of_the_others():
    from skaug.methods.sea import _random_simplex_weights

    x, y, W = _batch(b=12, d=6, C=3)
    got = sea_augment(x, y, W, eta=0.5, direction="rand",
                      generator=torch.Generator().manual_seed(3))
    q = _random_simplex_weights(12, torch.Generator().manual_seed(3), "cpu", x.dtype)
    g_hat = q @ x  # Σ_{j≠i} q_ij x_j, q uniform on the simplex
    want = unit_normalize(x + 0.5 * g_hat / g_hat.norm(dim=1, keepdim=True))
    torch.testing.assert_close(got, want)
    # not a move toward one other row (mixup)
    for i in range(12):
        assert not any(torch.allclose(unit_normalize(x[i] + 0.5 * x[j]), got[i], atol=1e-9)
                       for j in range(12) if j != i)


def test_a_batch_of_one_is_left_unaugmented():
    x, y, W = _batch(b=1)
    assert torch.equal(sea_augment(x, y, W, eta=0.8, direction="sea"), x)
    assert torch.equal(sea_augment(x, y, W, eta=0.8, direction="mixup"), x)


def test_eta_zero_returns_the_rows():
    x, y, W = _batch()
    torch.testing.assert_close(sea_augment(x, y, W, eta=0.0), x)


def test_head_is_frozen_during_augmentation():
    x, y, W = _batch(b=8, d=5, C=4, dtype=torch.float32)
    head = torch.nn.Linear(5, 4, bias=False)
    loss = sea_loss(head, x, y, eta=0.4, temperature=0.1)
    loss.backward()
    # the gradient into W is that of the loss at the (fixed) augmented rows
    xa = sea_augment(x, y, head.weight, eta=0.4, temperature=0.1)
    W = head.weight.detach().clone().requires_grad_(True)
    smoothed_hinge(xa @ W.T, y, 0.1, 0.0).mean().backward()
    torch.testing.assert_close(head.weight.grad, W.grad)


def test_sample_weight_in_the_loss_is_a_weighted_sum():
    x, y, W = _batch(b=6, d=5, C=3, dtype=torch.float32)
    head = torch.nn.Linear(5, 3, bias=False)
    w = torch.tensor([0.0, 1.0, 2.0, 0.5, 1.0, 3.0])
    per = smoothed_hinge(head(sea_augment(x, y, head.weight, eta=0.3)), y)
    got = sea_loss(head, x, y, w, eta=0.3, temperature=1.0)
    torch.testing.assert_close(got, (per * w).sum() / 6)


def test_unknown_direction_is_refused():
    x, y, W = _batch()
    with pytest.raises(ValueError, match="direction must be one of"):
        sea_augment(x, y, W, eta=0.1, direction="bogus")


@pytest.mark.parametrize("b, C", [(9, 4), (4, 9)])  # the logit path (C ≤ b) and the direct one
@pytest.mark.parametrize("direction", ["sea", "sea_neg"])
@pytest.mark.parametrize("alpha", [0.05, 0.0])
def test_augmented_rows_equal_the_projection_of_the_explicit_gradient(b, C, direction, alpha):
    # Eq. 6-11 written with the (b, d) gradient rows g = (p − e_y) W (or p W for
    # sea_neg) formed explicitly, against sea_augment, which forms them only when
    # there are more classes than rows.
    x, y, W = _batch(b=b, d=6, C=C, seed=3)
    p = smoothed_hinge_probabilities(x @ W.T, y, 0.1, 0.5)
    g = (p - F.one_hot(y, C).double()) @ W if direction == "sea" else p @ W
    g_hat = semantic_direction(x, g, alpha)
    want = unit_normalize(x + 0.3 * unit_normalize(g_hat))
    got = sea_augment(x, y, W, eta=0.3, alpha=alpha, temperature=0.1, margin=0.5,
                      direction=direction)
    torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 1e-30, 1e30])
def test_gradient_scores_equal_the_normalised_gradient_times_the_rows(scale):
    from skaug.methods.sea import gradient_scores

    x, y, W = _batch(b=6, d=5, C=3, seed=4)
    r = torch.randn(6, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    want = unit_normalize(r @ W) @ x.T
    torch.testing.assert_close(gradient_scores(x @ W.T, r * scale, W), want)
    # float32, with coefficients whose squares underflow (1e-36² < float32's tiny)
    got = gradient_scores((x @ W.T).float(), (r * 1e-36).float(), W.float())
    torch.testing.assert_close(got, want.float(), rtol=1e-4, atol=1e-5)
    zero = gradient_scores(x @ W.T, torch.zeros(6, 3, dtype=torch.float64), W)
    assert torch.equal(zero, torch.zeros(6, 6, dtype=torch.float64))


@pytest.mark.parametrize("direction", ["rand", "mixup"])
def test_sea_random_directions_draw_from_the_generator(direction):
    X, y = _step_problem(n=12)
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


def test_sea_maths_defaults_are_cross_entropy_and_a_batch_of_two_is_augmented():
    from skaug.methods.sea import (
        smoothed_hinge_input_gradient,
        smoothed_hinge_probabilities,
    )

    X, y = _step_problem(n=6)
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

