"""The methods of the papers, as pure torch functions (no scikit-learn inside).

Each module holds one paper's equations; the estimator shell in
:mod:`skaug._shell.step` calls them from the training step.
"""
