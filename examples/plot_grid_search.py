"""
Tuning an augmenter's parameters with ``GridSearchCV``, and saving the winner
=============================================================================

An augmenter passed to :class:`~skaug.SAflexClassifier` is a parameter
object, like a kernel in scikit-learn's Gaussian processes: its own parameters
are reached with a double underscore (``augmenter__alpha``), so one
:class:`~sklearn.model_selection.GridSearchCV` tunes the augmenter, SAflex
and the head together. The fitted winner is then saved with skops, the format
that is safe to load from someone else.
"""

# %%
import matplotlib.pyplot as plt
import pandas as pd
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skaug import Mixup, SAflexClassifier
from skaug.datasets import load_builtin

X, y = load_builtin("qsar_biodeg")
model = make_pipeline(StandardScaler(),
                      SAflexClassifier(Mixup(), max_epochs=15, random_state=0))
print(sorted(k for k in model.get_params() if "augmenter__" in k))

grid = {
    "saflexclassifier__augmenter__alpha": [0.1, 0.4, 1.0],
    "saflexclassifier__refine": [False, True],
}
search = GridSearchCV(model, grid, cv=StratifiedKFold(3, shuffle=True, random_state=0),
                      scoring="balanced_accuracy")
search.fit(X, y)
print("best:", search.best_params_, f"{search.best_score_:.3f}")

# %%
# Mean inner-CV score of each setting, with its spread over the three folds.
table = pd.DataFrame(search.cv_results_)
fig, ax = plt.subplots(figsize=(5, 3))
for refine, rows in table.groupby("param_saflexclassifier__refine"):
    ax.errorbar(rows["param_saflexclassifier__augmenter__alpha"].astype(float),
                rows["mean_test_score"], yerr=rows["std_test_score"], capsize=3,
                marker="o", label=f"refine={refine}")
ax.set_xscale("log")
ax.set_xlabel("Mixup alpha")
ax.set_ylabel("balanced accuracy (inner CV)")
ax.legend()
fig.tight_layout()

# %%
# Save and load safely
# --------------------
# :func:`skaug.persistence.dump` writes a skops file; :func:`~skaug.persistence.load`
# rebuilds only types it trusts (skaug's, numpy's, scipy's, scikit-learn's) and
# refuses anything else by name. Predictions are identical after loading.
import tempfile
from pathlib import Path

from skaug.persistence import dump, load

path = Path(tempfile.mkdtemp()) / "qsar.skops"
dump(search.best_estimator_, path)
restored = load(path)
print((restored.predict_proba(X) == search.best_estimator_.predict_proba(X)).all())
