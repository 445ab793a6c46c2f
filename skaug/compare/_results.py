"""What :func:`skaug.compare.compare` returns: typed records, and a DataFrame on demand."""

from dataclasses import dataclass, field

import numpy as np

from ._stats import verdict


def tuned_summary(choices):
    """``eta=0.2 ×2, 0.4 ×1; class_weight=None ×3`` from the best parameters of each fold."""
    parts = []
    for key in choices[0] if choices else ():
        values = [repr(c[key]) if isinstance(c[key], str) else f"{c[key]:g}"
                  if isinstance(c[key], float) else str(c[key]) for c in choices]
        counted = {v: values.count(v) for v in dict.fromkeys(values)}
        parts.append(f"{key}=" + ", ".join(f"{v} ×{n}" for v, n in counted.items()))
    return "; ".join(parts)


@dataclass(frozen=True)
class FoldResult:
    """One model on one outer fold: its scores (%), fit time and the values tuning chose."""

    name: str
    fold: int
    scores: dict  # metric -> % on the fold's test rows
    seconds: float
    tuned: dict
    warnings: tuple = ()


@dataclass(frozen=True)
class ModelResult:
    """One model over the outer folds of :func:`~skaug.compare.compare` (scores in %).

    ``scores`` are the deciding metric's fold scores, in fold order (paired
    with every other model's); ``fold_scores`` holds each metric's.
    """

    name: str
    label: str
    role: str
    metric: str
    fold_scores: dict
    fit_seconds: float
    tuned: str
    warnings: tuple
    n_train: float
    n_test: float
    folds: tuple = field(default=(), repr=False)

    @property
    def scores(self):
        return self.fold_scores[self.metric]

    def mean(self, metric=None):
        return float(np.mean(self.fold_scores[metric or self.metric]))

    def std(self, metric=None):
        return float(np.std(self.fold_scores[metric or self.metric]))

    @property
    def accuracy(self):
        return self.mean("accuracy")

    @property
    def accuracy_std(self):
        return self.std("accuracy")

    @property
    def balanced_accuracy(self):
        return self.mean("balanced_accuracy")

    @property
    def balanced_accuracy_std(self):
        return self.std("balanced_accuracy")

    @property
    def worst_group_accuracy(self):
        """Lowest accuracy over the groups of the test rows, mean over folds (with ``groups``)."""
        return self.mean("worst_group_accuracy") if "worst_group_accuracy" in self.fold_scores \
            else None

    @property
    def worst_group_accuracy_std(self):
        return self.std("worst_group_accuracy") if "worst_group_accuracy" in self.fold_scores \
            else None

    @classmethod
    def from_folds(cls, name, model, folds, metric, n_train, n_test):
        folds = tuple(sorted(folds, key=lambda f: f.fold))  # paired with the other models'
        metrics = folds[0].scores.keys()
        return cls(
            name=name, label=model.label, role=model.role, metric=metric,
            fold_scores={m: tuple(f.scores[m] for f in folds) for m in metrics},
            fit_seconds=float(np.mean([f.seconds for f in folds])),
            tuned=tuned_summary([f.tuned for f in folds]),
            warnings=tuple(sorted({w for f in folds for w in f.warnings})),
            n_train=n_train, n_test=n_test, folds=folds,
        )


@dataclass(frozen=True)
class Comparison:
    """The results of :func:`~skaug.compare.compare`, baselines first.

    Iterate over it for :class:`ModelResult` records, index it by position or
    by model name, ask for :meth:`verdict` or a DataFrame (:meth:`to_frame`).
    ``notes`` says what the run changed from what was asked (e.g. to fit a
    time budget).
    """

    results: tuple
    metric: str
    notes: tuple = ()

    def __iter__(self):
        return iter(self.results)

    def __len__(self):
        return len(self.results)

    def __getitem__(self, key):
        if isinstance(key, str):
            for r in self.results:
                if r.name == key:
                    return r
            raise KeyError(key)
        return self.results[key]

    @property
    def names(self):
        return [r.name for r in self.results]

    def best(self, role=None):
        """The result with the highest mean deciding metric (of ``role``, if given)."""
        pool = [r for r in self.results if role is None or r.role == role]
        return max(pool, key=lambda r: r.mean())

    def verdict(self, alpha=0.05):
        """Each method against the best baseline (:func:`skaug.compare.verdict`)."""
        return verdict(self.results, self.metric, alpha)

    def to_frame(self):
        """One row per model (index: its name), means and stds in %, as a pandas DataFrame."""
        import pandas as pd

        rows = []
        for r in self.results:
            row = {"model": r.label, "role": r.role}
            for m in r.fold_scores:
                row[m], row[f"{m}_std"] = r.mean(m), r.std(m)
            row.update(fit_seconds=r.fit_seconds, tuned=r.tuned, n_train=r.n_train,
                       n_test=r.n_test)
            rows.append(row)
        return pd.DataFrame(rows, index=pd.Index(self.names, name="name"))
