"""
Your first augmented classifier
===============================

skaug's classifiers are ordinary scikit-learn estimators. Here
:class:`~skaug.SeAClassifier` learns a linear head on fixed sentence
embeddings (1,500 SMS messages embedded by MiniLM, shipped with skaug) and is
scored beside a plain :class:`~sklearn.linear_model.LogisticRegression` on the
same held-out rows.

Spam is 13 % of the messages, so the score is the balanced accuracy (the mean
of the per-class recalls): predicting "ham" everywhere scores 0.5.
"""

# %%
# Load the features and hold out a test set
# -----------------------------------------
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.model_selection import train_test_split

from skaug import SeAClassifier
from skaug.datasets import load_builtin

X, y = load_builtin("sms_minilm")
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
classes, counts = np.unique(y, return_counts=True)
print(X.shape, dict(zip(classes.tolist(), counts.tolist())))

# %%
# Fit both models
# ---------------
# ``early_stopping=True`` holds out 10 % of the training rows (stratified) and
# stops when their loss has not improved for ``n_iter_no_change`` epochs.
# ``class_weight="balanced"`` weighs each class by the inverse of its size, as
# in scikit-learn.
sea = SeAClassifier(early_stopping=True, class_weight="balanced", random_state=0)
sea.fit(X_train, y_train)
lr = LogisticRegression(class_weight="balanced", max_iter=1000).fit(X_train, y_train)

for name, model in [("SeAClassifier", sea), ("LogisticRegression", lr)]:
    score = balanced_accuracy_score(y_test, model.predict(X_test))
    print(f"{name:20s} balanced accuracy {score:.3f}")

# %%
# One split is one draw: the difference between two such scores is often within
# the split-to-split spread. :func:`skaug.compare.compare` (and ``skaug compare``
# on the command line) repeats the split and tunes every model the same way;
# see :ref:`sphx_glr_auto_examples_plot_compare_verdict.py`.
#
# How training went
# -----------------
# The loss per epoch on the training rows and on the held-out rows that early
# stopping watched.
from skaug.plot import plot_training_curves

ax = plot_training_curves(sea, label="SeA")
ax.set_title(f"SeAClassifier stopped after {sea.n_iter_} epochs")
