"""skaug.methods.common: unit rows at any scale."""

import pytest
import torch

from skaug.methods.common import unit_normalize


def test_unit_normalize_cannot_overflow_or_underflow():
    rows = torch.tensor([[3e20, 4e20], [3e-30, 4e-30], [0.0, 0.0], [3e38, -3e38]])
    want = torch.tensor([[0.6, 0.8], [0.6, 0.8], [0.0, 0.0], [2**-0.5, -(2**-0.5)]])
    torch.testing.assert_close(unit_normalize(rows), want)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_unit_normalize_is_the_same_on_both_paths(dtype):
    # Ordinary rows take one norm and one division; one extreme row sends the
    # whole batch through the rescaled path. Both give the same unit rows.
    x = torch.randn(64, 7, generator=torch.Generator().manual_seed(0), dtype=dtype)
    ordinary = unit_normalize(x)
    torch.testing.assert_close(ordinary.norm(dim=1), torch.ones(64, dtype=dtype))
    tiny = torch.finfo(dtype).tiny
    # tiny^(1/2) / 64: squares in the subnormal range, where a plain norm loses
    # float32 digits (8e-6 relative) — the rescaled path must take such rows.
    for extreme in (tiny ** 0.5 / 64, tiny ** 0.5, tiny ** 0.25, 1 / tiny ** 0.25,
                    1 / tiny ** 0.5):
        mixed = unit_normalize(torch.cat([x, x[:1] * extreme]))
        torch.testing.assert_close(mixed[:64], ordinary)
        torch.testing.assert_close(mixed[64], ordinary[0])

