"""Exceptions raised by skaug estimators."""


class DivergenceError(FloatingPointError):
    """Training produced a non-finite loss (the optimisation diverged).

    Raised instead of returning a model whose predictions are NaN. Lower the
    learning rate ``lr`` (or the augmentation strength) and fit again.
    """
