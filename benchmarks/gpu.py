"""The performance benchmark on a CUDA device, in one command: ``python benchmarks/gpu.py``.

Runs :mod:`bench_performance` with ``--device cuda`` (SeA's rate against the
device's matmul rate, SAflex over CutMix-only, the IADA variants over the CE
head, IADA's full covariance against d, with the CUDA allocator's peak) and
writes ``results/performance_cuda.md``. Pass ``--device cuda:1`` to pick a
device, ``--quick`` for a smoke run.
"""

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
import bench_performance  # noqa: E402


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if not torch.cuda.is_available():
        sys.exit("benchmarks/gpu.py: torch sees no CUDA device (torch.cuda.is_available() is "
                 "False). Install a CUDA build of torch on a machine with an NVIDIA GPU, or run "
                 "`python benchmarks/bench_performance.py` for the CPU figures.")
    if "--device" not in argv:
        argv += ["--device", "cuda"]
    if "--output" not in argv:
        argv += ["--output", "performance_cuda.md"]
    bench_performance.main(argv)


if __name__ == "__main__":
    main()
