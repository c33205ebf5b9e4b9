"""The demo world's labelled texts serve their purpose: few incitement texts, a burst, a spread copy,
hard negatives, every language — and copies close enough for the spread rule to see them."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from tocsin.crawler.demo_world import expected_texts
from tocsin.crawler.demo_world.content import all_texts

LABELS = {"incitement", "ok"}
CATEGORIES = {"news", "violence_report", "counter_speech", "negated", "non_group_target", "positive_mention", "incitement"}


def char_shingles(text: str, size: int = 5) -> set[str]:
    """5-character shingles of the lower-cased words (the spread rule's measure)."""
    import re

    norm = " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())
    return {norm[i:i + size] for i in range(max(len(norm) - size + 1, 1))}


def test_every_text_is_labelled():
    texts = expected_texts()
    assert len({t.key for t in texts}) == len(texts) and len({t.path for t in texts}) == len(texts)
    for t in texts:
        assert t.expected in LABELS and t.category in CATEGORIES, t.key
        assert (t.expected == "incitement") == (t.category == "incitement"), t.key
        if t.expected == "incitement":
            assert t.target and t.place, t.key


def test_few_incitement_texts_and_more_hard_negatives():
    texts = expected_texts()
    incitement = [t for t in texts if t.expected == "incitement"]
    hard_negatives = [t for t in texts if t.category in ("violence_report", "counter_speech", "negated", "non_group_target")]
    assert 6 <= len(incitement) <= 10
    assert len(hard_negatives) > len(incitement)
    assert {"counter_speech", "violence_report", "negated", "non_group_target"} <= {t.category for t in hard_negatives}


def test_a_burst_against_one_group_in_one_place_within_an_hour():
    burst = Counter((t.target, t.place) for t in all_texts() if t.expected == "incitement" and t.minutes_ago <= 60)
    (pair, count), = burst.most_common(1)
    assert pair == ("uzbek", "osh") and count >= 3


def test_one_call_is_copied_nearly_word_for_word_in_three_sources():
    copies = defaultdict(list)
    for t in all_texts():
        if t.copy_of:
            copies[t.copy_of].append(t)
    (group,) = copies.values()
    assert len({t.source for t in group}) >= 3
    for a, b in combinations(group, 2):
        sa, sb = char_shingles(a.text), char_shingles(b.text)
        assert len(sa & sb) / len(sa | sb) >= 0.8, (a.key, b.key)


def test_every_language_and_script_is_present():
    langs = Counter(t.lang for t in all_texts())
    assert {"ru", "ky", "uz-Latn", "uz-Cyrl", "en"} <= set(langs)
    assert all(langs[lang] >= 4 for lang in ("ru", "ky", "uz-Latn", "uz-Cyrl", "en"))
