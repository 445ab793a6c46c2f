"""The models :func:`~skaug.compare.compare` knows: one table, and the sampler pipelines.

:data:`MODELS` has one row per model — its name, label, role (baseline or
method), factory, tuning grid, the plain head that runs beside it and
whether ``skaug compare`` runs it by default. Adding a method to ``skaug
compare`` is one row here. Sampler pipelines ``"<sampler>+<lr|hgb>"`` are
built from :data:`SAMPLERS` and :data:`SAMPLER_FAMILIES` on demand.

Factories import skaug's estimators only when called, so the table (and
``skaug --help``) needs no torch.
"""

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Model:
    """A model of the comparison.

    ``make(random_state, epochs)`` returns a fresh estimator; ``grid`` maps
    its parameter names to the values tried by inner cross-validation
    (``class_weight`` is added to every grid, see
    :func:`~skaug.compare.tuned_search`).
    """

    label: str
    role: str  # "baseline" or "method"
    make: object
    grid: dict = field(default_factory=dict)
    #: what a failing grid point scores in the inner CV: "raise" stops (a bug shows);
    #: a choice among samplers, some of which refuse some data (ADASYN), skips them; and a
    #: number is the score of a fold on which the model cannot be fitted at all.
    error_score: object = "raise"
    #: False: fitted as ``make`` returns it, without inner CV or a ``class_weight`` grid
    #: (a fixed setting, e.g. an estimator's defaults in the defaults benchmark)
    tune: bool = True
    #: the plain head (a baseline's name) that runs beside this method
    plain: str | None = None
    #: run by ``skaug compare`` when no methods are named
    default: bool = False
    #: run by ``skaug compare`` on images and texts (deep features) when none are named
    deep: bool = False
    #: a baseline that runs whatever the methods
    always: bool = False
    #: for a family of samplers: ``choices(seed)`` gives the grid's sampler instances
    choices: object = None
    #: a skaug head: the run's early stopping applies to it (``early_stopping``,
    #: ``n_iter_no_change=5``)
    stops_early: bool = False
    #: stratified hold-outs the model makes of its own training rows (SAflex's validation
    #: rows), which the smallest class must be able to fill
    holds_out: int = 0
    #: seconds of a task relative to LogisticRegression's (benchmarks/results/compare_cost_*):
    #: the longest tasks are started first
    cost: float = 1.0


def _skaug(name):
    import skaug

    return getattr(skaug, name)


def _lr(rs, ep):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=5000)


def _hgb(rs, ep):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(random_state=rs)


def _linear(rs, ep):
    # IADA's linear head (Adam, lr 1e-2) with plain cross-entropy: the same model as
    # IADAClassifier(perturbation="constant", epsilon=0, lambda0=0), without its statistics
    return _skaug("IDAAClassifier")(augmented_weight=0.0, head="linear", lr=1e-2, max_epochs=ep,
                                    random_state=rs)


def _mlp(rs, ep):  # the MLP head of SAflex, CutMix and IDAA, without augmentation
    return _skaug("IDAAClassifier")(augmented_weight=0.0, max_epochs=ep, random_state=rs)


def _saflex(**params):
    return lambda rs, ep: _skaug("SAflexClassifier")(_skaug("CutMix")(), max_epochs=ep,
                                                     random_state=rs, **params)


def _iada(perturbation):
    # lambda0 written out: compare's IADA models (and the protocol tables made with
    # them) keep ISDA's covariance term, whatever the estimator's default
    return lambda rs, ep: _skaug("IADAClassifier")(perturbation=perturbation, head="linear",
                                                   lambda0=0.1, max_epochs=ep, random_state=rs)


#: The one table: every model by name, baselines first.
MODELS = {
    "lr": Model("LogisticRegression", "baseline", _lr, {"C": [0.1, 1.0, 10.0]}, always=True),
    "hgb": Model("HistGradientBoosting", "baseline", _hgb,
                 {"learning_rate": [0.03, 0.1, 0.3]}, always=True, cost=10),
    "linear": Model("linear head, no augmentation", "baseline", _linear,
                    {"weight_decay": [0.0, 1e-4, 1e-3]}, stops_early=True, cost=9),
    "mlp": Model("MLP head, no augmentation", "baseline", _mlp,
                 {"weight_decay": [0.0, 1e-4, 1e-3]}, stops_early=True, cost=30),
    "sea": Model("SeA", "method",
                 lambda rs, ep: _skaug("SeAClassifier")(max_epochs=ep, random_state=rs),
                 {"eta": [0.0, 0.2, 0.4]}, plain="linear", default=True, deep=True,
                 stops_early=True, cost=5),
    "iada": Model("IADA (class strengths)", "method", _iada("class"),
                  {"epsilon": [0.0, 0.5, 1.0]}, plain="linear", deep=True, stops_early=True,
                  cost=15),
    "meta-iada": Model("Meta-IADA", "method", _iada("meta"), {"epsilon": [0.0, 0.5, 1.0]},
                       plain="linear", stops_early=True, cost=25),
    "cutmix": Model("CutMix (MLP head)", "method", _saflex(refine=False),
                    {"augmenter__p": [0.0, 0.2, 0.5]}, plain="mlp", stops_early=True, cost=40),
    "saflex": Model("SAflex(CutMix)", "method", _saflex(), {"augmenter__p": [0.0, 0.5, 0.9]},
                    plain="mlp", default=True, stops_early=True, holds_out=1, cost=100),
    "saflex-paper": Model("SAflex(CutMix), paper setting", "method",
                          _saflex(rescale=False, beta=1.0, temperature=0.01,
                                  validation_interval=1),
                          {"augmenter__p": [0.0, 0.5, 0.9]}, plain="mlp", stops_early=True,
                          holds_out=1, cost=120),
    "idaa": Model("IDAA (MLP head)", "method",
                  lambda rs, ep: _skaug("IDAAClassifier")(augmented_weight=1.0, max_epochs=ep,
                                                          random_state=rs),
                  {"epsilon": [0.0, 0.1, 0.3]}, plain="mlp", default=True, deep=True,
                  stops_early=True, cost=100),
}

BASELINES = tuple(n for n, m in MODELS.items() if m.role == "baseline")
DEFAULT_METHODS = tuple(n for n, m in MODELS.items() if m.default)
DEEP_METHODS = tuple(n for n, m in MODELS.items() if m.deep)
ALWAYS = tuple(n for n, m in MODELS.items() if m.always)

#: Samplers for ``"<sampler>+<model>"`` pipelines: imbalanced-learn's (baselines) and
#: skaug's (:mod:`skaug.samplers`, methods), each at its defaults.
SAMPLERS = {
    "smote": ("imblearn.over_sampling", "SMOTE", "baseline"),
    "adasyn": ("imblearn.over_sampling", "ADASYN", "baseline"),
    "borderline-smote": ("imblearn.over_sampling", "BorderlineSMOTE", "baseline"),
    "cutmix-sampler": ("skaug.samplers", "CutMixSampler", "method"),
    "mixup-sampler": ("skaug.samplers", "MixupSampler", "method"),
    "noise-sampler": ("skaug.samplers", "NoiseSampler", "method"),
    "isda-sampler": ("skaug.samplers", "ISDASampler", "method"),
    "sea-sampler": ("skaug.samplers", "SeASampler", "method"),
    "idaa-sampler": ("skaug.samplers", "IDAASampler", "method"),
    "saflex-sampler": ("skaug.samplers", "SAflexSampler", "method"),
}

#: Sampler choices for ``"<family>+<model>"`` pipelines: the sampler itself is tuned,
#: among seven of a library's (at their defaults but the settings listed), jointly with
#: the model's grid, by the inner CV. A grid point whose sampler refuses the data (ADASYN
#: without neighbours of another class) is skipped, not fatal.
SAMPLER_FAMILIES = {
    "imblearn-samplers": ("baseline", "imbalanced-learn's samplers, chosen by inner CV", (
        ("imblearn.over_sampling", "SMOTE", {"k_neighbors": 3}),
        ("imblearn.over_sampling", "SMOTE", {}),
        ("imblearn.over_sampling", "BorderlineSMOTE", {"kind": "borderline-1"}),
        ("imblearn.over_sampling", "BorderlineSMOTE", {"kind": "borderline-2"}),
        ("imblearn.over_sampling", "ADASYN", {}),
        ("imblearn.over_sampling", "SVMSMOTE", {}),
        ("imblearn.over_sampling", "RandomOverSampler", {}),
    )),
    "skaug-samplers": ("method", "skaug's samplers, chosen by inner CV", tuple(
        (module, cls, {}) for module, cls, role in SAMPLERS.values() if role == "method")),
}
SAMPLER_MODELS = ("lr", "hgb")


def models():
    """The one table (:data:`MODELS`): every model by name, baselines first."""
    return dict(MODELS)


def is_sampler_model(name):
    """Whether ``name`` is a ``"<sampler>+<model>"`` pipeline (e.g. ``"smote+hgb"``) or a
    ``"<family>+<model>"`` one (:data:`SAMPLER_FAMILIES`, e.g. ``"skaug-samplers+hgb"``)."""
    sampler, _, model = name.partition("+")
    return (sampler in SAMPLERS or sampler in SAMPLER_FAMILIES) and model in SAMPLER_MODELS


def needs_imbalanced_learn(names):
    """Whether any of ``names`` needs imbalanced-learn (a sampler pipeline)."""
    return any(is_sampler_model(n) for n in names)


def _sampler_class(name, module, cls):
    import importlib

    try:
        return getattr(importlib.import_module(module), cls)
    except ImportError as exc:
        raise ImportError(f"{name} needs imbalanced-learn: pip install 'skaug[samplers]'.") \
            from exc


def sampler_model(name):
    """The :class:`Model` of ``"<sampler>+<model>"``: an imbalanced-learn pipeline, the
    sampler (at its defaults) then the model, over the model's own grid; for a family
    (:data:`SAMPLER_FAMILIES`) the grid also chooses the sampler.

    Examples
    --------
    >>> from skaug.compare import sampler_model
    >>> sampler_model("smote+hgb").label
    'SMOTE → HistGradientBoosting'
    >>> model = sampler_model("skaug-samplers+lr")
    >>> model.label, len(model.grid["sampler"]), model.grid["model__C"]
    ("skaug's samplers, chosen by inner CV → LogisticRegression", 7, [0.1, 1.0, 10.0])
    """
    sampler, _, model = name.partition("+")
    base = MODELS[model]
    grid = {f"model__{k}": v for k, v in base.grid.items()}
    if sampler in SAMPLER_FAMILIES:
        role, label, options = SAMPLER_FAMILIES[sampler]
        classes = [(_sampler_class(name, module, cls), kw) for module, cls, kw in options]

        def choices(rs):
            return [cls(random_state=rs, **kw) for cls, kw in classes]

        def make(rs, ep):
            from imblearn.pipeline import Pipeline

            return Pipeline([("sampler", choices(rs)[0]), ("model", base.make(rs, ep))])

        # the random_state of the candidates: compare's seed (the grid holds instances)
        return Model(f"{label} → {base.label}", role, make, {"sampler": choices(0), **grid},
                     error_score=np.nan, choices=choices, cost=7 * (base.cost + 5))
    module, cls, role = SAMPLERS[sampler]
    sampler_cls = _sampler_class(name, module, cls)

    def make(rs, ep):
        from imblearn.pipeline import Pipeline

        return Pipeline([("sampler", sampler_cls(random_state=rs)),
                         ("model", base.make(rs, ep))])

    return Model(f"{cls} → {base.label}", role, make, grid,
                 holds_out=int(sampler == "saflex-sampler"), cost=base.cost + 5)


def model_for(name):
    """The :class:`Model` named ``name``: a row of :data:`MODELS`, or a sampler pipeline."""
    return sampler_model(name) if is_sampler_model(name) else MODELS[name]


def select_models(methods=DEFAULT_METHODS, baselines=ALWAYS, extra_models=None):
    """The models a comparison runs, by name: the baselines they need first, then the methods.

    ``methods``: names (``"all"`` names every method; a comma-separated string
    is split). The baselines in ``baselines`` run whatever is asked; each
    method's plain head runs beside it (the linear head beside SeA and IADA,
    the MLP head beside CutMix, SAflex and IDAA). ``extra_models`` (name →
    :class:`Model`) are run after the others when named in ``methods``.

    Returns
    -------
    dict of str to Model
        In the order they are run and reported.

    Examples
    --------
    >>> from skaug.compare import select_models
    >>> list(select_models(["saflex", "sea"]))
    ['lr', 'hgb', 'linear', 'mlp', 'saflex', 'sea']
    """
    extra = dict(extra_models or {})
    if isinstance(methods, str):
        methods = methods.split(",")
    names = [m.strip() if m.strip() in extra else m.strip().lower()
             for m in methods if m.strip()]
    unknown = [m for m in names if m not in MODELS and m != "all" and m not in extra
               and not is_sampler_model(m)]
    if unknown:
        raise ValueError(f"unknown method(s) {', '.join(unknown)}; choose from "
                         f"{', '.join(MODELS)}, 'all', or a sampler pipeline "
                         f"'<sampler>+lr' / '<sampler>+hgb' with <sampler> one of "
                         f"{', '.join([*SAMPLERS, *SAMPLER_FAMILIES])}.")
    if "all" in names:
        names = [*MODELS, *(n for n in names if n != "all" and n not in MODELS)]
    chosen = [m for m in dict.fromkeys(names) if m not in BASELINES and m not in extra]
    chosen += [m for m in dict.fromkeys(names) if m in extra]
    needed = set(baselines) | {m for m in names if m in BASELINES}
    needed |= {MODELS[m].plain for m in chosen if m in MODELS and MODELS[m].plain}
    selection = {b: MODELS[b] for b in BASELINES if b in needed}
    for m in chosen:
        selection[m] = extra[m] if m in extra else model_for(m)
    return selection
