"""Where and how a fit runs: the device, thread limits and seeding.

One policy for the classifiers, the samplers, the extractor and ``skaug
compare``: a device string from ``"auto"``; a thread limit for torch and for
BLAS/OpenMP (threadpoolctl) that is never above what the process may use on
entry and is restored after; one way to draw an integer seed from a
``random_state``; torch's global RNG seeded inside a block and restored after.
"""

import contextlib
from numbers import Integral

import numpy as np
import torch
from sklearn.utils import check_random_state

#: Multiply-adds per training batch below which a head is "small": one thread (n_threads=None).
SMALL_HEAD_FLOPS = 50_000_000


def resolve_device(device):
    """Turn ``"auto"``, ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a device string.

    ``"auto"`` picks CUDA when available, else the CPU. Asking for CUDA on a
    machine without it raises a ``ValueError`` that says what to do.
    """
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        parsed = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda' or 'cuda:N', got {device!r}."
        ) from exc
    if parsed.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} was requested but no CUDA device is available on this "
            "machine. Use device='auto' (CUDA when present, else CPU) or device='cpu'."
        )
    if parsed.type not in ("cpu", "cuda"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    return str(parsed)


def head_threads(n_threads, batch_size, widths):
    """Threads for a head whose layers have ``widths`` (inputs, hidden..., classes).

    ``n_threads`` if given; else 1 for a small head (fewer than
    :data:`SMALL_HEAD_FLOPS` multiply-adds per batch), where more threads gain
    nothing and lose much when cores are shared, else as many as torch has.
    """
    if n_threads is not None:  # an invalid value is reported by fit's validation
        return int(n_threads) if isinstance(n_threads, Integral) else 1
    try:
        flops = batch_size * sum(a * b for a, b in zip(widths, widths[1:]))
    except TypeError:  # invalid parameters: fit's validation reports them
        return 1
    return 1 if flops < SMALL_HEAD_FLOPS else torch.get_num_threads()


@contextlib.contextmanager
def limit_threads(n):
    """A block with at most ``n`` threads for torch and BLAS/OpenMP, restored after.

    Never more than the process may use on entry (an outer joblib worker's
    limit is kept). Yields the number of threads used.
    """
    from threadpoolctl import threadpool_limits

    before = torch.get_num_threads()
    n = max(1, min(int(n), before))
    torch.set_num_threads(n)
    try:
        with threadpool_limits(n):
            yield n
    finally:
        torch.set_num_threads(before)


def draw_seed(random_state):
    """An integer seed in [0, 2**31 − 1) drawn from ``random_state`` (None, int or
    ``RandomState``): the one way skaug turns a ``random_state`` into torch seeds."""
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def torch_generator(seed, device="cpu"):
    """A ``torch.Generator`` on ``device`` seeded with ``seed``."""
    return torch.Generator(device=device).manual_seed(int(seed))


@contextlib.contextmanager
def seeded(seed, device="cpu"):
    """A block in which torch's global RNG is seeded; the caller's RNG state is restored after."""
    devices = [torch.device(device)] if str(device).startswith("cuda") else []
    with torch.random.fork_rng(devices=devices, device_type="cuda"):
        torch.manual_seed(seed)
        yield
