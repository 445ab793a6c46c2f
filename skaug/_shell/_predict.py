"""Prediction of a fitted skaug classifier: logits in float64, probabilities, labels."""

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from torch.func import functional_call

from ._validation import validate_features
from .net import as_tensor

_PREDICT_CHUNK = 8192


class PredictionMixin:
    """``decision_function``, ``predict_proba``, ``predict_log_proba`` and ``predict`` from
    the fitted head ``net_.module_``; the estimator provides ``_transform_input``,
    ``_proba_logits`` and ``_thread_limit``."""

    def _logits(self, X):
        """Logits of the fitted head, computed in float64.

        Float32 matrix products may round differently with the number of rows,
        which would make a row's prediction depend on the rest of the batch;
        in float64 the difference is far below any reported digit.
        """
        check_is_fitted(self)
        X = self._transform_input(validate_features(self, X, reset=False))
        with self._thread_limit(X):
            return self._logits_of(X)

    def _logits_of(self, X):
        module = self.net_.module_.eval()
        device = next(module.parameters()).device
        state = {
            name: tensor.detach().to(torch.float64)
            for name, tensor in (*module.named_parameters(), *module.named_buffers())
        }
        chunks = []
        with torch.no_grad():
            for start in range(0, len(X), _PREDICT_CHUNK):
                batch = as_tensor(X[start : start + _PREDICT_CHUNK], device)
                chunks.append(functional_call(module, state, (batch.to(torch.float64),)).cpu())
        return torch.cat(chunks)

    def decision_function(self, X):
        """Class scores (logits of the head).

        Returns
        -------
        scores : ndarray of shape (n_samples,) for two classes, else (n_samples, n_classes)
            For two classes, the score of ``classes_[1]`` minus that of ``classes_[0]``.
        """
        logits = self._logits(X).numpy()
        if len(self.classes_) == 2:
            return logits[:, 1] - logits[:, 0]
        return logits

    def predict_proba(self, X):
        """Class probabilities.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        proba = torch.softmax(self._proba_logits(self._logits(X)), dim=1).numpy()
        return proba / proba.sum(axis=1, keepdims=True)

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`, computed as a log-softmax (finite where it underflows)."""
        return torch.log_softmax(self._proba_logits(self._logits(X)), dim=1).numpy()

    def predict(self, X):
        """Predicted class labels (of the same type as the training labels)."""
        logits = self._logits(X).numpy()
        return self.classes_[np.argmax(logits, axis=1)]
