"""Apply, one at a time, the glue-layer mutants that once passed every test; each must now fail one.

    SKAUG_DATA_DIR=/nonexistent python dev/listed_mutants.py

Each mutant is an exact text substitution in one file. The tests run
without the shared data (as in a fresh clone). The file is restored after
each run, whatever happens. Exit status 1 if any mutant survives.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = [
    "tests/test_steps.py", "tests/test_glue.py", "tests/test_base.py",
    "tests/test_sea_math.py", "tests/test_iada_math.py", "tests/test_saflex_math.py",
    "tests/test_idaa_math.py",
]

MUTANTS = [
    ("SAflex trains on the upstream labels", "skaug/_saflex.py",
     "soft_cross_entropy(logits[len(X) :], targets)", "soft_cross_entropy(logits[len(X) :], Y_aug)"),
    ("SAflex ignores its learned weights", "skaug/_saflex.py",
     "augmented = (weights * soft_cross_entropy(",
     "augmented = (torch.full_like(weights, 1 / len(weights)) * soft_cross_entropy("),
    ("IADA's epsilon sign flipped", "skaug/_iada.py",
     "direction, epsilon * spread,", "direction, -epsilon * spread,"),
    ("IADA without the lambda ramp", "skaug/_iada.py",
     "lam = self.lambda0 * progress", "lam = self.lambda0"),
    ("class_weight ignored", "skaug/_base.py",
     "if self.class_weight is not None:", "if False:"),
    ("grad_norm without the weight matrix", "skaug/methods/iada.py",
     "grad_norm = ((p - onehot) @ weight).norm(dim=1)", "grad_norm = (p - onehot).norm(dim=1)"),
    ("IDAA without its clean term", "skaug/_idaa.py",
     "return clean + self.augmented_weight * augmented",
     "return self.augmented_weight * augmented"),
    ("IDAA attack with the head in train mode", "skaug/augmenters.py",
     "model.eval()  # the attack sees", "model.train()  # the attack sees"),
    ("sea_neg ignores temperature and margin", "skaug/methods/sea.py",
     "p = smoothed_hinge_probabilities(x @ weight.T, y, temperature, margin)",
     "p = torch.softmax(x @ weight.T, dim=1)"),
    ("sea_neg keeps half of -w_y", "skaug/methods/sea.py",
     "g_hat = semantic_direction(x, p @ weight, alpha)",
     "g_hat = semantic_direction(x, p @ weight - 0.5 * weight[y], alpha)"),
    ("SeA early stopping on cross-entropy", "skaug/_sea.py",
     "smoothed_hinge(module(X), y, self.temperature, self.margin), sample_weight",
     "torch.nn.functional.cross_entropy(module(X), y, reduction='none'), sample_weight"),
    ("the shell does not shuffle", "skaug/_base.py",
     "iterator_train__shuffle=True", "iterator_train__shuffle=False"),
    ("sample weights not rescaled", "skaug/_base.py",
     "sample_weight = sample_weight / total", "sample_weight = sample_weight"),
    ("early stopping keeps the last epoch", "skaug/_base.py",
     "load_best=True", "load_best=False"),
    ("SeA eta default changed", "skaug/_sea.py", "        eta=0.2,\n", "        eta=0.3,\n"),
    ("SeA temperature default changed", "skaug/_sea.py",
     "        temperature=0.1,\n", "        temperature=0.2,\n"),
    ("IADA lambda0 default changed", "skaug/_iada.py",
     "        lambda0=0.1,\n", "        lambda0=0.5,\n"),
    ("IDAA epsilon default changed", "skaug/_idaa.py",
     "        epsilon=0.1,\n", "        epsilon=0.2,\n"),
]


def main():
    env = dict(os.environ, SKAUG_DATA_DIR=os.environ.get("SKAUG_DATA_DIR", "/nonexistent"))
    survived = []
    for name, path, old, new in MUTANTS:
        file = ROOT / path
        source = file.read_text()
        if source.count(old) != 1:
            sys.exit(f"{name}: the text to mutate is not found exactly once in {path}")
        start = time.time()
        try:
            file.write_text(source.replace(old, new))
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *TESTS],
                cwd=ROOT, env=env, capture_output=True, text=True,
            )
        finally:
            file.write_text(source)
        killed = result.returncode != 0
        failed = [ln.split(" - ")[0] for ln in result.stdout.splitlines() if ln.startswith("FAILED")]
        print(f"{'killed ' if killed else 'SURVIVED'}  {name:42s} {time.time() - start:5.0f} s  "
              f"{failed[0] if failed else ''}", flush=True)
        if not killed:
            survived.append(name)
    print(f"{len(MUTANTS) - len(survived)} of {len(MUTANTS)} listed mutants killed")
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main())
