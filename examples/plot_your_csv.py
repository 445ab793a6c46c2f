"""
Reading your own CSV: what ``skaug compare`` uses, and why
==========================================================

Real files hold more than features: row identifiers, a copy of the label in
another form, numbers written with a decimal comma, a class literally called
``"NA"``. :func:`skaug.compare.load_csv` (what ``skaug compare file.csv
--target ...`` reads with) decides once what each column is and says so in a
note, so that nothing is used — or dropped — silently.
"""

# %%
# A file with the usual traps
# ---------------------------
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from skaug.compare import load_csv

rng = np.random.default_rng(0)
n = 300
label = rng.choice(["NA", "EU", "ASIA"], n, p=[0.5, 0.3, 0.2])  # "NA": North America
frame = pd.DataFrame({
    "customer_id": [f"C{i:05d}" for i in range(n)],                 # an identifier
    "spend": [f"{v:,.2f}".replace(",", " ").replace(".", ",")       # "1 234,50"
              for v in rng.gamma(2.0, 800.0, n) * (1 + (label == "EU"))],
    "visits": rng.poisson(5 + 3 * (label == "ASIA")),
    "region_code": pd.Series(label).map({"NA": 1, "EU": 2, "ASIA": 3}),  # the label again
    "region": label,
})
path = Path(tempfile.mkdtemp()) / "customers.csv"
frame.to_csv(path, index=False)
print(path.read_text().splitlines()[:4])

# %%
# What was read
# -------------
table = load_csv(path, target="region")
for note in table.notes:
    print("-", note)
print("features:", list(table.names), "| kinds:", list(table.kinds))
print("classes:", sorted(set(table.y.tolist())))

# %%
# ``spend`` is a number (its decimal comma and its space as thousands
# separator were recognised), the identifier and the recoded label are left
# out with a note each, and ``"NA"`` is one of the three classes rather than a
# missing value. ``keep=["region_code"]`` (``--keep region_code``) would use a
# column anyway; ``drop=`` leaves one out.
#
# ``skaug compare customers.csv --target region`` reads the file the same way,
# prints the same notes, and with ``--save model.skops`` stores these column
# decisions with the winning model, so ``skaug predict`` reads new raw rows
# exactly as the training rows were read.
print(table.X.head())

# %%
# The numbers as read, by class: ``spend`` is about twice as high for "EU"
# in this file, and ``visits`` higher for "ASIA".
import matplotlib.pyplot as plt

fig, axes = plt.subplots(1, 2, figsize=(7, 2.8))
classes = sorted(set(table.y.tolist()))
for ax, column in zip(axes, ["spend", "visits"]):
    ax.boxplot([table.X[column][table.y == c] for c in classes])
    ax.set_xticks(range(1, len(classes) + 1), classes)
    ax.set_title(column)
fig.tight_layout()
