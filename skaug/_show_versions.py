"""``skaug.show_versions()``: what a bug report needs to say about the installation."""

import importlib
import platform
import sys


def _version(name):
    try:
        return importlib.import_module(name).__version__
    except Exception:  # noqa: BLE001 - not installed, or fails to import
        return None


def _info():
    from ._version import __version__

    info = {"python": sys.version.replace("\n", " "), "executable": sys.executable,
            "machine": platform.platform(), "skaug": __version__}
    for name, module in [("torch", "torch"), ("skorch", "skorch"), ("scikit-learn", "sklearn"),
                         ("imbalanced-learn", "imblearn"), ("numpy", "numpy"),
                         ("scipy", "scipy"), ("pandas", "pandas"), ("skops", "skops"),
                         ("threadpoolctl", "threadpoolctl"), ("torchvision", "torchvision"),
                         ("sentence-transformers", "sentence_transformers"),
                         ("dask", "dask")]:
        info[name] = _version(module)
    try:
        import torch

        info["torch CUDA"] = (f"{torch.version.cuda}, {torch.cuda.device_count()} device(s)"
                              if torch.cuda.is_available() else "not available")
        info["torch threads"] = torch.get_num_threads()
    except Exception:  # noqa: BLE001
        pass
    return info


def _blas():
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    import numpy  # noqa: F401 - loads numpy's BLAS, so that it is listed

    return [{k: lib.get(k) for k in ("internal_api", "version", "num_threads", "filepath")}
            for lib in threadpool_info()]


def show_versions():
    """Print the versions of Python, skaug and the libraries it runs on, torch's CUDA, and the
    BLAS and OpenMP libraries threadpoolctl finds (as scikit-learn's ``show_versions``).

    Examples
    --------
    >>> import skaug
    >>> skaug.show_versions()  # doctest: +ELLIPSIS
    <BLANKLINE>
    System:
    ...
    """
    print("\nSystem:")
    info = _info()
    for key in ("python", "executable", "machine"):
        print(f"{key:>22}: {info.pop(key)}")
    print("\nPython dependencies:")
    for key, value in info.items():
        print(f"{key:>22}: {value if value is not None else 'not installed'}")
    print("\nThreadpoolctl (BLAS, OpenMP):")
    for lib in _blas():
        for key, value in lib.items():
            print(f"{key:>22}: {value}")
        print()
