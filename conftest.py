"""Doctest collection: modules that need an optional extra are skipped without it."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("imblearn") is None:  # skaug[samplers]
    collect_ignore.append("skaug/samplers")
