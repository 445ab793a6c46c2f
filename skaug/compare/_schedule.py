"""Running the (model, outer fold) tasks of :func:`~skaug.compare.compare`: the longest
first, in parallel, with the time left on the progress bar; under a time budget, fold by
fold on a plan that is corrected after each fold (the plan itself: :mod:`._budget`)."""

import time

import numpy as np

from . import _protocol


def run_folds(selection, folds, which, run, n_jobs, bar, *, epochs, tune_rows, refit_rows,
              done=None):
    """Run the tasks of the outer folds ``which``, the longest first (so that no core waits
    for one at the end); ``done``: ``{name: [FoldResult]}``, extended."""
    from joblib import Parallel, delayed, effective_n_jobs

    done = {} if done is None else done
    tasks = sorted(((name, f) for f in which for name in selection),
                   key=lambda task: (-selection[task[0]].cost, task[1]))
    results = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_protocol.fit_and_score)(name, f, selection[name], train=folds[f][0],
                               test=folds[f][1], epochs=epochs, tune_rows=tune_rows,
                               refit_rows=refit_rows, **run)
        for name, f in tasks)
    workers = max(1, min(len(tasks), effective_n_jobs(n_jobs)))
    pending = [(n, f) for n, f in tasks]
    for result in results:
        done.setdefault(result.name, []).append(result)
        this = {k: kept for k, v in done.items() if (kept := [r for r in v if r.fold in which])}
        left = time_left(pending, this, workers)
        bar.set_postfix_str(f"about {_duration(left)} left" if left is not None else "")
        bar.update()
    return done


def run_budgeted(selection, folds, run, n_jobs, bar, log, *, budget, epochs, tune_rows,
                 n_train, workers):
    """Fold by fold, on a plan that fits ``budget`` seconds (see :mod:`._budget`); what it
    gives up goes to ``log`` as it is decided."""
    from sklearn_compat.utils._indexing import _safe_indexing

    from . import _budget

    start = time.perf_counter()
    train0 = folds[0][0]
    weighted = _protocol.tunes_class_weight(run["y"][train0], run["class_weight"], run["metric"])
    cost = _budget.pilot(selection, run["preprocessor"], _safe_indexing(run["X"], train0),
                         run["y"][train0], epochs=epochs, early_stopping=run["early_stopping"],
                         seed=run["seed"])
    default = _budget.Plan(tune_rows, None, epochs)
    size = dict(n_train=n_train, inner_cv=run["inner_cv"], weighted=weighted, workers=workers)
    done, scale, previous = {}, 1.0, default
    for f in range(len(folds)):
        left = budget - (time.perf_counter() - start)
        plan, estimate = _budget.choose(selection, cost, default, seconds=left,
                                        folds=len(folds) - f, scale=scale, **size)
        if plan is None and f >= 2:
            log(f"time budget: stopped after {f} of {len(folds)} outer folds; the "
                         f"next would not fit in the {left:.0f} s left")
            break
        if plan is None:  # two folds at least, for a verdict: the cheapest plan
            plan = _budget.plans(default)[-1]
            estimate = scale * (len(folds) - f) * _budget.fold_seconds(
                selection, cost, plan, **size)
        if f == 0 or plan != previous:
            change = plan.describe(n_train, default) or "no reduction"
            log(f"time budget: {'from fold ' + str(f + 1) + ': ' if f else ''}"
                         f"{change} (estimated {estimate:.0f} s for "
                         f"{len(folds) - f} fold{'s' if len(folds) - f > 1 else ''})")
        previous = plan
        fold_start = time.perf_counter()
        run_folds(selection, folds, [f], run, n_jobs, bar, epochs=plan.epochs,
                   tune_rows=plan.tune_rows, refit_rows=plan.refit_rows, done=done)
        predicted = _budget.fold_seconds(selection, cost, plan, **size)
        scale = (time.perf_counter() - fold_start) / max(predicted, 1e-9)
    log(f"time budget: {time.perf_counter() - start:.0f} s of {budget:.0f} s used")
    return done


def time_left(tasks, done, workers):
    """Seconds the remaining ``tasks`` ((name, fold) pairs) should take on ``workers``: each
    model's mean task time so far (the mean over all models for one not yet seen); None
    before any task is done."""
    finished = [f for results in done.values() for f in results]
    if not finished:
        return None
    overall = float(np.mean([f.seconds for f in finished]))
    mean = {name: float(np.mean([f.seconds for f in results])) for name, results in
            done.items()}
    counts = {name: len(results) for name, results in done.items()}
    remaining = 0.0
    for name, _ in tasks:
        if counts.get(name, 0):
            counts[name] -= 1
        else:
            remaining += mean.get(name, overall)
    return remaining / workers


def _duration(seconds):
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"
