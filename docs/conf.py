"""Sphinx configuration of skaug's documentation site.

Build it (offline, warnings as errors)::

    pip install -e ".[docs]"
    python -m sphinx -b html -W docs docs/_build/html

Intersphinx links to other projects' sites need the network: they are on only when
``SKAUG_DOCS_INTERSPHINX=1`` is set.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import skaug  # noqa: E402

project = "skaug"
author = "the skaug developers"
copyright = "the skaug developers, BSD-3-Clause"
release = version = skaug.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.intersphinx",
    "numpydoc",
    "myst_parser",
    "sphinx_copybutton",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "make_api.py", "**/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.ipynb", "auto_examples/*.zip", "auto_examples/*.json",
                    "auto_examples/*.md5"]

# -- API pages: one per public class and function, from the numpydoc docstrings --------
autosummary_generate = True
autodoc_default_options = {"members": False, "inherited-members": False}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks = set()
numpydoc_xref_param_type = False

# -- Markdown guides -------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

# -- the gallery of runnable examples ----------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "FileNameSortKey",
    "show_memory": False,
    "plot_gallery": "True",
    "doc_module": ("skaug",),
    "backreferences_dir": "generated/backreferences",
}
templates_path = ["_templates"]
os.environ.setdefault("SKAUG_DATA_DIR", str(ROOT / ".no-shared-data"))  # built-in data only

# -- other projects' sites: only with the network ---------------------------------------
intersphinx_mapping = {}
if os.environ.get("SKAUG_DOCS_INTERSPHINX") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "torch": ("https://docs.pytorch.org/docs/stable", None),
    }

# -- HTML ----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"skaug {version}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "header_links_before_dropdown": 6,
    "navbar_align": "left",
}
html_static_path = []
nitpicky = False
suppress_warnings = ["config.cache"]  # sphinx-gallery's configuration holds a function
