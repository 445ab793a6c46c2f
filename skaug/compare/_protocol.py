"""The fair protocol: nested cross-validation, every model tuned alike, and the refit.

- outer stratified K-fold (optionally repeated): every score is measured on
  rows no choice ever saw;
- inside each outer training fold, every model — baselines and methods alike —
  is tuned over its own small grid (the same number of settings for every
  model) by inner stratified cross-validation on that fold only, on the
  deciding metric, then refitted on the whole training fold;
- :func:`refit_best` tunes and refits one model on all rows, as a fold does.
"""

import time
import warnings

import numpy as np

from ._metrics import REPORTED, check_metric, score, scorer
from ._registry import ALWAYS, DEFAULT_METHODS, model_for, select_models
from ._results import Comparison, FoldResult, ModelResult

#: metrics GridSearchCV knows by name (the same scores as skaug's)
SKLEARN_SCORERS = ("accuracy", "balanced_accuracy", "f1_macro")

#: Smallest class share under which the deciding metric is balanced accuracy.
IMBALANCED_SHARE = 0.2


def choose_metric(y, class_weight=None, names=()):
    """The deciding metric when none is given, and why: ``(metric, reason)``.

    Balanced accuracy when the smallest class is under 20 % of the rows, when
    ``class_weight="balanced"`` is asked for, or when a sampler pipeline runs
    (both re-weight the classes, which accuracy would penalise); accuracy
    otherwise.

    Examples
    --------
    >>> from skaug.compare import choose_metric
    >>> choose_metric([0] * 90 + [1] * 10)[0]
    'balanced_accuracy'
    >>> choose_metric([0] * 50 + [1] * 50, class_weight="balanced")
    ('balanced_accuracy', "class_weight='balanced' re-weights the classes")
    """
    from ._registry import is_sampler_model

    _, counts = np.unique(np.asarray(y), return_counts=True)
    share = counts.min() / counts.sum()
    if share < IMBALANCED_SHARE:
        return "balanced_accuracy", (f"the smallest class is {100 * share:.0f} % of the rows, "
                                     f"under {100 * IMBALANCED_SHARE:.0f} %")
    if class_weight == "balanced":
        return "balanced_accuracy", "class_weight='balanced' re-weights the classes"
    if any(is_sampler_model(n) for n in names):
        return "balanced_accuracy", "samplers re-balance the classes"
    return "accuracy", f"the smallest class is {100 * share:.0f} % of the rows"


def default_metric(y):
    """The deciding metric for labels ``y`` alone (:func:`choose_metric`)."""
    return choose_metric(y)[0]


def _innermost(n, cv, inner_cv):
    """Rows of a class of ``n`` rows left in the smallest inner training fold (worst case)."""
    outer = n - -(-n // cv)
    return outer, outer - -(-outer // inner_cv)


def _fits(n, cv, inner_cv, need):
    outer, inner = _innermost(n, cv, inner_cv)
    return n >= cv and outer >= inner_cv and inner >= need


def check_target(y, cv, inner_cv=2, *, early_stopping=False, holdouts=0):
    """Refuse targets (nested) cross-validation cannot handle, before anything is fitted,
    saying what to do.

    The smallest class must fill every outer fold and every inner fold, and
    in the smallest inner training fold keep enough rows for the stratified
    hold-outs made there: 2 for early stopping (``early_stopping``) or for a
    model's own hold-out (``holdouts``, e.g. SAflex's validation rows), 3 for
    both. The advice is a setting that passes (fewer folds, no early
    stopping), or to drop or fill the class.
    """
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError(f"the target has only one class ({str(classes[0])!r}); a classifier "
                         "needs at least two.")
    small, n = str(classes[counts.argmin()]), int(counts.min())
    need = (2 if early_stopping or holdouts else 1) + (1 if early_stopping and holdouts else 0)
    if _fits(n, cv, inner_cv, need):
        return
    outer, inner = _innermost(n, cv, inner_cv)
    if n < cv:
        problem = f"fewer than the {cv} folds of cross-validation"
    elif outer < inner_cv:
        problem = (f"an outer training fold keeps {outer} of them, fewer than the {inner_cv} "
                   "inner folds that tune each model")
    else:
        held = " and ".join(w for w, on in (("early stopping", early_stopping),
                                            ("a model's validation rows", holdouts)) if on)
        problem = (f"the smallest inner training fold keeps {inner} of them, too few to hold "
                   f"rows out for {held} (stratified: {need} needed)")
    options = [(c, i) for c in range(cv, 1, -1) for i in range(inner_cv, 1, -1)
               if (c, i) != (cv, inner_cv) and _fits(n, c, i, need)]
    if options:
        c, i = options[0]
        hint = f"use cv={c}" + (f" and inner_cv={i}" if i != inner_cv else "")
    elif early_stopping and _fits(n, cv, inner_cv, need - 1):
        hint = "turn early stopping off (early_stopping=False)"
    else:
        hint = "drop the class or add rows"
    raise ValueError(f"class {small!r} has {n} rows: {problem}; {hint}.")


def hold_outs(selection, early_stopping=True):
    """The hold-outs the most demanding model of ``selection`` makes of its training rows,
    as :func:`check_target`'s keywords."""
    def need(m):
        return (2 if m.stops_early and early_stopping or m.holds_out else 1) + \
            (1 if m.stops_early and early_stopping and m.holds_out else 0)

    if not selection:
        return {}
    top = max(selection.values(), key=need)
    return {"early_stopping": bool(top.stops_early and early_stopping),
            "holdouts": int(top.holds_out)}


def worst_group_accuracy(y_true, y_pred, groups):
    """The lowest accuracy (%) over the groups of the rows (e.g. class × attribute cells)."""
    groups = np.asarray(groups)
    return min(100 * float(np.mean(y_true[groups == g] == y_pred[groups == g]))
               for g in np.unique(groups))


def tunes_class_weight(y, class_weight, metric):
    """Whether the inner CV tunes ``class_weight`` ∈ {None, "balanced"} on labels ``y``.

    Only when the user fixed nothing (``class_weight=None``), the classes are unbalanced
    (else both are the same model) and the metric is not accuracy: re-weighting the
    classes moves each model away from what accuracy rewards, so under accuracy the
    choice would only add noise to the tuning (and double its fits), for every model
    alike.

    Examples
    --------
    >>> from skaug.compare._protocol import tunes_class_weight
    >>> y = [0] * 70 + [1] * 30
    >>> tunes_class_weight(y, None, "balanced_accuracy"), tunes_class_weight(y, None, "accuracy")
    (True, False)
    """
    _, counts = np.unique(np.asarray(y), return_counts=True)
    return bool(class_weight is None and metric != "accuracy" and counts.min() != counts.max())


def tuned_search(model, preprocessor, X, y, *, inner_cv, metric, class_weight, epochs, seed,
                 early_stopping=True):
    """The unfitted search that tunes ``model`` (a :class:`Model`) on rows ``(X, y)``.

    A pipeline ``prep`` → ``model`` over the model's grid, by stratified
    inner CV (``GridSearchCV``); ``class_weight`` joins the grid (None,
    "balanced") when :func:`tunes_class_weight` says so, else is fixed. A model with
    ``tune=False`` is the pipeline alone.
    """
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    estimator = model.make(seed, epochs)
    prep = preprocessor if isinstance(preprocessor, str) else clone(preprocessor)
    if not model.tune:
        return Pipeline([("prep", prep), ("model", estimator)])
    if model.stops_early:
        estimator.set_params(early_stopping=early_stopping, n_iter_no_change=5)
    if "covariance" in estimator.get_params() and X.shape[1] > 256:
        estimator.set_params(covariance="diag")  # docs/iada.md: full is C·d² per batch
    grid = {f"model__{k}": v for k, v in model.grid.items()}
    if model.choices is not None:
        grid["model__sampler"] = model.choices(seed)
    if "class_weight" in estimator.get_params():
        if tunes_class_weight(y, class_weight, metric):
            grid["model__class_weight"] = [None, "balanced"]
        elif class_weight is not None:
            estimator.set_params(class_weight=class_weight)
    return GridSearchCV(
        Pipeline([("prep", prep), ("model", estimator)]), grid,
        scoring=metric if metric in SKLEARN_SCORERS else scorer(metric),
        cv=StratifiedKFold(inner_cv, shuffle=True, random_state=seed), n_jobs=1,
        error_score=model.error_score,
    )


#: Rows the inner cross-validation tunes on by default (a stratified sample of a larger
#: training fold; the chosen setting is refitted on the whole fold): see docs/performance.md.
TUNE_ROWS = 2000


def tuning_sample(y, tune_rows, seed):
    """Row indices of a stratified sample of at most ``tune_rows`` of the labels ``y`` (every
    row when there are fewer): each class in proportion, and at least 10 rows of each (all of
    a smaller class), so that every class can fill the inner folds and hold-outs."""
    if tune_rows is None or len(y) <= tune_rows:
        return np.arange(len(y))
    rng = np.random.RandomState(seed)
    rows = []
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        take = min(len(members), max(10, int(round(len(members) * tune_rows / len(y)))))
        rows.append(rng.choice(members, take, replace=False))
    return np.sort(np.concatenate(rows))


def fit_tuned(search, X, y, *, tune_rows=None, seed=0, refit_rows=None):
    """Fit the ``search`` of :func:`tuned_search` on ``(X, y)``: ``(fitted model, chosen
    values)``. With ``tune_rows``, the grid is searched on :func:`tuning_sample` of the rows,
    and the chosen setting refitted on all of them (on a sample of ``refit_rows``, if given:
    a run that must fit a time budget)."""
    from sklearn.base import clone
    from sklearn_compat.utils._indexing import _safe_indexing

    refit = tuning_sample(y, refit_rows, seed)
    if not hasattr(search, "param_grid"):  # a fixed setting: fitted as it is
        return search.fit(_safe_indexing(X, refit), y[refit]), {}
    rows = tuning_sample(y, tune_rows, seed)
    if len(rows) == len(y) and len(refit) == len(y):
        search.fit(X, y)
        return search.best_estimator_, search.best_params_
    search.set_params(refit=False).fit(_safe_indexing(X, rows), y[rows])
    best = clone(search.estimator).set_params(**search.best_params_)
    return best.fit(_safe_indexing(X, refit), y[refit]), search.best_params_


def fit_and_score(name, fold, model, preprocessor, X, y, train, test, *, inner_cv, metric,
                  class_weight, epochs, seed, early_stopping=True, groups=None,
                  tune_rows=TUNE_ROWS, refit_rows=None):
    """One task of the protocol: tune ``model`` by inner CV on the training rows only
    (:func:`fit_tuned`), refit there, score the test rows. One thread (tasks run side by
    side)."""
    from sklearn_compat.utils._indexing import _safe_indexing

    from .._shell._runtime import limit_threads

    X_train = _safe_indexing(X, train)
    search = tuned_search(model, preprocessor, X_train, y[train], inner_cv=inner_cv,
                          metric=metric, class_weight=class_weight, epochs=epochs, seed=seed,
                          early_stopping=early_stopping)
    tuned = {}
    # one thread per task: small heads gain nothing from more, and tasks run side by side
    with warnings.catch_warnings(record=True) as caught, limit_threads(1):
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            fitted, tuned = fit_tuned(search, X_train, y[train], tune_rows=tune_rows, seed=seed,
                                      refit_rows=refit_rows)
            pred = fitted.predict(_safe_indexing(X, test))
        except Exception as exc:  # a model that cannot be fitted on this fold at all
            if isinstance(model.error_score, str):
                raise
            warnings.warn(f"{model.label} could not be fitted: {exc}", RuntimeWarning)
            pred = None
        seconds = time.perf_counter() - start
    names = list(dict.fromkeys([*REPORTED, metric]))
    if pred is None:
        scores = dict.fromkeys(names, float(model.error_score))
    else:
        X_test = _safe_indexing(X, test)
        scores = {m: score(m, fitted, X_test, y[test], pred) for m in names}
    if groups is not None:
        scores["worst_group_accuracy"] = (float(model.error_score) if pred is None else
                                          worst_group_accuracy(y[test], pred, groups[test]))
    return FoldResult(
        name=name, fold=fold, scores=scores, seconds=seconds,
        tuned={k.removeprefix("model__"): v for k, v in tuned.items()},
        warnings=tuple(f"{w.category.__name__}: {w.message}" for w in caught),
    )


def compare(X, y, methods=DEFAULT_METHODS, *, preprocessor=None, cv=3, repeats=1, inner_cv=2,
            metric=None, class_weight=None, epochs=50, random_state=0, n_jobs=1,
            progress=True, splits=None, baselines=ALWAYS, early_stopping=True,
            groups=None, extra_models=None, tune_rows=TUNE_ROWS, time_budget=None,
            on_note=None):
    """Cross-validate the methods and the baselines they need, each tuned by inner CV.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    methods : iterable of str, or dict of str to Model, default=DEFAULT_METHODS
        Names from :data:`~skaug.compare.MODELS` or sampler pipelines; the
        baselines are added (:func:`~skaug.compare.select_models`). A dict
        from :func:`~skaug.compare.select_models` is run as it is.
    preprocessor : transformer or "passthrough", default=None
        Fitted inside each (inner and outer) training fold before the model
        (default: StandardScaler).
    cv : int, default=3
        Outer stratified folds (shuffled with ``random_state``).
    repeats : int, default=1
        Repetitions of the outer K-fold with other shuffles (more folds for
        the verdict's test).
    inner_cv : int, default=2
        Inner stratified folds for tuning, inside each outer training fold.
    metric : {"accuracy", "balanced_accuracy", "f1_macro", "average_precision", \
"geometric_mean"} or None, default=None
        What the tuning maximises and the verdict compares (see
        :mod:`skaug.compare._metrics`); None chooses
        (:func:`~skaug.compare.choose_metric`). Accuracy and balanced
        accuracy are reported whatever decides.
    class_weight : "balanced" or None, default=None
        None tunes ``class_weight`` ∈ {None, "balanced"} for every model that
        has it when the metric is not accuracy (not on a training fold whose
        classes are balanced, where both are the same model); under accuracy it
        stays None. "balanced" fixes it for all of them.
    epochs : int, default=50
        Maximum epochs of the torch heads (each stops early on a held-out split).
    random_state : int, default=0
    n_jobs : int, default=1
        Parallel tasks (an outer fold of one model each), each on one thread;
        -1 uses every core.
    progress : bool, default=True
        A progress bar on stderr.
    splits : list of (train, test) index arrays, default=None
        Fixed outer splits (a benchmark's) instead of the stratified K-fold.
    baselines : tuple of str, default=("lr", "hgb")
        Baselines that run whatever the methods (the plain heads are added
        beside the methods that use them).
    early_stopping : bool, default=True
        Whether the torch heads stop early (on a tenth of their training
        rows) or run ``epochs`` epochs.
    groups : array-like of shape (n_samples,), default=None
        A group label per row (e.g. class × a subpopulation attribute). Each
        result then has ``worst_group_accuracy``: the lowest accuracy over
        the groups of the test rows, mean over folds. Never used for fitting
        or tuning.
    extra_models : dict of str to Model, default=None
        Further models by name (e.g. a benchmark's controls), run after the
        others under the same protocol; name them in ``methods``.
    tune_rows : int or None, default=2000
        The inner cross-validation of a training fold larger than this tunes
        on a stratified sample of this many rows (every model on the same
        rows); the chosen setting is then refitted on the whole training fold.
        None: tune on every row.
    time_budget : float or None, default=None
        Seconds the run may take. compare measures one fit of each model,
        plans the run to fit (fewer tuning rows, then fewer refit rows, then
        fewer epochs, for every model alike), corrects the plan after each
        outer fold, and says in ``notes`` what it gave up (see
        :mod:`skaug.compare._budget`).
    on_note : callable or None, default=None
        Called with each note as it is made (the plan before the run starts).

    Returns
    -------
    Comparison
        One :class:`~skaug.compare.ModelResult` per model, baselines first;
        ``.verdict()``, ``.to_frame()``.

    Examples
    --------
    >>> from skaug.compare import compare
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> result = compare(X, y, ["sea"], cv=2, epochs=2, progress=False)
    >>> result.names
    ['lr', 'hgb', 'linear', 'sea']
    >>> result.metric
    'accuracy'
    """
    from joblib import effective_n_jobs
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    from ._schedule import run_budgeted, run_folds

    y = np.asarray(y)
    X = X if hasattr(X, "iloc") else np.asarray(X)
    selection = methods if isinstance(methods, dict) else select_models(
        methods, baselines, extra_models)
    if splits is None:
        check_target(y, cv, inner_cv, **hold_outs(selection, early_stopping))
    metric = metric or choose_metric(y, class_weight, selection)[0]
    check_metric(metric, y)
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    if splits is None:
        splitter = RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats,
                                           random_state=random_state)
        splits = splitter.split(np.zeros(len(y)), y)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
    groups = None if groups is None else np.asarray(groups)
    run = dict(preprocessor=preprocessor, X=X, y=y, inner_cv=inner_cv, metric=metric,
               class_weight=class_weight, seed=random_state, early_stopping=early_stopping,
               groups=groups)
    workers = max(1, effective_n_jobs(n_jobs))
    n_train = float(np.mean([len(tr) for tr, _ in folds]))
    n_test = float(np.mean([len(te) for _, te in folds]))
    notes = []
    with tqdm(total=len(folds) * len(selection), desc="skaug compare", unit="task",
              disable=not progress,
              bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} tasks [{elapsed}{postfix}]") as bar:
        if time_budget is None:
            done = run_folds(selection, folds, range(len(folds)), run, n_jobs, bar, epochs=epochs,
                             tune_rows=tune_rows, refit_rows=None)
        else:
            def log(note):
                notes.append(note)
                if on_note is not None:
                    bar.clear()
                    on_note(note)

            done = run_budgeted(selection, folds, run, n_jobs, bar, log,
                                budget=time_budget, epochs=epochs, tune_rows=tune_rows,
                                n_train=n_train, workers=workers)
    used = sorted({f.fold for results in done.values() for f in results})
    if len(used) < len(folds):
        n_train = float(np.mean([len(folds[f][0]) for f in used]))
        n_test = float(np.mean([len(folds[f][1]) for f in used]))
    return Comparison(tuple(ModelResult.from_folds(name, selection[name], done[name], metric,
                                                   n_train, n_test) for name in selection),
                      metric, tuple(notes))


def refit_best(name, X, y, *, preprocessor=None, inner_cv=2, metric=None, class_weight=None,
               epochs=50, random_state=0, early_stopping=True, head=None,
               tune_rows=TUNE_ROWS):
    """Tune model ``name`` by inner CV on all rows, as :func:`compare` does per fold, and refit.

    Returns the fitted pipeline (preprocessing, then the model with the
    chosen values), ready to save (``skaug compare --save``). With ``head``, a
    fitted step that made ``X`` from the raw input — the
    :class:`~skaug.compare.TableColumns` of a CSV file as
    :func:`~skaug.compare.load_csv` returns it, a ``DeepFeatureExtractor`` of
    images — the pipeline starts with it, so it reads raw rows of the file
    (``pd.read_csv(new_file)``) or image paths, and predicts labels of the
    file's type.

    Examples
    --------
    >>> from skaug.compare import refit_best
    >>> from skaug.datasets import load_builtin
    >>> X, y = load_builtin("qsar_biodeg")
    >>> pipe = refit_best("lr", X, y)
    >>> pipe.named_steps["model"].C in (0.1, 1.0, 10.0)
    True
    """
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    y = np.asarray(y)
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    search = tuned_search(model_for(name), preprocessor, X, y, inner_cv=inner_cv,
                          metric=metric or choose_metric(y, class_weight, [name])[0],
                          class_weight=class_weight, epochs=epochs, seed=random_state,
                          early_stopping=early_stopping)
    fitted, _ = fit_tuned(search, X, y, tune_rows=tune_rows, seed=random_state)
    if head is None:
        return fitted
    if isinstance(head, Pipeline):  # the columns, then the features of a text column
        return Pipeline([*head.steps, *fitted.steps])
    name = "columns" if type(head).__name__ == "TableColumns" else "features"
    return Pipeline([(name, head), *fitted.steps])
