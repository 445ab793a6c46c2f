"""A comparison that fits a time budget: a cost model measured on this machine, a plan, and
the plan corrected after every outer fold — what it gave up always said.

The cost of a task (tuning and refitting one model on one outer training fold) is
nearly proportional to the rows its fits see: ``c_m × (candidates × inner folds ×
tuning rows × (inner − 1)/inner + refit rows)``, with ``c_m`` the seconds per row of
one fit of model ``m``, measured by one pilot fit on this machine. The plan gives up,
in this order and only as far as needed, for every model alike: tuning rows (2,000,
then 1,000, then 500), then refit rows (all, then 10,000, 5,000, 2,000), then
epochs (the run's, then 20, then 10). After each outer fold the estimate is scaled
by what the fold really took, and the plan of the folds left is made again; when
not even the cheapest plan fits what is left, the run stops with the folds it has.
"""

import time
from dataclasses import dataclass, replace

import numpy as np

TUNE_LEVELS = (2000, 1000, 500)
REFIT_LEVELS = (None, 10000, 5000, 2000)
EPOCH_LEVELS = (None, 20, 10)
#: Share of the budget a plan may fill (the rest absorbs estimation error).
MARGIN = 0.85


@dataclass(frozen=True)
class Plan:
    """How a budgeted run tunes and refits: the rows and epochs every model gets."""

    tune_rows: int | None
    refit_rows: int | None
    epochs: int

    def describe(self, n_train, default):
        parts = []
        if self.tune_rows is not None and self.tune_rows < min(n_train, default.tune_rows or
                                                                 n_train):
            parts.append(f"tuning on {self.tune_rows:,} of the {n_train:,.0f} training rows "
                         f"per fold (default {min(n_train, default.tune_rows or n_train):,.0f})")
        if self.refit_rows is not None and self.refit_rows < n_train:
            parts.append(f"refitting on {self.refit_rows:,} of them (a stratified sample) "
                         "instead of all")
        if self.epochs < default.epochs:
            parts.append(f"at most {self.epochs} epochs (default {default.epochs})")
        return "; ".join(parts)


def plans(default):
    """Every plan, from the default to the cheapest, each giving up a little more."""
    out = [default]
    for tune in TUNE_LEVELS:
        if default.tune_rows is None or tune < default.tune_rows:
            out.append(replace(out[-1], tune_rows=tune))
    for refit in REFIT_LEVELS[1:]:
        out.append(replace(out[-1], refit_rows=refit))
    for epochs in EPOCH_LEVELS[1:]:
        if epochs < default.epochs:
            out.append(replace(out[-1], epochs=epochs))
    return out


def pilot(selection, preprocessor, X, y, *, epochs, early_stopping, seed, rows=1000):
    """Seconds per training row of one fit of each model here: ``{name: c_m}``, from one fit
    on a stratified sample of at most ``rows`` rows (the model at its first grid point)."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline
    from sklearn_compat.utils._indexing import _safe_indexing

    from .._shell._runtime import limit_threads
    from ._protocol import tuning_sample

    sample = tuning_sample(y, rows, seed)
    X_s, y_s = _safe_indexing(X, sample), y[sample]
    cost = {}
    for name, model in selection.items():
        estimator = model.make(seed, epochs)
        if model.stops_early:
            estimator.set_params(early_stopping=early_stopping, n_iter_no_change=5)
        if model.choices is not None:
            estimator.set_params(sampler=model.choices(seed)[0])
        prep = preprocessor if isinstance(preprocessor, str) else clone(preprocessor)
        pipe = Pipeline([("prep", prep), ("model", estimator)])
        with limit_threads(1):
            start = time.perf_counter()
            try:
                pipe.fit(X_s, y_s)
            except Exception:  # noqa: BLE001 - the run itself reports a model that fails
                pass
            cost[name] = (time.perf_counter() - start) / len(sample)
    return cost


def task_seconds(model, c, plan, n_train, inner_cv, weighted):
    """The estimated seconds of one task of ``model`` under ``plan``."""
    candidates = int(np.prod([len(v) for v in model.grid.values()])) if model.tune else 0
    candidates *= 2 if weighted else 1
    tune = min(n_train, plan.tune_rows or n_train)
    refit = min(n_train, plan.refit_rows or n_train)
    return c * (candidates * inner_cv * tune * (inner_cv - 1) / inner_cv + refit)


def fold_seconds(selection, cost, plan, n_train, inner_cv, weighted, workers):
    """Estimated wall seconds of one outer fold: its tasks shared by ``workers`` (the longest
    first), never less than its longest task."""
    tasks = sorted((task_seconds(m, cost[n], plan, n_train, inner_cv, weighted)
                    for n, m in selection.items()), reverse=True)
    loads = [0.0] * workers
    for t in tasks:
        loads[int(np.argmin(loads))] += t
    return max(loads)


def choose(selection, cost, default, *, seconds, n_train, inner_cv, weighted, workers, folds,
           scale=1.0):
    """The least reduced plan whose ``folds`` folds fit ``seconds`` (or None)."""
    for plan in plans(default):
        estimate = scale * folds * fold_seconds(selection, cost, plan, n_train, inner_cv,
                                                weighted, workers)
        if estimate <= MARGIN * seconds:
            return plan, estimate
    return None, None
