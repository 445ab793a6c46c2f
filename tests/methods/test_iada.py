"""skaug.methods.iada: the IADA bound (Monte Carlo), class covariances, strengths, the meta step."""


import numpy as np
import pytest
import torch
import torch.nn.functional as F

from skaug.heads import FeatureHead
from skaug.methods.iada import (
    CHARACTERISTICS,
    ClassCovariance,
    EpochClassStats,
    PerturbationNet,
    adversarial_direction,
    class_pair_quadratic,
    class_strengths,
    iada_logits,
    iada_loss,
    meta_step,
    training_characteristics,
)
from tests._helpers import _head, _step_problem

D = torch.float64


def _problem(n=6, d=4, C=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    h = torch.randn(n, d, generator=g, dtype=D)
    y = torch.arange(n) % C
    W = torch.randn(C, d, generator=g, dtype=D)
    b = torch.randn(C, generator=g, dtype=D)
    A = torch.randn(C, d, d, generator=g, dtype=D)
    cov = A @ A.transpose(1, 2) / d + 0.1 * torch.eye(d, dtype=D)
    return h, y, W, b, cov


def _mc_expected_ce(h, y, W, b, mean_shift, cov, lam, n_draws, seed):
    """E_δ CE(h + δ, y) with δ ~ N(mean_shift, λ Σ_y), by Monte Carlo (one row at a time)."""
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(len(h)):
        L = torch.linalg.cholesky(lam * cov[y[i]])
        z = torch.randn(n_draws, h.shape[1], generator=g, dtype=D)
        samples = h[i] + mean_shift[i] + z @ L.T
        ce = F.cross_entropy(samples @ W.T + b, y[i].repeat(n_draws), reduction="none")
        out.append((ce.mean().item(), ce.std().item() / np.sqrt(n_draws)))
    return np.array(out)


def _meta_problem():
    torch.manual_seed(0)
    n, d, C = 64, 5, 3
    X = torch.randn(n, d)
    y = torch.arange(n) % C
    X = X + 1.5 * F.one_hot(y, d).float()
    head = FeatureHead(d, C)
    meta_x, meta_y = X[:12] + 0.1, y[:12]
    with torch.no_grad():
        h, logits = head(X, return_hidden=True)
    chars = training_characteristics(h, logits, y, head.fc.weight, torch.tensor([22, 21, 21]),
                                     EpochClassStats(C), 0.5)
    u = adversarial_direction(logits, y, head.fc.weight)
    cov = torch.eye(d).repeat(C, 1, 1)

    def terms(z, w, eps):
        return iada_loss(z, y, w, u, eps, cov, 0.5, 0.5, 1.0)

    return head, X, y, chars, meta_x, meta_y, terms


@pytest.mark.parametrize("eps", [0.0, 0.7, -0.7])
def test_loss_upper_bounds_the_expected_cross_entropy_and_is_tight_for_small_lambda(eps):
    h, y, W, b, cov = _problem()
    logits = h @ W.T + b
    u = adversarial_direction(logits, y, W)
    epsilon = torch.full((len(h),), eps, dtype=D)
    gaps = []
    for lam in (1.0, 0.1, 0.01):
        bound = iada_loss(logits, y, W, u, epsilon, cov, lam).numpy()
        mc = _mc_expected_ce(h, y, W, b, epsilon[:, None] * u, cov, lam, 100_000, seed=1)
        # bound ≥ E[CE] (up to 4 Monte-Carlo standard errors)
        assert np.all(bound >= mc[:, 0] - 4 * mc[:, 1])
        gaps.append(np.mean(bound - mc[:, 0]))
    assert gaps[0] > gaps[1] > gaps[2] - 1e-3
    assert gaps[2] < 0.02 * gaps[0] + 5e-3


def test_zero_lambda_and_epsilon_is_plain_cross_entropy():
    h, y, W, b, cov = _problem()
    logits = h @ W.T + b
    u = adversarial_direction(logits, y, W)
    torch.testing.assert_close(
        iada_loss(logits, y, W, u, 0.0, cov, 0.0), F.cross_entropy(logits, y, reduction="none")
    )


def test_epsilon_zero_gives_isda_augmented_logits_exactly():
    h, y, W, b, cov = _problem(n=5, d=3, C=4)
    logits = h @ W.T + b
    lam = 0.37
    expected = logits.clone()
    for i in range(5):
        for j in range(4):
            dw = W[j] - W[y[i]]
            expected[i, j] += 0.5 * lam * dw @ cov[y[i]] @ dw
    u = adversarial_direction(logits, y, W)
    got = iada_logits(logits, y, W, u, torch.zeros(5, dtype=D), cov, lam)
    torch.testing.assert_close(got, expected)


def test_mean_shift_term_by_hand():
    h, y, W, b, cov = _problem(n=5, d=3, C=4)
    logits = h @ W.T + b
    u = adversarial_direction(logits, y, W)
    eps = torch.tensor([0.5, -1.0, 2.0, 0.0, 1.5], dtype=D)
    alpha, beta, lam = 0.5, 2.0, 0.2
    got = iada_logits(logits, y, W, u, eps, cov, lam, alpha, beta)
    for i in range(5):
        for j in range(4):
            dw = W[j] - W[y[i]]
            want = logits[i, j] + alpha * eps[i] * dw @ u[i] + beta * lam / 2 * dw @ cov[y[i]] @ dw
            assert got[i, j].item() == pytest.approx(want.item(), abs=1e-12)
    # the label's own logit is never changed
    torch.testing.assert_close(got.gather(1, y[:, None]), logits.gather(1, y[:, None]))


def test_adversarial_epsilon_raises_the_loss_and_anti_adversarial_lowers_it():
    h, y, W, b, cov = _problem(n=20, d=5, C=3, seed=2)
    logits = h @ W.T + b
    u = adversarial_direction(logits, y, W)
    base = iada_loss(logits, y, W, u, 0.0, cov, 0.0)
    assert torch.all(iada_loss(logits, y, W, u, 0.5, cov, 0.0) >= base)
    assert torch.all(iada_loss(logits, y, W, u, -0.5, cov, 0.0) <= base)


def test_adversarial_direction_is_the_unit_autograd_gradient_and_detached():
    h, y, W, b, _ = _problem()
    hh = h.clone().requires_grad_(True)
    Wg = W.clone().requires_grad_(True)
    F.cross_entropy(hh @ Wg.T + b, y, reduction="sum").backward()
    u = adversarial_direction(hh @ Wg.T + b, y, Wg)
    torch.testing.assert_close(u, hh.grad / hh.grad.norm(dim=1, keepdim=True))
    assert not u.requires_grad


def test_loss_is_invariant_to_the_feature_scale():
    # h → s h, W → W / s, Σ → s² Σ, ε (feature units) → s ε: identical loss.
    h, y, W, b, cov = _problem()
    s = 7.5
    eps = torch.linspace(-1, 1, len(h), dtype=D)
    a = iada_loss(h @ W.T + b, y, W, adversarial_direction(h @ W.T + b, y, W), eps, cov, 0.4)
    hs, Ws = s * h, W / s
    zs = hs @ Ws.T + b
    c = iada_loss(zs, y, Ws, adversarial_direction(zs, y, Ws), s * eps, s**2 * cov, 0.4)
    torch.testing.assert_close(a, c)


def test_diagonal_quadratic_matches_full_on_diagonal_covariances():
    _, _, W, _, _ = _problem(C=4, d=5)
    var = torch.rand(4, 5, dtype=D)
    torch.testing.assert_close(
        class_pair_quadratic(W, var), class_pair_quadratic(W, torch.diag_embed(var))
    )


@pytest.mark.parametrize("diagonal", [False, True])
def test_online_covariance_equals_the_biased_covariance_of_all_rows_seen(diagonal):
    rng = np.random.RandomState(0)
    C, d = 3, 4
    est = ClassCovariance(C, d, diagonal=diagonal).double()
    seen_h, seen_y = [], []
    for size in (7, 1, 12, 5, 9):
        h = rng.randn(size, d) * rng.uniform(0.5, 3, d) + rng.randn(d)
        y = rng.choice([0, 2], size) if size == 5 else rng.randint(0, C, size)  # class 1 absent once
        est.update(torch.as_tensor(h), torch.as_tensor(y))
        seen_h.append(h)
        seen_y.append(y)
    H, Y = np.vstack(seen_h), np.concatenate(seen_y)
    for c in range(C):
        rows = H[Y == c]
        cov = np.cov(rows, rowvar=False, bias=True)
        np.testing.assert_allclose(est.mean[c].numpy(), rows.mean(0), atol=1e-12)
        want = np.diag(cov) if diagonal else cov
        np.testing.assert_allclose(est.covariance[c].numpy(), want, atol=1e-12)
        assert est.count[c].item() == len(rows)
    spread = np.sqrt(np.mean([np.sum((H[i] - H[Y == Y[i]].mean(0)) ** 2) for i in range(len(H))]))
    assert est.spread().item() == pytest.approx(spread, rel=1e-10)


def test_class_strengths_follow_the_log_ratio():
    eps = class_strengths(torch.tensor([100, 10, 1]), 2.0)
    torch.testing.assert_close(eps, torch.tensor([0.0, 1.0, 2.0]))
    assert torch.all(class_strengths(torch.tensor([5, 5, 5]), 2.0) == 0)


def test_epoch_class_stats_average_the_previous_epoch():
    stats = EpochClassStats(3).double()
    stats.update(torch.tensor([1.0, 3.0, 5.0], dtype=D), torch.tensor([0.1, 0.3, -0.2], dtype=D), torch.tensor([0, 0, 2]))
    assert torch.all(stats.loss_prev == 0)
    stats.end_epoch()
    torch.testing.assert_close(stats.loss_prev, torch.tensor([2.0, 0.0, 5.0], dtype=D))
    torch.testing.assert_close(stats.margin_prev, torch.tensor([0.2, 0.0, -0.2], dtype=D))
    stats.update(torch.tensor([4.0], dtype=D), torch.tensor([0.5], dtype=D), torch.tensor([1]))
    stats.end_epoch()  # classes unseen this epoch keep their last value
    torch.testing.assert_close(stats.loss_prev, torch.tensor([2.0, 4.0, 5.0], dtype=D))


def test_the_15_characteristics_have_the_documented_shape_and_are_detached():
    h, y, W, b, _ = _problem(n=8, d=4, C=3)
    h = h.requires_grad_(True)
    W = W.requires_grad_(True)
    logits = h @ W.T + b
    stats = EpochClassStats(3).double()
    counts = torch.tensor([50, 20, 5])
    chars = training_characteristics(h, logits, y, W, counts, stats, progress=0.25)
    assert chars.shape == (8, 15) == (8, len(CHARACTERISTICS))
    assert not chars.requires_grad and torch.isfinite(chars).all()
    col = {name: chars[:, k] for k, name in enumerate(CHARACTERISTICS)}
    p = logits.detach().softmax(1)
    torch.testing.assert_close(col["loss"], F.cross_entropy(logits.detach(), y, reduction="none"))
    assert torch.all(col["margin"] <= 1) and torch.all(col["margin"] >= -1)
    torch.testing.assert_close(col["entropy"], -(p * p.log()).sum(1))
    assert torch.all(col["progress"] == 0.25)
    torch.testing.assert_close(col["log_class_count"], counts[y].double().log())
    torch.testing.assert_close(col["class_proportion"], counts[y].double() / 75)
    torch.testing.assert_close(col["loss_minus_class_loss"], col["loss"])  # first epoch: class loss 0
    assert torch.all(col["cos_h_wy"].abs() <= 1)


def test_perturbation_net_is_bounded_and_accepts_one_row():
    torch.manual_seed(0)
    net = PerturbationNet(max_strength=0.3)
    out = net(100 * torch.randn(64, 15))
    assert out.shape == (64,) and out.abs().max() <= 0.3
    assert net(torch.randn(1, 15)).shape == (1,) and net.training


def test_meta_step_lowers_the_meta_loss_it_differentiates():
    head, X, y, chars, meta_x, meta_y, terms = _meta_problem()
    net = PerturbationNet(max_strength=2.0)
    opt = torch.optim.SGD(net.parameters(), lr=1e-2)
    kw = dict(lr=0.5, weight_name="fc.weight", loss_terms=terms)
    losses = [meta_step(head, net, opt, X, chars, meta_x, meta_y, **kw).item() for _ in range(4)]
    assert losses[1] < losses[0] and losses[3] < losses[1]
    # the real head is untouched: no gradient into it, no change of its weights
    assert head.fc.weight.grad is None


def test_meta_step_weights_the_meta_rows_as_the_training_rows():
    """The meta loss is the weighted mean CE of the look-ahead head on the meta rows: weights
    of 2 double it, a zero weight drops a row (class weights reach the meta objective)."""
    head, X, y, chars, meta_x, meta_y, terms = _meta_problem()
    kw = dict(lr=0.5, weight_name="fc.weight", loss_terms=terms)

    def meta_loss(weight):
        torch.manual_seed(0)
        net = PerturbationNet(max_strength=2.0).eval()
        opt = torch.optim.SGD(net.parameters(), lr=0.0)  # no step: the same net each call
        return meta_step(head, net, opt, X, chars, meta_x, meta_y, meta_weight=weight,
                         **kw).item()

    plain = meta_loss(None)
    assert meta_loss(torch.full((len(meta_y),), 2.0)) == pytest.approx(2 * plain, rel=1e-5)
    first = (meta_y == meta_y[0]).float()  # only the rows of one class count
    only = meta_loss(first)
    assert only != pytest.approx(plain, rel=1e-3)
    # the same as the unweighted loss over that class's rows, times their share of the batch
    torch.manual_seed(0)
    net = PerturbationNet(max_strength=2.0).eval()
    params = dict(head.named_parameters())
    from torch.func import functional_call
    _, logits = functional_call(head, params, (X,), {"return_hidden": True})
    loss = terms(logits, params["fc.weight"], net(chars)).mean()
    grads = torch.autograd.grad(loss, list(params.values()))
    virtual = {n: p - 0.5 * g for (n, p), g in zip(params.items(), grads)}
    ce = F.cross_entropy(functional_call(head, virtual, (meta_x,)), meta_y, reduction="none")
    assert only == pytest.approx((ce * first).sum().item() / len(meta_y), rel=1e-5)


def test_meta_step_reaches_the_finite_difference_direction():
    # The perturbation net's gradient of the meta loss equals finite differences.
    head, X, y, chars, meta_x, meta_y, terms = _meta_problem()
    torch.manual_seed(1)
    net = PerturbationNet(max_strength=2.0).double().eval()
    head = head.double()
    X, chars, meta_x = X.double(), chars.double(), meta_x.double()
    u = adversarial_direction(head(X), y, head.fc.weight).detach()
    cov = torch.eye(5, dtype=D).repeat(3, 1, 1)

    def terms64(z, w, eps):
        return iada_loss(z, y, w, u, eps, cov, 0.5, 0.5, 1.0)

    class Capture(torch.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {})

        def step(self, closure=None):
            self.grads = [p.grad.clone() for g in self.param_groups for p in g["params"]]

    cap = Capture(net.parameters())
    kw = dict(lr=0.5, weight_name="fc.weight", loss_terms=terms64)
    base = meta_step(head, net, cap, X, chars, meta_x, meta_y, **kw).item()
    p = net.net[-1].bias
    analytic = cap.grads[-1].item()
    with torch.no_grad():
        p += 1e-6
    bumped = meta_step(head, net, Capture(net.parameters()), X, chars, meta_x, meta_y, **kw).item()
    assert analytic == pytest.approx((bumped - base) / 1e-6, rel=1e-3, abs=1e-8)


def test_grad_norm_characteristic_is_the_input_gradient_norm_through_the_weights():
    X, y = _step_problem()
    head = _head(5, 3)
    h = X.clone().requires_grad_(True)
    F.cross_entropy(head.fc(h), y, reduction="sum").backward()
    stats = EpochClassStats(3)
    chars = training_characteristics(X, head(X), y, head.fc.weight, torch.bincount(y), stats, 0.5)
    col = ["loss", "margin", "entropy", "residual_norm", "cos_h_wy", "h_norm", "grad_norm"]
    np.testing.assert_allclose(chars[:, col.index("grad_norm")].numpy(),
                               h.grad.norm(dim=1).numpy(), rtol=1e-10)

