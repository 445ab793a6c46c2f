"""The methods of the papers, as pure torch functions (no scikit-learn inside).

Each module holds one paper's equations; the estimator shell in
:mod:`skaug._base` calls them from the training step.
"""
