"""
SAflex: keep, drop or relabel an augmenter's rows
=================================================

An upstream augmenter (CutMix, Mixup, Gaussian noise, ...) makes new rows
with its own labels. :class:`~skaug.SAflexClassifier` trains on them with a
learned 0/1 weight and label per row, chosen so that each step most lowers the
loss of held-out validation rows. ``refine=False`` trains the same head on the
augmenter's rows exactly as they come: the fair "upstream only" arm.

On the QSAR biodegradation descriptors (tabular, shipped with skaug) we score
both arms for two augmenters by 5-fold cross-validation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import CutMix, GaussianNoise, SAflexClassifier
from skaug.datasets import load_builtin

X, y = load_builtin("qsar_biodeg")
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)

arms = {}
for augmenter in [CutMix(p=0.5), GaussianNoise(std=0.3)]:
    for refine in [False, True]:
        name = f"{type(augmenter).__name__}, {'SAflex' if refine else 'as is'}"
        model = make_pipeline(
            StandardScaler(),
            SAflexClassifier(augmenter, refine=refine, max_epochs=20, random_state=0),
        )
        result = cross_validate(model, X, y, cv=cv, scoring="balanced_accuracy",
                                return_estimator=True)
        arms[name] = result
        kept = [getattr(est[-1], "kept_fraction_", 1.0) for est in result["estimator"]]
        print(f"{name:25s} {result['test_score'].mean():.3f} ± "
              f"{result['test_score'].std():.3f}   augmented rows kept: {np.mean(kept):.0%}")

# %%
# ``kept_fraction_`` is the share of augmented rows SAflex gave weight 1; a
# model fitted with ``refine=False`` has no such attribute (every row is kept). The bars show the mean over the 5 folds,
# the dots each fold.
fig, ax = plt.subplots(figsize=(6, 3))
for i, (name, result) in enumerate(arms.items()):
    scores = result["test_score"]
    ax.barh(i, scores.mean(), color="C1" if "SAflex" in name else "C0", alpha=0.6)
    ax.plot(scores, np.full_like(scores, i), "k.", ms=4)
ax.set_yticks(range(len(arms)), list(arms))
ax.set_xlim(0.7, 0.95)
ax.set_xlabel("balanced accuracy (5 folds)")
fig.tight_layout()

# %%
# Whether SAflex's selection beats the augmenter as is varies with the data
# and the augmenter; ``skaug compare`` puts both arms beside tuned baselines
# with a paired test.
