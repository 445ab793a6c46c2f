"""
Augmentation in front of any model: samplers beside SMOTE
=========================================================

Every augmentation in skaug also exists as an imbalanced-learn sampler
(:mod:`skaug.samplers`): it adds synthetic rows of the rare classes during
``fit`` only, in front of whatever model you prefer. Here the model is
scikit-learn's :class:`~sklearn.ensemble.HistGradientBoostingClassifier`,
the usual strong baseline on tabular data, and the data set is the QSAR
descriptors with the "ready biodegradable" class cut down to one row in ten.

All arms see the same folds (5-fold, repeated twice); the score is the
balanced accuracy.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.pipeline import make_pipeline
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import RepeatedStratifiedKFold, cross_val_score

from skaug.datasets import load_builtin
from skaug.samplers import CutMixSampler, ISDASampler, NoiseSampler

X, y = load_builtin("qsar_biodeg")
rng = np.random.default_rng(0)
rare = np.flatnonzero(y == "RB")
keep = np.concatenate([np.flatnonzero(y == "NRB"), rng.choice(rare, len(rare) // 10,
                                                                replace=False)])
X, y = X[keep], y[keep]
classes, counts = np.unique(y, return_counts=True)
print("rows per class:", dict(zip(classes.tolist(), counts.tolist())))

cv = RepeatedStratifiedKFold(n_splits=5, n_repeats=2, random_state=0)
arms = {
    "HGB alone": None,
    "SMOTE": SMOTE(random_state=0),
    "CutMixSampler": CutMixSampler(random_state=0),
    "NoiseSampler": NoiseSampler(random_state=0),
    "ISDASampler": ISDASampler(random_state=0),
}
scores = {}
for name, sampler in arms.items():
    steps = [HistGradientBoostingClassifier(random_state=0)]
    model = make_pipeline(*([sampler] if sampler is not None else []), *steps)
    scores[name] = cross_val_score(model, X, y, cv=cv, scoring="balanced_accuracy")
    print(f"{name:14s} {scores[name].mean():.3f} ± {scores[name].std():.3f}")

# %%
# Dots are the ten folds; a sampler helps here if it lifts the whole cloud, not
# one fold. The samplers' own parameters (``p`` of CutMix, ``lambda0`` of
# ISDA, ...) are at their defaults: tune them with the model in one
# ``GridSearchCV`` (see :ref:`sphx_glr_auto_examples_plot_grid_search.py`).
fig, ax = plt.subplots(figsize=(6, 3))
for i, (name, values) in enumerate(scores.items()):
    ax.plot(values, np.full_like(values, i) + rng.uniform(-0.12, 0.12, len(values)),
            ".", color="C0" if i == 0 else "C1", alpha=0.7)
    ax.plot([values.mean()] * 2, [i - 0.3, i + 0.3], "k-", lw=2)
ax.set_yticks(range(len(scores)), list(scores))
ax.invert_yaxis()
ax.set_xlabel("balanced accuracy (10 folds; bar = mean)")
fig.tight_layout()
