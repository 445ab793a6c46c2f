"""What the command line prints and writes: tables (pandas), files written whole, messages.

The library names its parameters in messages (``encoding='latin-1'``,
``cv=2``); :func:`as_flags` turns them into this command line's flags.
"""

import os
import re
import tempfile
from pathlib import Path

from ..compare._messages import printable

#: library parameter -> command-line flag, for :func:`as_flags`
FLAGS = {"encoding": "--encoding", "target": "--target", "max_rows": "--max-rows",
         "drop": "--drop", "cv": "--cv", "inner_cv": "--inner-cv", "keep": "--keep",
         "thousands": "--thousands", "decimal": "--decimal", "header": "--header",
         "text_column": "--text-column", "metric": "--metric", "epochs": "--epochs",
         "class_weight": "--class-weight"}
_PARAM = re.compile(r"\b(" + "|".join(FLAGS) + r")=(\[[^\]]*\]|'[^']*'|\"[^\"]*\"|[\w.+-]*)")


def _flag_value(value):
    value = value.strip()
    if value.startswith("["):
        items = [v.strip().strip("'\"") for v in value[1:-1].split(",") if v.strip()]
        return ",".join(items)
    return value.strip("'\"")


#: settings whose flag is a switch
SWITCHES = {"early_stopping=False": "--no-early-stopping", "header=False": "--no-header",
            "skip_bad=True": "--skip-bad-images"}


def as_flags(message):
    """``message`` with library parameters (``encoding='latin-1'``) as flags (``--encoding
    latin-1``); a bare ``cv=`` names the flag alone."""
    message = str(message)
    for setting, switch in SWITCHES.items():
        message = message.replace(setting, switch)

    def flag(match):
        name, value = match.group(1), _flag_value(match.group(2))
        return f"{FLAGS[name]} {value}" if value else FLAGS[name]

    return _PARAM.sub(flag, message)


def results_frame(comparison, markdown=False):
    """The comparison as the table people read: mean ± std per metric, fit seconds, choices."""
    import pandas as pd

    rows = []
    for r in comparison:
        row = {"model": r.label}
        for metric in ("accuracy", "balanced_accuracy", *(
                [comparison.metric] if comparison.metric not in ("accuracy",
                                                                 "balanced_accuracy") else [])):
            row[f"{metric.replace('_', ' ')} %"] = f"{r.mean(metric):.2f} ± {r.std(metric):.2f}"
        row["fit s"] = f"{r.fit_seconds:.2f}"
        row["tuned (per outer fold)"] = r.tuned
        rows.append(row)
    return pd.DataFrame(rows)


def format_table(comparison):
    """The comparison as a plain-text table."""
    return results_frame(comparison).to_string(index=False) + "\n"


def write_atomically(path, write):
    """Call ``write(tmp)`` on a temporary file beside ``path``, then move it onto ``path``.

    A failed write (full disk, interrupt) leaves ``path`` as it was, never
    half-written. The file gets the permissions of a file the user creates
    (their umask), not the temporary file's 0600.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:  # name the file the user asked for, not the temporary one
        Path(tmp).unlink(missing_ok=True)
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_table(comparison, path):
    """Write the comparison to ``path``: markdown (``.md``, the printed table) or CSV
    (``.csv``: one row per model, means, stds and fold scores as numbers)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".md", ".csv"):
        raise ValueError(f"--output must end in .csv or .md, got {printable(path.name)}.")

    def write(tmp):
        if suffix == ".md":
            Path(tmp).write_text(results_frame(comparison).to_markdown(index=False) + "\n",
                                 encoding="utf-8")
            return
        frame = comparison.to_frame()
        frame["scores"] = [" | ".join(f"{s:.4f}" for s in r.scores) for r in comparison]
        frame["warnings"] = [" | ".join(r.warnings) for r in comparison]
        frame.reset_index().rename(columns={"name": "method"}).to_csv(tmp, index=False)

    write_atomically(path, write)


_SUFFIXES = {"output": (".csv", ".md"), "plot": (".png",), "save": (".skops",)}


def check_outputs(args, inputs=()):
    """Refuse, before any fitting, output paths that cannot or must not be written."""
    inputs = {Path(p).resolve() for p in inputs}
    seen = {}
    for flag, suffixes in _SUFFIXES.items():
        value = getattr(args, flag, None)
        if not value:
            continue
        path, shown = Path(value), printable(value)
        if not value.lower().endswith(suffixes):
            raise ValueError(f"--{flag} must end in {' or '.join(suffixes)}, got {shown}.")
        if path.resolve() in inputs:
            raise ValueError(f"--{flag} {shown} is the input file: refusing to overwrite it.")
        if path.resolve() in seen:
            raise ValueError(f"--{flag} and --{seen[path.resolve()]} are the same file, {shown}.")
        seen[path.resolve()] = flag
        if path.is_dir():
            raise ValueError(f"--{flag} {shown} is a directory; give a file name in it.")
        if path.exists() and not args.force:
            raise ValueError(f"--{flag} {shown} exists; pass --force to overwrite it, or "
                             "choose another name.")
        parent = path.resolve().parent
        if not parent.is_dir():
            raise ValueError(f"--{flag} {shown}: the folder {printable(parent)} does not "
                             "exist.")
        if not os.access(parent, os.W_OK):
            raise ValueError(f"--{flag} {shown}: the folder {printable(parent)} is not "
                             "writable.")


class Written:
    """The files a command has written so far, for an honest message when it is stopped."""

    def __init__(self):
        self.done, self.waiting = [], []

    def pending(self, what, path):
        self.waiting.append((what, path))

    def add(self, what, path):
        self.done.append((what, path))
        self.waiting = [w for w in self.waiting if w[1] != path]

    def summary(self):
        if not self.done:
            return "no output written"
        done = ", ".join(f"{what} {printable(path)}" for what, path in self.done)
        text = f"written before the interrupt: {done}"
        if self.waiting:
            text += "; not written: " + ", ".join(f"{what} {printable(path)}"
                                                  for what, path in self.waiting)
        return text
