"""
How much semantic augmentation? SeA's ``eta``
=============================================

:class:`~skaug.SeAClassifier` moves each training feature a step ``eta``
along the batch's semantic direction before the head sees it (``eta=0`` is
the smoothed-hinge head with no augmentation). This example scores a few
values of ``eta`` by 5-fold cross-validation on the SMS embeddings and draws
the fold-to-fold spread with each mean, so that a difference can be read
against the noise.

The answer depends on the data: run the same sweep (or ``skaug compare``) on
yours rather than trusting one default.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_score

from skaug import SeAClassifier
from skaug.datasets import load_builtin

X, y = load_builtin("sms_minilm")
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
etas = [0.0, 0.05, 0.1, 0.2]
scores = []
for eta in etas:
    model = SeAClassifier(eta=eta, max_epochs=40, class_weight="balanced", random_state=0)
    scores.append(cross_val_score(model, X, y, cv=cv, scoring="balanced_accuracy"))
    print(f"eta={eta:<5g} balanced accuracy {scores[-1].mean():.3f} ± {scores[-1].std():.3f}")

# %%
# The folds are the same for every ``eta`` (one ``cv`` object with a fixed
# seed), so the lines join each fold's scores: a setting that helps lifts most
# lines, not only the mean.
scores = np.array(scores)
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(etas, scores, color="0.8", lw=1)
ax.errorbar(etas, scores.mean(axis=1), yerr=scores.std(axis=1), fmt="o-", color="C0",
            capsize=3, label="mean ± std over 5 folds")
ax.set_xlabel("eta (step along the semantic direction)")
ax.set_ylabel("balanced accuracy")
ax.legend(loc="lower left")
fig.tight_layout()
