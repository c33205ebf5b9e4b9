"""One very long text on a single line (a scraped page flattened, a huge JSONL record), stage by stage.

Run: ``python -m bench.long_line [MB]`` (default 6). The test sentences of ``tests/fixtures/nlp/cases.jsonl``
(every language) are repeated to ``MB`` megabytes of UTF-8 with no line break, once as they are and once with
the sentence punctuation (. ! ? …) taken out, so that the whole text is one sentence, and once with a hashtag
opening every sentence (a long thread of tagged posts). Each goes through the rules, the classifier, the decision
and the passage review; prints the seconds of each and the peak memory.
"""

from __future__ import annotations

import json
import re
import resource
import sys
import time
from pathlib import Path

CASES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "nlp" / "cases.jsonl"


def long_line(megabytes: float, punctuation: bool = True, hashtags: bool = False) -> str:
    """The test sentences repeated to ``megabytes`` MB of UTF-8 on one line (without . ! ? … unless ``punctuation``;
    with each sentence's first word a hashtag if ``hashtags``)."""
    cases = [json.loads(line)["text"] for line in CASES.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    if hashtags:
        cases = [re.sub(r"(^|[.!?…] )(\w)", r"\1#\2", case) for case in cases]
    unit = " ".join(cases) + " "
    if not punctuation:
        unit = re.sub(r"[.!?…。]", "", unit)
    size = int(megabytes * 1_000_000)
    text = unit * (size // len(unit.encode("utf-8")) + 1)
    return text[: len(text) * size // len(text.encode("utf-8"))]


def peak_mb() -> float:
    """The process's peak resident memory so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(megabytes: float = 6.0) -> dict[str, float]:
    from tocsin.analyse import Analyser
    from tocsin.config import Settings

    analyser = Analyser(Settings())
    figures: dict[str, float] = {"megabytes": megabytes}
    for name, punctuation, hashtags in (("punctuated", True, False), ("unpunctuated", False, False),
                                        ("hashtagged", True, True)):
        text = long_line(megabytes, punctuation, hashtags)
        started = time.perf_counter()
        features = analyser.features([text])
        figures[f"{name} rules_s"] = time.perf_counter() - started
        started = time.perf_counter()
        probs = analyser.probabilities([text], features)
        figures[f"{name} classifier_s"] = time.perf_counter() - started
        started = time.perf_counter()
        record = analyser.decide(features[0], probs[0])
        figures[f"{name} decision_s"] = time.perf_counter() - started
        started = time.perf_counter()
        record = analyser.review_passages(features, [record])[0]
        figures[f"{name} passages_s"] = time.perf_counter() - started
        figures[f"{name} spans"] = len(features[0].spans)
        figures[f"{name} score"] = record.score
        figures[f"{name} peak_mb"] = peak_mb()
    for key, value in figures.items():
        print(f"{key:28} {value:12,.4f}" if "score" in key else f"{key:28} {value:12,.1f}", flush=True)
    return figures


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 6.0)
