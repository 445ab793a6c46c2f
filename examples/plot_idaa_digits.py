"""
IDAA: adversarial moves in a VAE's latent space, seen on digits
===============================================================

:class:`~skaug.IDAA` fits a small VAE to the training rows and splits each
row ``x`` into its reconstruction ``G(x)`` and the residual ``R(x) = x − G(x)``.
An augmented row keeps the residual — the details that make the row itself —
and moves only the latent code, one signed-gradient step of size ``epsilon``
up the classifier's loss: ``x' = R(x) + D(E(x) + ε·sign(∇ loss))``.

Feature rows are usually not pictures, but scikit-learn's 8×8 digits are both,
so here the augmentation can be looked at.
"""

# %%
# Fit the classifier (and its VAE) on the digits
# ----------------------------------------------
import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.datasets import load_digits

from skaug import IDAAClassifier

X, y = load_digits(return_X_y=True)
X = (X / 16.0).astype(np.float32)
clf = IDAAClassifier(epsilon=0.3, latent_dim=8, vae_epochs=60, max_epochs=30, random_state=0)
clf.fit(X, y)
print(f"training accuracy {clf.score(X, y):.3f}")

# %%
# ``clf.augmenter_`` is the fitted :class:`~skaug.IDAA`; ``clf.net_.module_``
# the torch head it attacks. Called with a batch of rows and one-hot labels,
# the augmenter returns the augmented rows and their (unchanged) labels.
idaa, head = clf.augmenter_, clf.net_.module_
rows = torch.as_tensor(X[:6])
labels = torch.nn.functional.one_hot(torch.as_tensor(y[:6]), 10).float()
with torch.no_grad():
    reconstruction = idaa.reconstruct(rows)
panels = {"row x": rows, "G(x)": reconstruction, "residual R(x)": rows - reconstruction}
for epsilon in [0.3, 1.0, 3.0]:
    idaa.set_params(epsilon=epsilon)
    augmented, _ = idaa(rows, labels, torch.Generator().manual_seed(0), model=head)
    panels[f"x', ε={epsilon:g}"] = augmented.detach()
_ = idaa.set_params(epsilon=clf.epsilon)  # back to the fitted value

# %%
# Each column is one digit. The reconstruction is a blurred prototype; the
# residual holds the strokes particular to this row; the augmented rows keep
# that residual and change the prototype, more with a larger ``epsilon``. Rows
# are drawn on one grey scale (0 to 1); the residual, which has either sign, in
# red (negative) and blue (positive).
fig, axes = plt.subplots(len(panels), 6, figsize=(6, 1.1 * len(panels)))
for r, (title, images) in enumerate(panels.items()):
    for c in range(6):
        ax = axes[r, c]
        image = images[c].reshape(8, 8).numpy()
        if title.startswith("residual"):
            ax.imshow(image, cmap="RdBu", vmin=-0.5, vmax=0.5)
        else:
            ax.imshow(image, cmap="gray_r", vmin=0, vmax=1)
        ax.set_xticks([]), ax.set_yticks([])
    axes[r, 0].set_ylabel(title, rotation=0, ha="right", va="center", fontsize=8)
fig.tight_layout()
