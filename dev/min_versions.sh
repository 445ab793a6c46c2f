#!/usr/bin/env bash
# The oldest versions pyproject.toml accepts, installed together in a fresh virtual
# environment, and the tests that do not need the optional extras run against them:
#
#     bash dev/min_versions.sh [venv-dir]
#
# torch is the exception: this script takes torch 2.13.0 (the CPU build that installs
# quickly here), not the floor 2.6, which it does not test.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${1:-/tmp/skaug-min-versions}
python -m venv --clear "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "torch==2.13.0" "numpy==1.25.2" "scipy==1.10.1" "scikit-learn==1.6.1" "skorch==1.2.0" \
    "joblib==1.4.0" "tqdm==4.60.0" "pillow==9.5.0" "skops==0.11.0" "pandas==1.5.3" \
    "tabulate==0.9.0" "sklearn-compat==0.1.3" "threadpoolctl==3.1.0" \
    "imbalanced-learn==0.13.0" "pytest>=7"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
"$VENV/bin/python" -m pip list 2>/dev/null | grep -i -E \
    "^(torch|numpy|scipy|scikit-learn|skorch|pandas|skops|imbalanced-learn|sklearn-compat) "
SKAUG_DATA_DIR=/nonexistent "$VENV/bin/python" -m pytest -q -p no:cacheprovider \
    tests/methods tests/shell tests/samplers tests/compare tests/test_common.py \
    tests/test_sea.py tests/test_iada.py tests/test_saflex.py tests/test_idaa.py \
    tests/test_persistence.py tests/test_cli.py
