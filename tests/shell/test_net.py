"""skaug._shell.net: batches, the Step's progress, callbacks, divergence, Ctrl-C."""

import textwrap

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.callbacks import Callback

from skaug import (
    DivergenceError,
    SeAClassifier,
)
from tests._helpers import Recorder, SpySeA, run_python
from tests._instances import CLASSIFIERS, FAST


def test_verbose_shows_progress(clf, blobs, capsys):
    X, y = blobs
    clone(clf).set_params(verbose=1, max_epochs=3).fit(X, y)
    assert "3/3" in capsys.readouterr().err
    clone(clf).set_params(verbose=2, max_epochs=3).fit(X, y)
    assert "train_loss" in capsys.readouterr().out
    clone(clf).set_params(verbose=0, max_epochs=3).fit(X, y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


@pytest.mark.parametrize("lr", [1e6, 1e30])
def test_a_diverging_loss_raises_instead_of_predicting_nan(clf, blobs, lr):
    X, y = blobs
    clf.set_params(lr=lr, max_epochs=50)
    with pytest.raises(DivergenceError, match="Lower the learning rate"):
        clf.fit(X, y)


def test_a_non_finite_loss_raises(blobs):
    X, y = blobs
    with pytest.raises(DivergenceError, match="became nan"):
        SeAClassifier(lr=1e38, max_epochs=5, random_state=0).fit(X, y)


def test_sigint_reaches_a_plain_fit():
    script = textwrap.dedent("""
        import os, signal, threading
        import numpy as np
        from skaug import SAflexClassifier
        X = np.random.RandomState(0).randn(200, 5).astype(np.float32)
        y = (X[:, 0] > 0).astype(int)
        clf = SAflexClassifier(max_epochs=10**6, hidden_layer_sizes=(8,))
        threading.Timer(2, lambda: os.kill(os.getpid(), signal.SIGINT)).start()
        try:
            clf.fit(X, y)
        except KeyboardInterrupt:
            print("interrupted", hasattr(clf, "net_"))
    """)
    proc = run_python(script)
    assert proc.stdout.strip() == "interrupted False", proc.stderr


def test_batches_are_shuffled_every_epoch_and_cover_every_row(small_blobs):
    X, y = small_blobs
    clf = SpySeA(max_epochs=2, batch_size=32, random_state=0).fit(X, y)
    batches = clf.net_.step.batches
    assert len(batches) == 2 * 4
    rows = np.asarray(clf._transform_input(X.astype(np.float32)))
    orders = []
    for epoch in range(2):
        seen = torch.cat([b[0] for b in batches[4 * epoch : 4 * epoch + 4]]).numpy()
        # every training row exactly once per epoch ...
        idx = [int(np.argmin(np.abs(rows - r).sum(1))) for r in seen]
        assert sorted(idx) == list(range(len(y)))
        orders.append(idx)
    # ... in a shuffled order that changes between epochs
    assert orders[0] != sorted(orders[0]) and orders[0] != orders[1]


def test_progress_given_to_the_step_advances_one_step_at_a_time(small_blobs):
    X, y = small_blobs
    clf = SpySeA(max_epochs=3, batch_size=50, random_state=0).fit(X, y)
    progress = [b[3] for b in clf.net_.step.batches]
    total = 3 * 3
    assert progress == [i / total for i in range(total)]


def test_keyboard_interrupt_reaches_the_caller_and_leaves_nothing_fitted(small_blobs):
    X, y = small_blobs

    class CtrlC(Callback):
        def on_epoch_end(self, net, **kwargs):
            if len(net.history) == 2:
                raise KeyboardInterrupt

    clf = SeAClassifier(max_epochs=50, callbacks=[CtrlC()], random_state=0)
    with pytest.raises(KeyboardInterrupt):
        clf.fit(X, y)
    assert not hasattr(clf, "net_")


def test_user_callbacks_run_and_are_not_changed_by_fit(small_blobs):
    X, y = small_blobs
    rec = Recorder()
    clf = SeAClassifier(max_epochs=3, callbacks=[("rec", rec)], random_state=0).fit(X, y)
    assert len(dict(clf.net_.callbacks_)["rec"].states) == 3
    assert not hasattr(rec, "by_epoch")  # the parameter object itself is untouched
    assert clf.get_params()["callbacks"][0][1] is rec


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_the_fitted_net_stays_usable(Est, small_blobs):
    X, y = small_blobs
    clf = Est(**FAST[Est], max_epochs=2, random_state=0).fit(X, y)
    clf.net_.partial_fit(clf._transform_input(X.astype(np.float32)), y, epochs=1)
    assert len(clf.net_.history) == 3


def test_verbose_log_has_no_colour_codes(small_blobs, capsys):
    X, y = small_blobs
    SeAClassifier(max_epochs=3, verbose=2, early_stopping=True, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out and "\x1b" not in out


@pytest.mark.parametrize("Est", CLASSIFIERS)
def test_every_classifier_runs_the_user_s_callbacks(Est, small_blobs):
    X, y = small_blobs
    clf = Est(**FAST[Est], max_epochs=2, callbacks=[("rec", Recorder())], random_state=0)
    clf.fit(X, y)
    assert len(dict(clf.net_.callbacks_)["rec"].states) == 2

