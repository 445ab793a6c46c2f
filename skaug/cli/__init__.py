"""Command line: ``skaug compare``, ``skaug predict``, ``skaug extract`` (also
``python -m skaug``).

::

    skaug compare                                  # built-in QSAR data, default methods
    skaug compare my.csv --target label --methods cutmix,saflex,sea,iada --cv 5 --save m.skops
    skaug predict m.skops new.csv --output predictions.csv
    skaug compare --images photos/                 # one subfolder of images per class
    skaug compare texts.csv --target label --text-column text
    skaug extract --images photos/ --output features.npz

Each command is a module (``_compare``, ``_predict``, ``_extract``) with ``add_parser`` and
``run``; printing and writing are in ``_output``. The parser imports nothing
heavy: torch is imported only when a command runs.
"""

import argparse
import os
import sys

from . import _compare, _extract, _predict

COMMANDS = {"compare": _compare, "predict": _predict, "extract": _extract}


EXAMPLES = """\
examples:
  skaug compare                                   does augmentation help on built-in data?
  skaug compare my.csv --target label --save best.skops
  skaug compare my.csv --target label --time-budget 600 --plot results.png
  skaug compare --images photos/                  one subfolder of images per class
  skaug compare texts.csv --target label --text-column text
  skaug predict best.skops new.csv --output predictions.csv
  skaug extract --images photos/ --output features.npz

Each command has its own --help. Exit status: 0 done, 1 a run that failed (e.g. a
diverging fit), 2 a usage or input error, 130 interrupted.
"""


def _parser():
    from .._version import __version__

    parser = argparse.ArgumentParser(
        prog="skaug", description="Feature-space data augmentation as scikit-learn estimators: "
                                  "does it help on your data, and which method?",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"skaug {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in COMMANDS.values():
        module.add_parser(sub)
    return parser


def _quiet_broken_pipe():
    """``skaug compare | head``: the reader left; end quietly (Python's documented way)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(1)


def main(argv=None):
    """Run the command line (``argv``: the arguments, default ``sys.argv[1:]``)."""
    from ._output import Written, as_flags, printable

    parser = _parser()
    args = parser.parse_args(argv)
    name = f"skaug {args.command}"
    written = Written()
    try:
        COMMANDS[args.command].run(args, written=written)
        sys.stdout.flush()
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KeyboardInterrupt:
        parser.exit(130, f"{name}: interrupted; {written.summary()}.\n")
    except (ValueError, FileNotFoundError, ImportError) as exc:
        parser.exit(2, f"{name}: error: {as_flags(exc)}\n")
    except (FloatingPointError, RuntimeError, MemoryError) as exc:  # a run that failed
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        parser.exit(1, f"{name}: failed: {type(exc).__name__}: {first}\n")
    except OSError as exc:  # disk full, permission denied, ... while writing
        where = f" {printable(exc.filename)}" if exc.filename else ""
        parser.exit(2, f"{name}: error: cannot write{where}: {exc.strerror or exc}\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
