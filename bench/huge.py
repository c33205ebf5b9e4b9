"""The whole analysis of one very long text, stage by stage.

Run: ``python -m bench.huge``. A text of about 1.8 MB (3,000 paragraphs, each a rebuttal that repeats a
call, five ordinary sentences and a call; tens of thousands of evidence spans) goes through the rules,
the classifier, the decision and the passage review; prints the seconds of each.
"""

from __future__ import annotations

import time

REBUTTAL = "Те, кто пишет, что надо выгнать таджиков, — провокаторы, не верьте им. "
ORDINARY = "В Оше открылся новый рынок, торговцы довольны. Погода в Джалал-Абаде тёплая, дождей не ожидается. "
CALL = "Надо выгнать узбеков из Оша, это наша земля! "


def main() -> dict[str, float]:
    from tocsin.analyse import Analyser
    from tocsin.config import Settings

    analyser = Analyser(Settings())
    text = (REBUTTAL + ORDINARY * 5 + CALL) * 3000
    figures: dict[str, float] = {"characters": len(text)}
    started = time.perf_counter()
    features = analyser.features([text], ["ru"])
    figures["rules_s"] = time.perf_counter() - started
    started = time.perf_counter()
    probs = analyser.probabilities([text], features)
    figures["classifier_s"] = time.perf_counter() - started
    started = time.perf_counter()
    record = analyser.decide(features[0], probs[0])
    figures["decision_s"] = time.perf_counter() - started
    started = time.perf_counter()
    analyser.review_passages(features, [record])
    figures["passages_s"] = time.perf_counter() - started
    figures["spans"] = len(features[0].spans)
    for key, value in figures.items():
        print(f"{key:16} {value:12,.1f}")
    return figures


if __name__ == "__main__":
    main()
