"""skaug._shell.step: the Step contract and held-out batches."""

import torch
import torch.nn.functional as F

from skaug._sea import SeAStep
from skaug._shell.step import HeldOut, Step
from skaug.methods.sea import smoothed_hinge
from tests._helpers import _head, _step_problem


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


def test_held_out_batches_without_weights():
    held = HeldOut(torch.arange(10.0)[:, None], torch.arange(10))
    xb, yb, wb = held.batch(4, torch.Generator().manual_seed(0))
    assert wb is None and len(yb) == 4


def test_validation_losses_weight_their_rows():
    X, y = _step_problem()
    head = _head(5, 3)
    w = torch.linspace(0.1, 3.0, len(y), dtype=X.dtype)
    ce = F.cross_entropy(head(X), y, reduction="none")
    torch.testing.assert_close(Step().validation_loss(head, X, y, w), (ce * w).sum() / len(y))
    sea = SeAStep(eta=0.2, alpha=0.01, temperature=0.5, margin=0.3, direction="sea")
    hinge = smoothed_hinge(head(X), y, 0.5, 0.3)
    torch.testing.assert_close(sea.validation_loss(head, X, y, w), (hinge * w).sum() / len(y))

