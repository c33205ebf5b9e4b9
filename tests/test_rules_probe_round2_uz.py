"""Uzbek context entries of the second probe round, in Latin and Cyrillic script (the round's cue lines are in the
fixture of tests/test_rules_lexicon_rounds.py): thanks to those who stood by a group is counter-speech, a group named
as our partners or working side by side is inclusion, and togetherness refused is not."""

from __future__ import annotations


def test_praise_of_those_who_stood_by_a_group_is_counter_speech(decide_texts):
    texts = ["Уйғурларни ҳимоя қилган адвокатга раҳмат.", "Qirgʻizlarga yordam berganlar — haqiqiy qahramonlar."]
    for text, (features, _) in decide_texts(texts).items():
        assert "counter_speech" in {c.label for c in features.context}, text


def test_a_group_named_as_our_partners_or_side_by_side_is_inclusion(decide_texts):
    texts = ["Qozoq sheriklarimiz bilan yer sotib olib, ferma ochdik.", "Tojik qizlari bilan oʻzbek yigitlar birga oʻqiydi.",
             "Қозоқ дўстларим тўйга келишди."]
    for text, (features, analysis) in decide_texts(texts).items():
        assert "inclusion" in {c.label for c in features.context}, text
        assert not analysis.incitement, text


def test_refused_togetherness_is_no_inclusion(decide_texts):
    (features, _), = decide_texts(["Qirgʻizlar bilan birga ishlamaymiz."]).values()
    assert "inclusion" not in {c.label for c in features.context}
