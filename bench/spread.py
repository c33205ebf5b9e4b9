"""The spread rule's cost over a day of flagged texts: ``find_spread`` on distinct texts plus one campaign of
identical copies, with the window alone and with a day of late copies (``late_minutes = 1440``).

Run: ``python -m bench.spread [DISTINCT] [COPIES]`` (default 5,000 and 1,500).
"""

from __future__ import annotations

import random
import sys
import time
from datetime import datetime, timedelta, timezone

NOW = datetime(2026, 6, 1, 12, tzinfo=timezone.utc)
WORDS = [f"слово{i}" for i in range(3000)]


def rows(distinct: int, copies: int, span_minutes: float, rng: random.Random) -> list[dict]:
    """``distinct`` texts of 60 random words and ``copies`` copies of one more, over the last ``span_minutes``."""
    def text() -> str:
        return " ".join(rng.choice(WORDS) for _ in range(60))

    def row(item_id: str, n: int, body: str) -> dict:
        at = (NOW - timedelta(minutes=rng.uniform(0, span_minutes))).isoformat()
        return {"item_id": item_id, "source": f"s{n % 40}", "title": "", "text": body, "published_at": at, "first_seen": at}

    campaign = text()
    return [row(f"d{n}", n, text()) for n in range(distinct)] + [row(f"c{n}", n, campaign) for n in range(copies)]


def main(distinct: int = 5_000, copies: int = 1_500) -> dict[str, float]:
    from tocsin.alerts.rules import find_spread

    rng = random.Random(1)
    figures = {}
    for late, span, d, c in ((0, 60, distinct // 25, copies // 25), (1440, 1500, distinct, copies)):
        found = rows(d, c, span, rng)
        started = time.perf_counter()
        findings = find_spread(found, NOW, window=timedelta(minutes=60), similarity=0.8, min_sources=3,
                               key_of=lambda item_id: item_id, late=timedelta(minutes=late))
        print(f"late_minutes={late}: {len(found)} texts, {len(findings)} finding(s) of "
              f"{[len(f.item_ids) for f in findings]} copies, {time.perf_counter() - started:.1f} s")
        figures[f"seconds_late_{late}"] = round(time.perf_counter() - started, 2)
    return figures


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
