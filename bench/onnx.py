"""Would ONNX Runtime beat PyTorch for the embedded classifier on this CPU? fp32 and dynamic int8.

The embedded model's transformer is exported to ONNX (dynamic batch and sequence axes) and quantised
with ``onnxruntime.quantization.quantize_dynamic`` (int8 weights) into a temporary folder. The three
engines run the same token windows, built by the classifier itself (its tokenizer, ``max_length`` and
``stride``; every window of the 2,000-word articles), batched and padded as ``Classifier.predict``
does, with the same thread count. Tokenisation and the n-gram companion (``lexical.safetensors``, not
part of the network) are outside the timed forward pass; the whole ``Classifier.predict`` rate is
printed for context. Agreement with PyTorch: the largest difference in the incitement probability
(transformer alone, maximum over a text's windows) and the share of texts whose decision at 0.5 flips.

    python -m bench.onnx [--threads 2] [--posts 600] [--articles 30] [--repeats 3]

Needs the ``bench`` extra: ``pip install -e .[bench]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import math
import sys
import tempfile
import warnings
from collections import Counter
from pathlib import Path
from typing import Any, Callable

import numpy as np

from bench.classify import ARTICLES, POSTS, rate, sample_texts

logger = logging.getLogger(__name__)

THRESHOLD = 0.5
OPSET = 17
INPUTS = ("input_ids", "attention_mask")


class MissingBenchExtra(ImportError):
    """onnx / onnxruntime are not installed."""


def require_onnx() -> None:
    """Fail with the fix when the optional ``bench`` extra is missing."""
    missing = []
    for module in ("onnx", "onnxruntime"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise MissingBenchExtra(f"bench.onnx needs {' and '.join(missing)}: install the bench extra with "
                                "`pip install -e .[bench]` (from the repository root, in the project's venv)")


def logits_module(model: Any) -> Any:
    """The classifier's network as a plain (input_ids, attention_mask) -> logits module, for export."""
    import torch

    class Logits(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).logits

    return Logits().eval()


def export_onnx(model: Any, path: Path, sample_ids: Any, sample_mask: Any) -> list[str]:
    """Export the network to ``path`` with dynamic batch and sequence axes; return the warnings raised."""
    import torch

    axes = {"input_ids": {0: "batch", 1: "sequence"}, "attention_mask": {0: "batch", 1: "sequence"}, "logits": {0: "batch"}}
    with warnings.catch_warnings(record=True) as caught, torch.inference_mode(False), torch.no_grad():
        warnings.simplefilter("always")
        # The TorchScript exporter: the dynamo one needs onnxscript, which the project does not require.
        torch.onnx.export(logits_module(model), (sample_ids, sample_mask), str(path), input_names=list(INPUTS),
                          output_names=["logits"], dynamic_axes=axes, opset_version=OPSET, dynamo=False)
    return sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:300]}" for w in caught})


def quantise_int8(source: Path, target: Path) -> None:
    """Dynamic int8 quantisation (weights int8, activations quantised at run time)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8)


def op_counts(path: Path) -> Counter[str]:
    """How many nodes of each operator type the ONNX graph at ``path`` has."""
    import onnx

    return Counter(node.op_type for node in onnx.load(str(path), load_external_data=False).graph.node)


def ort_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session with ``threads`` intra-op threads and full graph optimisation."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]


def torch_forward(model: Any) -> Forward:
    """Logits from the PyTorch model under ``inference_mode``."""
    import torch

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            return model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits.numpy()

    return forward


def ort_forward(session: Any) -> Forward:
    """Logits from an ONNX Runtime session."""

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]

    return forward


def incitement_scorer(clf: Any, windows: list[Any], forward: Forward, column: int) -> Callable[[list[int]], list[float]]:
    """A function of text indices -> incitement probability per text (sigmoid, maximum over its windows),
    batched and padded by the classifier itself (:meth:`Classifier.batches`)."""

    def score(indices: list[int]) -> list[float]:
        wanted = set(indices)
        best = dict.fromkeys(indices, -math.inf)
        for batch, ids, mask in clf.batches([w for w in windows if w.text_index in wanted]):
            for w, value in zip(batch, forward(ids, mask)[:, column].tolist()):
                best[w.text_index] = max(best[w.text_index], value)
        return [1.0 / (1.0 + math.exp(-best[i])) for i in indices]

    return score


def agreement(reference: list[float], other: list[float]) -> tuple[float, float]:
    """Largest |difference| in probability and the share of texts whose decision at the threshold differs."""
    ref, oth = np.asarray(reference), np.asarray(other)
    flips = np.mean((ref >= THRESHOLD) != (oth >= THRESHOLD)) if len(ref) else 0.0
    return float(np.max(np.abs(ref - oth))) if len(ref) else 0.0, float(flips)


def main(threads: int = 2, posts: int = POSTS, articles: int = ARTICLES, repeats: int = 3) -> dict[str, Any]:
    """Time PyTorch, ORT fp32 and ORT int8 on the embedded classifier's network; print and return the figures."""
    require_onnx()
    import onnxruntime
    import torch

    from tocsin.config import Settings
    from tocsin.models import Classifier
    from tocsin.models.classifier import EMBEDDED_DIR, load_with_transformers, prepare_text

    settings = Settings()
    model_settings = dataclasses.replace(settings.model, threads=threads)
    clf = Classifier.from_settings(model_settings)
    torch.set_num_threads(threads)
    all_posts, all_articles = sample_texts()
    sets = {"posts": all_posts[:posts], "articles": all_articles[:articles]}
    windows = {name: clf.windows([prepare_text(t) for t in texts]) for name, texts in sets.items()}
    column = clf.raw_labels.index("incitement")

    figures: dict[str, Any] = {"threads": float(threads), "batch_size": float(clf.batch_size),
                               "max_length": float(clf.max_length), "stride": float(clf.stride),
                               "posts": float(len(sets["posts"])), "articles": float(len(sets["articles"])),
                               "article_windows": float(len(windows["articles"])),
                               "onnxruntime": onnxruntime.__version__, "torch": torch.__version__}
    figures["predict_posts_per_s"] = rate(clf.predict, sets["posts"], repeats)
    figures["predict_articles_per_s"] = rate(clf.predict, sets["articles"], repeats)

    with tempfile.TemporaryDirectory(prefix="tocsin-bench-onnx-") as tmp:
        fp32, int8 = Path(tmp) / "model.onnx", Path(tmp) / "model.int8.onnx"
        # A padded row in the sample, so that no all-ones-mask shortcut is traced into the graph.
        sample_mask = torch.ones((2, 16), dtype=torch.long)
        sample_mask[1, 10:] = 0
        # Exported as transformers builds it (the plain PyTorch forward pass the classifier runs is no nn.Module).
        _, network = load_with_transformers(str(settings.model.path or EMBEDDED_DIR), local_files_only=True)
        export_warnings = export_onnx(network, fp32, torch.full((2, 16), 5, dtype=torch.long), sample_mask)
        quantise_int8(fp32, int8)
        figures["onnx_fp32_mb"] = fp32.stat().st_size / 1e6
        figures["onnx_int8_mb"] = int8.stat().st_size / 1e6
        quantised_ops = op_counts(int8)
        engines = {"torch": torch_forward(clf.model), "ort_fp32": ort_forward(ort_session(fp32, threads)),
                   "ort_int8": ort_forward(ort_session(int8, threads))}
        probs: dict[str, dict[str, list[float]]] = {}
        for engine, forward in engines.items():
            probs[engine] = {}
            for name, texts in sets.items():
                score = incitement_scorer(clf, windows[name], forward, column)
                indices = list(range(len(texts)))
                probs[engine][name] = score(indices)
                figures[f"{engine}_{name}_per_s"] = rate(score, indices, repeats)
    for engine in ("ort_fp32", "ort_int8"):
        for name in sets:
            delta, flips = agreement(probs["torch"][name], probs[engine][name])
            figures[f"{engine}_{name}_max_abs_dp"] = delta
            figures[f"{engine}_{name}_flipped_share"] = flips
        figures[f"{engine}_speedup_posts"] = figures[f"{engine}_posts_per_s"] / figures["torch_posts_per_s"]
        figures[f"{engine}_speedup_articles"] = figures[f"{engine}_articles_per_s"] / figures["torch_articles_per_s"]
    figures["int8_ops"] = ", ".join(f"{op} {n}" for op, n in sorted(quantised_ops.items()))
    figures["export_warnings"] = float(len(export_warnings))
    print_table(figures, export_warnings)
    return figures


def print_table(figures: dict[str, Any], export_warnings: list[str]) -> None:
    """The figures as a small table, one row per engine."""
    print(f"threads {figures['threads']:.0f}, batch {figures['batch_size']:.0f}, max_length {figures['max_length']:.0f}, "
          f"stride {figures['stride']:.0f}; {figures['posts']:.0f} posts, {figures['articles']:.0f} articles of 2,000 words "
          f"({figures['article_windows']:.0f} windows); torch {figures['torch']}, onnxruntime {figures['onnxruntime']}")
    print(f"Classifier.predict (whole: tokenise + network + n-gram companion): "
          f"{figures['predict_posts_per_s']:.1f} posts/s, {figures['predict_articles_per_s']:.2f} articles/s")
    print(f"ONNX files: fp32 {figures['onnx_fp32_mb']:.2f} MB, int8 {figures['onnx_int8_mb']:.2f} MB")
    print(f"\n{'network only':10s} {'posts/s':>9s} {'x torch':>8s} {'articles/s':>11s} {'x torch':>8s} "
          f"{'max|dp| posts':>14s} {'max|dp| art.':>13s} {'flips posts':>12s} {'flips art.':>11s}")
    for engine in ("torch", "ort_fp32", "ort_int8"):
        row = f"{engine:10s} {figures[f'{engine}_posts_per_s']:9.1f} "
        if engine == "torch":
            row += f"{'1.00':>8s} {figures['torch_articles_per_s']:11.2f} {'1.00':>8s} {'-':>14s} {'-':>13s} {'-':>12s} {'-':>11s}"
        else:
            row += (f"{figures[f'{engine}_speedup_posts']:8.2f} {figures[f'{engine}_articles_per_s']:11.2f} "
                    f"{figures[f'{engine}_speedup_articles']:8.2f} {figures[f'{engine}_posts_max_abs_dp']:14.4f} "
                    f"{figures[f'{engine}_articles_max_abs_dp']:13.4f} {figures[f'{engine}_posts_flipped_share']:12.1%} "
                    f"{figures[f'{engine}_articles_flipped_share']:11.1%}")
        print(row)
    print(f"\nint8 graph operators: {figures['int8_ops']}")
    for line in export_warnings:
        print(f"export warning: {line}")


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.onnx", description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=2, help="torch threads and ORT intra-op threads (default 2)")
    parser.add_argument("--posts", type=int, default=POSTS, help=f"short posts to time (default {POSTS})")
    parser.add_argument("--articles", type=int, default=ARTICLES, help=f"2,000-word articles to time (default {ARTICLES})")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes per figure, the best is kept (default 3)")
    return parser.parse_args(argv)


if __name__ == "__main__":
    args = parse_args(sys.argv[1:])
    try:
        main(args.threads, args.posts, args.articles, args.repeats)
    except MissingBenchExtra as e:
        sys.exit(f"error: {e}")
