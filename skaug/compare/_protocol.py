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

from ._registry import ALWAYS, DEFAULT_METHODS, model_for, select_models
from ._results import Comparison, FoldResult, ModelResult

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


def tuned_search(model, preprocessor, X, y, *, inner_cv, metric, class_weight, epochs, seed,
                 early_stopping=True):
    """The unfitted search that tunes ``model`` (a :class:`Model`) on rows ``(X, y)``.

    A pipeline ``prep`` → ``model`` over the model's grid, by stratified
    inner CV (``GridSearchCV``); ``class_weight`` joins the grid (None,
    "balanced") when the classes are unbalanced and ``class_weight`` is None,
    else is fixed. A model with ``tune=False`` is the pipeline alone.
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
    _, counts = np.unique(y, return_counts=True)
    if "class_weight" in estimator.get_params():
        if class_weight is None and counts.min() == counts.max():
            pass  # balanced classes: class_weight="balanced" is the same model as None
        elif class_weight is None:
            grid["model__class_weight"] = [None, "balanced"]
        else:
            estimator.set_params(class_weight=class_weight)
    return GridSearchCV(
        Pipeline([("prep", prep), ("model", estimator)]), grid, scoring=metric,
        cv=StratifiedKFold(inner_cv, shuffle=True, random_state=seed), n_jobs=1,
        error_score=model.error_score,
    )


def fit_and_score(name, fold, model, preprocessor, X, y, train, test, *, inner_cv, metric,
                  class_weight, epochs, seed, early_stopping=True, groups=None):
    """One task of the protocol: tune ``model`` by inner CV on the training rows only, refit
    there, score the test rows. One thread (tasks run side by side)."""
    from sklearn.metrics import accuracy_score, balanced_accuracy_score
    from sklearn_compat.utils._indexing import _safe_indexing

    from .._shell._runtime import limit_threads

    X_train = _safe_indexing(X, train)
    search = tuned_search(model, preprocessor, X_train, y[train], inner_cv=inner_cv,
                          metric=metric, class_weight=class_weight, epochs=epochs, seed=seed,
                          early_stopping=early_stopping)
    # one thread per task: small heads gain nothing from more, and tasks run side by side
    with warnings.catch_warnings(record=True) as caught, limit_threads(1):
        warnings.simplefilter("always")
        start = time.perf_counter()
        try:
            search.fit(X_train, y[train])
            pred = search.predict(_safe_indexing(X, test))
        except Exception as exc:  # a model that cannot be fitted on this fold at all
            if isinstance(model.error_score, str):
                raise
            warnings.warn(f"{model.label} could not be fitted: {exc}", RuntimeWarning)
            pred = None
        seconds = time.perf_counter() - start
    names = ["accuracy", "balanced_accuracy"] + (["worst_group_accuracy"] if groups is not None
                                                 else [])
    if pred is None:
        scores = dict.fromkeys(names, float(model.error_score))
    else:
        scores = {"accuracy": 100 * accuracy_score(y[test], pred),
                  "balanced_accuracy": 100 * balanced_accuracy_score(y[test], pred)}
        if groups is not None:
            scores["worst_group_accuracy"] = worst_group_accuracy(y[test], pred, groups[test])
    return FoldResult(
        name=name, fold=fold, scores=scores, seconds=seconds,
        tuned={k.removeprefix("model__"): v
               for k, v in getattr(search, "best_params_", {}).items()},
        warnings=tuple(f"{w.category.__name__}: {w.message}" for w in caught),
    )


def compare(X, y, methods=DEFAULT_METHODS, *, preprocessor=None, cv=3, repeats=1, inner_cv=2,
            metric=None, class_weight=None, epochs=50, random_state=0, n_jobs=1,
            progress=True, splits=None, baselines=ALWAYS, early_stopping=True,
            groups=None, extra_models=None):
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
    metric : {"accuracy", "balanced_accuracy"} or None, default=None
        What the tuning maximises and the verdict compares; None chooses
        (:func:`~skaug.compare.choose_metric`).
    class_weight : "balanced" or None, default=None
        None tunes ``class_weight`` ∈ {None, "balanced"} for every model that
        has it (not on a training fold whose classes are balanced, where both
        are the same model); "balanced" fixes it for all of them.
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
    from joblib import Parallel, delayed
    from sklearn.model_selection import RepeatedStratifiedKFold
    from sklearn.preprocessing import StandardScaler
    from tqdm.auto import tqdm

    y = np.asarray(y)
    X = X if hasattr(X, "iloc") else np.asarray(X)
    selection = methods if isinstance(methods, dict) else select_models(
        methods, baselines, extra_models)
    if splits is None:
        check_target(y, cv, inner_cv, **hold_outs(selection, early_stopping))
    metric = metric or choose_metric(y, class_weight, selection)[0]
    if metric not in ("accuracy", "balanced_accuracy"):
        raise ValueError(f"metric must be 'accuracy' or 'balanced_accuracy', got {metric!r}.")
    preprocessor = StandardScaler() if preprocessor is None else preprocessor
    if splits is None:
        splitter = RepeatedStratifiedKFold(n_splits=cv, n_repeats=repeats,
                                           random_state=random_state)
        splits = splitter.split(np.zeros(len(y)), y)
    folds = [(np.asarray(tr), np.asarray(te)) for tr, te in splits]
    groups = None if groups is None else np.asarray(groups)
    tasks = [(name, f) for f in range(len(folds)) for name in selection]
    run = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(fit_and_score)(
            name, f, selection[name], preprocessor, X, y, *folds[f], inner_cv=inner_cv,
            metric=metric, class_weight=class_weight, epochs=epochs, seed=random_state,
            early_stopping=early_stopping, groups=groups,
        )
        for name, f in tasks
    )
    done = {}
    with tqdm(total=len(tasks), desc="skaug compare", unit="fit", disable=not progress) as bar:
        for result in run:
            done.setdefault(result.name, []).append(result)
            bar.set_postfix_str(result.name)
            bar.update()
    n_train = float(np.mean([len(tr) for tr, _ in folds]))
    n_test = float(np.mean([len(te) for _, te in folds]))
    return Comparison(tuple(ModelResult.from_folds(name, selection[name], done[name], metric,
                                                   n_train, n_test) for name in selection),
                      metric)


def refit_best(name, X, y, *, preprocessor=None, inner_cv=2, metric=None, class_weight=None,
               epochs=50, random_state=0, early_stopping=True, columns=None):
    """Tune model ``name`` by inner CV on all rows, as :func:`compare` does per fold, and refit.

    Returns the fitted pipeline (preprocessing, then the model with the
    chosen values), ready to save (``skaug compare --save``). With ``columns``
    (the fitted :class:`~skaug.compare.TableColumns` of a CSV file, as
    :func:`~skaug.compare.load_csv` returns it, and ``X`` its output) the
    pipeline starts with it, so it reads raw rows of the file's columns —
    ``pd.read_csv(new_file)`` — and predicts labels of the file's type.

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
    fitted = search.fit(X, y).best_estimator_
    if columns is None:
        return fitted
    return Pipeline([("columns", columns), *fitted.steps])
