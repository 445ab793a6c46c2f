"""
Does augmentation help on my data? ``compare`` and its verdict
==============================================================

:func:`skaug.compare.compare` (``skaug compare data.csv --target label`` on
the command line) answers the question under one protocol: outer
cross-validation; every model — the methods, their plain heads without
augmentation, a LogisticRegression and a HistGradientBoosting — tuned by the
same inner cross-validation on the training rows only; a paired, corrected
t-test of each method against the best baseline.

Here on the QSAR descriptors shipped with skaug, with a small budget so that
the example runs in seconds (the defaults use more epochs).
"""

# %%
from skaug.compare import compare
from skaug.datasets import load_builtin

X, y = load_builtin("qsar_biodeg")
result = compare(X, y, methods=["sea", "iada"], cv=3, epochs=20, progress=False,
                 random_state=0)
table = result.to_frame()
print(table[["model", "role", "accuracy", "accuracy_std", "tuned"]].to_string())

# %%
# The verdict
# -----------
# It names the best baseline, tests each method against it over the folds and
# says in words whether any method is ahead by more than the fold-to-fold
# noise. A method that does not help is a result, not a failure.
print(result.verdict())

# %%
# The table as a chart: one dot per outer fold, the method rows beside the
# baselines.
from skaug.plot import plot_comparison

ax = plot_comparison(result)
