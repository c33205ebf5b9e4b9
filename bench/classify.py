"""Classifier throughput on the CPU: short posts/s and 2,000-word articles/s, embedded model vs XLM-R-base.

The XLM-R-base-sized model is built from an ``XLMRobertaConfig`` with random weights (nothing is
downloaded) and given the same texts, tokenised by the embedded tokenizer, so the ratio compares the
cost of the two network sizes. Also times the whole analysis (rules + classifier + decision) with and
without the cascade. Run: ``python -m bench.classify``.
"""

from __future__ import annotations

import random
import time
from typing import Any, Callable

POSTS = 600
ARTICLES = 30
XLMR_POSTS = 64
XLMR_ARTICLES = 2
ARTICLE_WORDS = 2000


def sample_texts(seed: int = 3) -> tuple[list[str], list[str]]:
    """Short posts (corpus test sentences) and 2,000-word articles made of them."""
    from tocsin.models.corpus import build_corpus

    rng = random.Random(seed)
    corpus = [e.text for e in build_corpus(evasions=False) if e.split == "test"]
    posts = [rng.choice(corpus) for _ in range(POSTS)]
    articles = []
    for _ in range(ARTICLES):
        words: list[str] = []
        while len(words) < ARTICLE_WORDS:
            words.extend(rng.choice(corpus).split())
        articles.append(" ".join(words[:ARTICLE_WORDS]))
    return posts, articles


def rate(fn: Callable[[list[str]], Any], texts: list[str], repeats: int = 3) -> float:
    """Texts per second over ``texts``: the best of ``repeats`` passes, after a warm-up call on a few
    (the cores are shared, so the best pass is the least disturbed one)."""
    fn(texts[:2])
    best = 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        fn(texts)
        best = max(best, len(texts) / (time.perf_counter() - started))
    return best


def xlmr_classifier(tokenizer: Any, threads: int) -> Any:
    """An XLM-R-base-sized classifier with random weights, wrapped like the embedded one."""
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaForSequenceClassification

    from tocsin.models.classifier import Classifier, LABELS

    torch.manual_seed(0)
    config = XLMRobertaConfig(vocab_size=max(len(tokenizer), 1000), hidden_size=768, num_hidden_layers=12,
                              num_attention_heads=12, intermediate_size=3072, max_position_embeddings=514,
                              num_labels=len(LABELS), problem_type="multi_label_classification",
                              id2label=dict(enumerate(LABELS)), label2id={k: i for i, k in enumerate(LABELS)},
                              pad_token_id=tokenizer.pad_token_id)
    model = XLMRobertaForSequenceClassification(config)
    return Classifier(model, tokenizer, name="xlmr-base-random", version="0", batch_size=32, max_length=256,
                      stride=64, threads=threads)


def main() -> dict[str, float]:
    from tocsin.analyse import Analyser
    from tocsin.config import Settings

    settings = Settings()
    threads = settings.model.threads
    posts, articles = sample_texts()
    analyser = Analyser(settings)
    clf = analyser.classifier
    figures: dict[str, float] = {"threads": threads}
    figures["embedded_posts_per_s"] = rate(clf.predict, posts)
    figures["embedded_articles_per_s"] = rate(clf.predict, articles)
    figures["analyse_posts_per_s"] = rate(analyser.analyse_texts, posts)
    figures["analyse_articles_per_s"] = rate(analyser.analyse_texts, articles)
    analyser.cascade = False
    figures["analyse_articles_per_s_no_cascade"] = rate(analyser.analyse_texts, articles)
    xlmr = xlmr_classifier(clf.tokenizer, threads)
    figures["xlmr_base_posts_per_s"] = rate(xlmr.predict, posts[:XLMR_POSTS], repeats=1)
    figures["xlmr_base_articles_per_s"] = rate(xlmr.predict, articles[:XLMR_ARTICLES], repeats=1)
    figures["speedup_posts"] = figures["embedded_posts_per_s"] / figures["xlmr_base_posts_per_s"]
    figures["speedup_articles"] = figures["embedded_articles_per_s"] / figures["xlmr_base_articles_per_s"]
    for key, value in figures.items():
        print(f"{key:40s} {value:10.1f}")
    return figures


if __name__ == "__main__":
    main()
