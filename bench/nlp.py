"""Throughput of the nlp path: normalisation + language id + rule pipelines, on short posts.

Run: ``python -m bench.nlp``. Prints posts per second for one process (features_many in batches),
the share of time per stage, and the time of one 5 MB text.
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

from tocsin.nlp import TextAnalyser
from tocsin.nlp.evasion import VARIANTS, variants_for
from tocsin.nlp.language import detect_language, training_sentences
from tocsin.nlp.normalise import normalise

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "fixtures" / "nlp" / "cases.jsonl"


def short_posts(n: int, seed: int = 1) -> list[str]:
    """``n`` short posts: training sentences of every class, test cases and their evasions."""
    rng = random.Random(seed)
    pool = [s for sents in training_sentences().values() for s in sents]
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    for c in cases:
        pool.append(c["text"])
        for name in variants_for(c["lang"]):
            pool.append(VARIANTS[name](c["text"], rng))
    return [rng.choice(pool) for _ in range(n)]


def main() -> dict[str, float]:
    started = time.perf_counter()
    analyser = TextAnalyser()
    build_s = time.perf_counter() - started
    posts = short_posts(20_000)
    analyser.features_many(posts[:500])  # warm caches as a running service would be
    t = time.perf_counter()
    for i in range(0, len(posts), 256):
        analyser.features_many(posts[i:i + 256])
    total = time.perf_counter() - t
    t = time.perf_counter()
    for p in posts:
        normalise(p)
    norm_s = time.perf_counter() - t
    t = time.perf_counter()
    for p in posts:
        detect_language(p)
    lid_s = time.perf_counter() - t
    big = ("Узбеки и кыргызы живут рядом в Оше. " * 150_000)[:5_000_000]
    t = time.perf_counter()
    feats = analyser.features(big)
    big_s = time.perf_counter() - t
    figures = {
        "pipelines_build_s": build_s,
        "posts": float(len(posts)),
        "mean_post_chars": sum(map(len, posts)) / len(posts),
        "posts_per_s": len(posts) / total,
        "normalise_share_pct": 100 * norm_s / total,
        "language_id_share_pct": 100 * lid_s / total,
        "text_5mb_s": big_s,
        "text_5mb_targets": float(len(feats.targets)),
    }
    for k, v in figures.items():
        print(f"{k:>24}: {v:,.2f}")
    return figures


if __name__ == "__main__":
    main()
