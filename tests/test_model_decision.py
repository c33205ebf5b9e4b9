"""The decision: rules move the classifier's score the right way and every flag explains itself."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from tocsin.models.decision import decide, excused
from tocsin.models.explanation import explain, place_name
from tocsin.nlp.features import Features, Span

TEXT = "Надо выгнать узбеков из Оша!"


def features(text: str = TEXT, *, context: list[Span] | None = None, cues: bool = True, targets: bool = True) -> Features:
    def span(kind: str, label: str, word: str) -> Span:
        start = text.index(word)
        return Span(kind, label, word, start, start + len(word))

    return Features(
        text=text, normalised=text, lang="ru", script="Cyrl",
        targets=[span("target", "uzbek", "узбеков")] if targets else [],
        places=[span("place", "osh", "Оша")],
        cues=[span("cue", "call_to_expulsion", "Надо выгнать")] if cues else [],
        context=context or [], patterns_version="p1",
    )


PROBS = {"incitement": 0.6, "call_to_expulsion": 0.7, "call_to_violence": 0.2, "dehumanization": 0.1}


def run(f: Features, probs: dict | None = None, threshold: float = 0.5):
    return decide(f, probs or PROBS, threshold, item_id="i1", content_hash="h1", model_name="m", model_version="v1")


def test_a_call_against_a_group_raises_the_score_and_explains_itself():
    a = run(features())
    assert a.score > PROBS["incitement"] and a.incitement
    assert a.hallmarks == ["call_to_expulsion"]
    assert a.explanation == "call to expulsion against uzbek in Osh: 'Надо выгнать'"
    assert a.targets == [{"group": "uzbek", "text": "узбеков", "start": 13, "end": 20}]
    assert a.places[0]["place"] == "osh" and TEXT[a.places[0]["start"]:a.places[0]["end"]] == "Оша"
    assert {s["kind"] for s in a.spans} == {"target", "place", "cue"}
    assert (a.model_name, a.model_version, a.patterns_version, a.threshold, a.lang) == ("m", "v1", "p1", 0.5, "ru")


def test_counter_speech_quotation_and_negation_lower_the_score():
    text = "Те, кто пишет «Надо выгнать узбеков из Оша!», — провокаторы."
    start = text.index("провокаторы")
    quoted = text[text.index("«"):text.index("»") + 1]  # a quotation that holds the cue
    marker = [Span("context", "counter_speech", "провокаторы", start, start + 11),
              Span("context", "quotation", quoted, 14, 14 + len(quoted))]
    plain = run(features(text))
    lowered = run(features(text, context=marker))
    assert lowered.score < PROBS["incitement"] < plain.score
    assert not lowered.incitement and lowered.hallmarks == []
    assert "lowered by counter speech, quotation" in lowered.explanation


def test_a_quotation_that_holds_no_cue_excuses_nothing():
    text = "«Юристы» из Оша — надо выгнать узбеков!"
    scare_quotes = [Span("context", "quotation", "«Юристы»", 0, 8)]
    a = run(features(text.replace("надо", "Надо"), context=scare_quotes))
    assert a.incitement and "quotation" not in a.explanation
    said = "«Скоро эта земля будет нашей», — пишут про узбеков из Оша."
    end = said.index("»") + 1
    writes = said.index("пишут")
    speech = [Span("context", "quotation", said[:end], 0, end), Span("context", "reported_speech", "пишут", writes, writes + 5)]
    no_cue = run(features(said, context=speech, cues=False), probs={"incitement": 0.999})
    assert "lowered by quotation" in no_cue.explanation  # without cues, a quotation may hold what no cue names
    # ... when something frames it: a quotation no one is said to have said, with no verdict on it, is the writer's own
    unframed = run(features(said, context=speech[:1], cues=False), probs={"incitement": 0.999})
    assert "quotation" not in unframed.explanation and unframed.incitement


def test_a_word_in_scare_quotes_inside_a_longer_cue_is_not_a_quotation_of_it():
    text = "Сезон открыт: сегодня «дичь» — таджики из Оша."
    cue = [("cue", "dehumanization", "дичь» — таджики")]
    scare = _sentences(text, [("target", "tajik", "таджики")], cue, [("context", "quotation", "«дичь»")])
    assert "quotation" not in run(scare, {"incitement": 0.4}).explanation
    # a call of two words quoted whole is still quoted speech
    said = "Он написал «Бей узбеков», и его задержали."
    quoted = _sentences(said, [("target", "uzbek", "узбеков")], [("cue", "call_to_violence", "Бей узбеков")],
                        [("context", "quotation", "«Бей узбеков»")])
    assert "quotation" in run(quoted, {"incitement": 0.4}).explanation


def test_scare_quotes_around_a_word_or_two_are_not_quoted_speech():
    def quoting(quoted: str):
        text = f"Пусть {quoted} из Оша собирают вещи, пишут в чате: узбеков тут терпели долго."
        start, writes = text.index(quoted), text.index("пишут")
        quotation = Span("context", "quotation", quoted, start, start + len(quoted))
        speech = Span("context", "reported_speech", "пишут", writes, writes + 5)
        return run(features(text, cues=False, context=[quotation, speech]), probs={"incitement": 0.999})

    for quoted in ("«гости»", "«дорогие гости»"):
        a = quoting(quoted)
        assert a.incitement and "quotation" not in a.explanation
    assert "lowered by quotation" in quoting("«наши дорогие гости»").explanation


def test_no_target_group_lowers_the_score():
    a = run(features(targets=False))
    assert a.score < PROBS["incitement"]
    assert "no target group found" in a.explanation or a.incitement


def test_score_stays_in_unit_interval_and_threshold_decides():
    for p in (0.0, 1e-12, 0.5, 1.0):
        a = run(features(), {"incitement": p})
        assert 0.0 <= a.score <= 1.0
    assert not run(features(), threshold=1.0).incitement
    assert run(features(), threshold=0.0).incitement


def test_without_a_cue_aimed_at_a_group_the_classifier_must_be_surer():
    unsure = run(features(cues=False), {"incitement": 0.95})
    assert not unsure.incitement and unsure.score < 0.5
    assert unsure.explanation.endswith("; no hallmark cue aimed at a group")
    assert run(features(cues=False), {"incitement": 0.995}).incitement
    away = "Надо выгнать крыс из подвала. Вода есть. Рядом с Оша живёт много узбеков."
    assert "no hallmark cue aimed at a group" in run(features(away), {"incitement": 0.6}).explanation
    assert "no hallmark cue" not in run(features(), {"incitement": 0.6}).explanation


def test_a_flag_always_names_a_hallmark_even_without_a_cue_but_only_as_suggested():
    a = run(features(cues=False), {"incitement": 0.995, "dehumanization": 0.3, "call_to_violence": 0.1})
    assert a.incitement and a.hallmarks == ["dehumanization"]
    assert a.explanation.startswith("incitement against uzbek in Osh: '")
    assert a.explanation.endswith("; no cue words found, the classifier suggests dehumanization")


def test_a_hallmark_without_a_cue_is_not_quoted_with_another_hallmarks_cue():
    a = run(features(), {"incitement": 0.9, "call_to_expulsion": 0.7, "dehumanization": 0.8})
    assert a.hallmarks == ["dehumanization", "call_to_expulsion"]
    assert a.explanation == ("call to expulsion against uzbek in Osh: 'Надо выгнать'; "
                             "the classifier suggests dehumanization")


@pytest.mark.parametrize("women", [False, True])
def test_the_classifier_suggests_an_attack_on_women_only_in_a_text_that_speaks_of_them(women: bool):
    probs = {"incitement": 0.99, "call_to_expulsion": 0.1, "attack_on_women_and_girls": 0.8, "dehumanization": 0.3}
    text = "Надо выгнать узбеков из Оша, они обижают наших дочерей!"
    flagged = run(replace(features(text, cues=False), speaks_of_women=women), probs)
    assert flagged.incitement
    assert flagged.hallmarks == (["attack_on_women_and_girls"] if women else ["dehumanization"])   # the next most likely
    women_cue = Span("cue", "attack_on_women_and_girls", "выгнать", 5, 12)
    assert "attack_on_women_and_girls" in run(replace(features(text), cues=[women_cue]), probs).hallmarks   # a rule's cue counts


def test_a_text_with_no_target_group_is_never_flagged():
    for probs in ({"incitement": 0.999999, "call_to_violence": 0.99}, {"incitement": 1.0}):
        a = run(features(targets=False), probs)
        assert not a.incitement and a.score < 0.5 and a.hallmarks == []
        assert "no target group found" in a.explanation
    assert not run(features(targets=False), PROBS, threshold=0.0).incitement


def negation_case(text: str, negation: str, cue: str, label: str = "call_to_violence", lang: str = "en") -> Features:
    def span(kind: str, lab: str, word: str) -> Span:
        start = text.index(word)
        return Span(kind, lab, word, start, start + len(word))

    return Features(text=text, normalised=text, lang=lang, script="Latn", targets=[span("target", "uyghur", "Uyghurs")],
                    cues=[span("cue", label, cue)], context=[span("context", "negation", negation)])


def test_a_negation_governing_the_cue_lowers_the_score_and_cancels_the_boost():
    negated = run(negation_case("It's not true we should wipe out the Uyghurs.", "not", "wipe out"), {"incitement": 0.6})
    assert not negated.incitement and "lowered by negated cue" in negated.explanation
    verb_final = run(negation_case("Uyghurs quvib chiqarish hech kimga yo'l qo'ymaymiz.", "hech", "quvib chiqarish",
                                   lang="uz"), {"incitement": 0.6})
    assert not verb_final.incitement


def test_a_negation_inside_or_beside_a_call_does_not_excuse_it():
    for text, negation, cue in (("Kill the Uyghurs, spare no one!", "no", "Kill"),
                                ("If the police won't act, we'll wipe out the Uyghurs.", "n't", "wipe out"),
                                ("The Uyghurs are rats, nothing but filth.", "nothing", "rats")):
        plain = run(negation_case(text, negation, cue), {"incitement": 0.6})
        assert plain.incitement and "negat" not in plain.explanation, text
    inside = negation_case("Uyghurs, spare no one!", "no", "spare no one")
    assert run(inside, {"incitement": 0.6}).incitement


def test_a_negation_in_a_conditional_clause_is_a_condition_not_a_denial():
    for text in ("If we don't wipe out the Uyghurs now, they will take everything.",
                 "We will lose our land if we do not wipe out the Uyghurs."):
        negation = "n't" if "n't" in text else "not"
        a = run(negation_case(text, negation, "wipe out"), {"incitement": 0.6})
        assert a.incitement and "negat" not in a.explanation, text
    # the "if" of an earlier clause does not reach a denial in the next one
    denial = run(negation_case("If you ask me, it's not true we should wipe out the Uyghurs.", "not", "wipe out"),
                 {"incitement": 0.6})
    assert not denial.incitement and "lowered by negated cue" in denial.explanation


def test_a_negation_about_us_in_a_sentence_without_a_cue_denies_no_hatred():
    def cue_less(text: str, negation: str, group: str = "Uyghurs") -> Features:
        start, target = text.index(negation), text.index(group)
        return Features(text=text, normalised=text, lang="en", script="Latn",
                        targets=[Span("target", "uyghur", group, target, target + len(group))],
                        context=[Span("context", "negation", negation, start, start + len(negation))])

    sure = {"incitement": 0.995}
    for text, negation, group in (("It wasn't us who started this. The Uyghurs are arming.", "n't", "Uyghurs"),
                                  ("We are not the aggressors. The Uyghurs are arming.", "not", "Uyghurs"),
                                  ("Наши за ним молиться не будут. Раз уйгуры ему братья, пусть к ним и идёт.", "не", "уйгуры")):
        a = run(cue_less(text, negation, group), sure)
        assert a.incitement and "negation" not in a.explanation, text
    for text in ("That is not true. The Uyghurs are arming.", "The Uyghurs are not our enemies.",
                 "The Uyghurs are arming. They are not arming."):
        # a denial of a claim, of hostility to a group, of what "they" do
        denial = run(cue_less(text, "not"), sure)
        assert not denial.incitement and "lowered by negation" in denial.explanation, text
    # a negation that speaks of no one denies nothing about the group
    for text, negation in (("No tickets are left for the match. The Uyghurs are arming.", "No"),
                           ("The Uyghurs are arming, and nobody is doing anything.", "nobody")):
        a = run(cue_less(text, negation), sure)
        assert a.incitement and "negation" not in a.explanation, text


def test_the_words_a_text_puts_in_a_groups_mouth_are_not_reported_at_a_distance():
    def with_speech(text: str, verb: str, quote: str | None = None) -> Features:
        group, start = re.search(r"Uyghurs?", text), text.index(verb)
        context = [Span("context", "reported_speech", verb, start, start + len(verb))]
        if quote:
            q = text.index(quote)
            context.append(Span("context", "quotation", quote, q, q + len(quote)))
        return Features(text=text, normalised=text, lang="en", script="Latn",
                        targets=[Span("target", "uyghur", group.group(), group.start(), group.end())], context=context)

    sure = {"incitement": 0.995}
    claim = "Listen to what the Uyghurs tell their children: «Soon this land will be ours, all of it»."
    a = run(with_speech(claim, "tell", "«Soon this land will be ours, all of it»"), sure)
    assert a.incitement and "lowered" not in a.explanation
    # Kyrgyz: the group named before the quotation its quotative closes
    toast = "Тажиктер жыйындарында ачык эле «жакында бул шаардын ээси биз болобуз» деп тост айтышат."
    q, group = toast.index("«"), "Тажиктер"
    said = Features(text=toast, normalised=toast, lang="ky", script="Cyrl",
                    targets=[Span("target", "tajik", group, 0, len(group))],
                    context=[Span("context", "quotation", toast[q:toast.index("»") + 1], q, toast.index("»") + 1)])
    c = run(said, sure)
    assert c.incitement and "lowered" not in c.explanation
    # someone else's words about a group, and one person's of the group, are still reported at a distance
    for text, verb in (("The neighbours say that the Uyghurs are buying land.", "say"),
                       ("A Uyghur teacher says the land will be sold.", "says")):
        b = run(with_speech(text, verb), sure)
        assert not b.incitement and "lowered by reported speech" in b.explanation, text


def test_unflagged_explanations_say_why():
    a = run(features(cues=False), {"incitement": 0.01})
    assert a.explanation.startswith("not flagged (score ") and "mentions uzbek in Osh" in a.explanation


def test_place_names_are_readable():
    assert place_name("jalal-abad") == "Jalal-Abad" and place_name("osh") == "Osh"
    f = features()
    assert explain(f, [], False, 0.1, []) == "not flagged (score 0.10): mentions uzbek in Osh"


def _spans(text: str, *found: tuple[str, str, str]) -> list[Span]:
    return [Span(kind, label, word, text.index(word), text.index(word) + len(word)) for kind, label, word in found]


def _sentences(text: str, targets, cues, context) -> Features:
    return Features(text=text, normalised=text, lang="ru", script="Cyrl", targets=_spans(text, *targets), places=[],
                    cues=_spans(text, *cues), context=_spans(text, *context), patterns_version="p1")


def test_a_news_report_about_another_group_beside_a_call_does_not_excuse_it():
    call = "Надо выгнать узбеков из Оша!"
    report = " Полиция сообщила о драке у школы, пострадали таджики."
    f = _sentences(call + report, [("target", "uzbek", "узбеков"), ("target", "tajik", "таджики")],
                   [("cue", "call_to_expulsion", "Надо выгнать")], [("context", "news_reporting", "Полиция сообщила")])
    a = run(f)
    assert a.incitement and "lowered" not in a.explanation
    # The same report with no group of its own, right after the call, is about the call: it still counts.
    alone = _sentences(call + " Полиция сообщила, что автор задержан.", [("target", "uzbek", "узбеков")],
                       [("cue", "call_to_expulsion", "Надо выгнать")], [("context", "news_reporting", "Полиция сообщила")])
    assert "lowered by news reporting" in run(alone).explanation
    # Before the call, it is the call's pretext ("Police reported a fight. Drive out the Uzbeks!"): it does not count.
    pretext = _sentences("Полиция сообщила о драке у школы. " + call, [("target", "uzbek", "узбеков")],
                         [("cue", "call_to_expulsion", "Надо выгнать")], [("context", "news_reporting", "Полиция сообщила")])
    assert run(pretext).incitement and "despite" not in run(pretext).explanation


def test_a_report_that_gives_the_reason_for_a_call_in_its_sentence_does_not_excuse_it():
    cue, target = [("cue", "call_to_violence", "бить узбеков")], [("target", "uzbek", "узбеков")]
    pretext = _sentences("Полиция сообщила, что занята выборами, так что пора бить узбеков.", target, cue,
                         [("context", "news_reporting", "Полиция сообщила")])
    assert run(pretext).incitement and "news reporting" not in run(pretext).explanation
    # without "so" the report may be of the call itself, and still counts
    report = _sentences("Полиция сообщила, что в чате звали бить узбеков.", target, cue,
                        [("context", "news_reporting", "Полиция сообщила")])
    assert "lowered by news reporting" in run(report).explanation
    # "потому что" (because) makes the call the reason for the report: the report of it still counts
    because = _sentences("Полиция задержала блогера, потому что он звал бить узбеков.", target, cue,
                         [("context", "news_reporting", "Полиция задержала")])
    assert "lowered by news reporting" in run(because).explanation
    # ", so-called" gives no reason
    so_called = replace(_sentences("Police reported that the bloggers, so-called patriots, urged people to beat the Uzbeks.",
                                   [("target", "uzbek", "Uzbeks")], [("cue", "call_to_violence", "beat the Uzbeks")],
                                   [("context", "news_reporting", "Police reported")]), lang="en", script="Latn")
    assert "lowered by news reporting" in run(so_called).explanation


def test_a_marker_set_against_the_call_by_but_does_not_excuse_it():
    cue, target = [("cue", "call_to_expulsion", "надо гнать")], [("target", "tajik", "таджиков")]
    but = _sentences("Не верьте слухам, но таджиков надо гнать.", target, cue,
                     [("context", "counter_speech", "Не верьте слухам")])
    assert run(but).incitement and "lowered" not in run(but).explanation
    # without "но" the appeal bears on the call, and after it, it answers the call
    plain = _sentences("Не верьте слухам, таджиков надо гнать.", target, cue, [("context", "counter_speech", "Не верьте слухам")])
    assert "lowered by counter speech" in run(plain).explanation
    answer = _sentences("Говорят, что таджиков надо гнать, но это ложь.", target, cue, [("context", "counter_speech", "это ложь")])
    assert "lowered by counter speech" in run(answer).explanation and not run(answer).incitement


def test_a_cue_counts_as_aimed_only_at_a_group_in_its_sentence_or_the_one_before():
    text = "Травить крыс на складе пора. Перепись: в Ноокате больше узбеков."
    f = _sentences(text, [("target", "uzbek", "узбеков")], [("cue", "dehumanization", "крыс")], [])
    assert not run(f, {"incitement": 0.3}).incitement
    before = "Узбеки? Крысы, а не люди."
    g = _sentences(before, [("target", "uzbek", "Узбеки")], [("cue", "dehumanization", "Крысы")], [])
    assert run(g, {"incitement": 0.3}).incitement       # raised by the hallmark aimed at the group


def test_a_cue_questioning_loyalty_is_aimed_at_a_group_named_anywhere_before_it_in_a_short_text():
    imam = "Имам назвал уйгуров братьями в пятничной проповеди. Чей он имам, наш или их? Такой имам — предатель."
    target = [("target", "uyghur", "уйгуров")]
    loyalty = _sentences(imam, target, [("cue", "questioning_ingroup_loyalty", "предатель")], [])
    a = run(loyalty, {"incitement": 0.3})
    assert a.incitement and "against uyghur" in a.explanation
    # Another hallmark two sentences after the group is not aimed at it, nor is the cue in a long text.
    assert not run(_sentences(imam, target, [("cue", "dehumanization", "предатель")], []), {"incitement": 0.3}).incitement
    article = imam.replace(" Чей", " Погода в Оше тёплая." * 60 + " Чей")
    assert not run(_sentences(article, target, [("cue", "questioning_ingroup_loyalty", "предатель")], []),
                   {"incitement": 0.3}).incitement


def test_beside_an_accusation_in_a_mirror_a_groups_speech_does_not_count_but_a_quotative_still_does():
    mirror = [("cue", "accusation_in_a_mirror", "долина станет нашей")]
    said = "Узбеки говорят своим детям: «Скоро долина станет нашей»."
    f = _sentences(said, [("target", "uzbek", "Узбеки")], mirror,
                   [("context", "reported_speech", "говорят"), ("context", "quotation", "«Скоро долина станет нашей»")])
    assert not re.search("speech|quotation", run(f, {"incitement": 0.4}).explanation)
    # the group before a Kyrgyz quotative is the rumour's subject here, not its speaker
    rumour = "Эксперттер кыргыздар кыргынга даярданып жатышат деп айтышты."
    g = _sentences(rumour, [("target", "kyrgyz", "кыргыздар")], [("cue", "accusation_in_a_mirror", "кыргынга даярданып")],
                   [("context", "reported_speech", "деп")])
    assert "(despite reported speech)" in run(g, {"incitement": 0.4}).explanation


def test_in_a_passage_of_a_long_text_only_an_answer_in_another_sentence_excuses_a_call():
    call = "Надо выгнать узбеков из Оша!"
    cue, target = [("cue", "call_to_expulsion", "Надо выгнать")], [("target", "uzbek", "узбеков")]
    unrelated = _sentences(call + " Из-за града пострадал урожай лука.", target, cue, [("context", "news_reporting", "пострадал")])
    assert "lowered by news reporting" in run(unrelated).explanation          # a post: the report may be about the call
    passage = decide(unrelated, PROBS, 0.5, item_id="", content_hash="", model_name="m", model_version="v1", passage=True)
    assert passage.incitement and "lowered" not in passage.explanation
    answered = _sentences(call + " Не верьте провокаторам.", target, cue, [("context", "counter_speech", "провокаторам")])
    passage = decide(answered, PROBS, 0.5, item_id="", content_hash="", model_name="m", model_version="v1", passage=True)
    assert not passage.incitement and "lowered by counter speech" in passage.explanation
    assert excused(answered, passage=True) and excused(unrelated) and not excused(unrelated, passage=True)


def test_a_no_answering_a_question_that_holds_a_call_negates_it():
    call = [("cue", "call_to_expulsion", "Выгнать")]
    text = "Выгнать узбеков из Оша? Конечно, нет. Это и их город тоже."
    f = _sentences(text, [("target", "uzbek", "узбеков")], call, [("context", "negation", "нет")])
    a = run(f, {"incitement": 0.7})
    assert not a.incitement and "negated cue" in a.explanation
    # Not an answer: the question before it holds no group and no cue, or the negation comes late.
    for other in ("Что делать? Нет, надо Выгнать узбеков из Оша!", "Выгнать узбеков из Оша? Давно пора, и никто нам не помешает."):
        g = _sentences(other, [("target", "uzbek", "узбеков")], call, [("context", "negation", "никто" if "никто" in other else "Нет")])
        assert "negated cue" not in run(g, {"incitement": 0.7}).explanation, other


def test_the_layout_finds_each_positions_sentence_and_each_sentences_cues():
    from tocsin.models.layout import Layout
    from tocsin.nlp.chunking import sentence_bounds

    text = "Надо выгнать узбеков! Погода хорошая.\nВыгнать их? Нет. "
    f = _sentences(text, [("target", "uzbek", "узбеков")], [("cue", "call_to_expulsion", "выгнать"),
                                                            ("cue", "call_to_expulsion", "Выгнать")], [])
    layout = Layout(f)
    bounds = sentence_bounds(text)
    assert layout.bounds == bounds and len(bounds) == 5
    for position in range(len(text) + 3):
        expected = next((k for k, (a, b) in enumerate(bounds) if a <= position < b), len(bounds) - 1)
        assert layout.sentence_of(position) == expected, position
    assert {k: [c.text for c in cues] for k, cues in layout.cues.items()} == {0: ["выгнать"], 2: ["Выгнать"]}


def test_a_classifier_sure_of_the_hostile_words_cannot_outvote_a_negated_cue():
    text = "Никто не собирается выгонять узбеков из Оша."
    start = text.index("не")
    negation = [Span("context", "negation", "не", start, start + 2)]
    f = features(text, context=negation, cues=False)
    f.cues = [Span("cue", "call_to_expulsion", "выгонять", text.index("выгонять"), text.index("выгонять") + 8)]
    sure = run(f, {"incitement": 0.99999})
    assert not sure.incitement and sure.score < 0.3
    assert "negated cue" in sure.explanation
    plain = features(text.replace("не собирается", "собирается"), cues=False)
    plain.cues = [Span("cue", "call_to_expulsion", "выгонять", plain.text.index("выгонять"), plain.text.index("выгонять") + 8)]
    assert run(plain, {"incitement": 0.99999}).incitement


def test_a_negated_cue_beside_a_plain_call_does_not_silence_the_classifier():
    text = "Никто не собирается выгонять узбеков из Оша. А я скажу: надо бить узбеков!"
    start = text.index("не")
    f = features(text, context=[Span("context", "negation", "не", start, start + 2)], cues=False)
    first, second = text.index("выгонять"), text.index("надо бить")
    f.cues = [Span("cue", "call_to_expulsion", "выгонять", first, first + 8),
              Span("cue", "call_to_violence", "надо бить", second, second + 9)]
    f.targets.append(Span("target", "uzbek", "узбеков", text.rindex("узбеков"), text.rindex("узбеков") + 7))
    assert run(f, {"incitement": 0.99999}).incitement


def test_a_denial_beside_a_plain_call_does_not_excuse_the_call():
    """The denial counts only as a negation of unknown reach: the call keeps its boost."""
    text = "Никто не предлагает выгнать узбеков. Но таджиков надо бить!"

    def span(kind: str, label: str, word: str) -> Span:
        start = text.index(word)
        return Span(kind, label, word, start, start + len(word))

    f = Features(text=text, normalised=text, lang="ru", script="Cyrl",
                 targets=[span("target", "uzbek", "узбеков"), span("target", "tajik", "таджиков")],
                 cues=[span("cue", "call_to_expulsion", "выгнать"), span("cue", "call_to_violence", "надо бить")],
                 context=[span("context", "negation", "не")], patterns_version="p1")
    mixed = run(f, {"incitement": 0.3})
    assert mixed.incitement and "negated cue" not in mixed.explanation
    f.cues = f.cues[:1]   # the denial alone still excuses its own call
    denial = run(f, {"incitement": 0.3})
    assert not denial.incitement and "negated cue" in denial.explanation


@pytest.mark.parametrize("text, cue", [("Кыргызы должны выгнать узбеков из Оша.", "должны выгнать узбеков"),
                                       ("Кыргызы, выгоним узбеков из Оша!", ", выгоним узбеков")])
def test_the_group_a_call_is_aimed_at_comes_first_not_the_group_called_on(text, cue):

    def at(kind: str, label: str, word: str) -> Span:
        start = text.index(word)
        return Span(kind, label, word, start, start + len(word))

    f = Features(text=text, lang="ru", targets=[at("target", "kyrgyz", "Кыргызы"), at("target", "uzbek", "узбеков")],
                 places=[at("place", "osh", "Оша")], cues=[at("cue", "call_to_expulsion", cue)],
                 context=[], patterns_version="p1")
    a = run(f)
    assert [t["group"] for t in a.targets] == ["uzbek", "kyrgyz"]
    assert a.explanation.startswith("call to expulsion against uzbek (also named: kyrgyz) in Osh")


def test_a_refused_call_is_a_negated_cue_however_sure_the_classifier_but_a_refusal_elsewhere_excuses_no_call():
    text = "Qirgʻizlarni urmanglar!"
    refusal = Span("context", "refusal", "urmanglar", text.index("urmanglar"), len(text) - 1)
    refused = Features(text=text, normalised=text, lang="uz", script="Latn", context=[refusal],
                       targets=[Span("target", "kyrgyz", "Qirgʻizlarni", 0, 12)])
    sure = run(refused, {"incitement": 0.999999})
    assert not sure.incitement and sure.score < 0.2 and "refusal" in sure.explanation
    call = "Не трогайте нас. А узбеков надо выгнать!"
    start = call.index("узбеков")
    f = Features(text=call, normalised=call, lang="ru", script="Cyrl", context=[Span("context", "refusal", "Не трогайте", 0, 11)],
                 targets=[Span("target", "uzbek", "узбеков", start, start + 7)],
                 cues=[Span("cue", "call_to_expulsion", "надо выгнать", call.index("надо"), call.index("надо") + 12)])
    assert run(f, {"incitement": 0.9}).incitement, "a refusal about us, beside a call against a group"


def _quoted_call(text: str, endorsement: str) -> Features:
    """``text`` with its «…» quotation, the call and the group inside it, and ``endorsement`` marked."""
    def span(kind: str, label: str, word: str, after: int = 0) -> Span:
        start = text.index(word, after)
        return Span(kind, label, word, start, start + len(word))

    quoted = text[text.index("«"):text.index("»") + 1]
    return Features(text=text, normalised=text, lang="ru", script="Cyrl",
                    targets=[span("target", "uzbek", "Узбеков")], cues=[span("cue", "call_to_expulsion", "надо выгнать")],
                    context=[span("context", "quotation", quoted), span("context", "endorsement", endorsement)])


def test_a_quoted_call_approved_by_the_writer_is_not_excused_by_its_quotation():
    sure_it_is_quoted = {"incitement": 1e-6}
    approved = run(_quoted_call("«Узбеков надо выгнать» — правильно сказано!", "правильно сказано"), sure_it_is_quoted)
    assert approved.incitement and "approved" in approved.explanation and "quotation" not in approved.explanation
    next_sentence = run(_quoted_call("Блогер пишет: «Узбеков надо выгнать». Правильно сказано!", "Правильно сказано"),
                        sure_it_is_quoted)
    assert next_sentence.incitement
    # approval that introduces words of its own approves them, not the call quoted before it
    own_words = run(_quoted_call("«Узбеков надо выгнать», кричали в толпе. Правильно сказал аким: позор им.", "Правильно сказал"),
                    sure_it_is_quoted)
    assert not own_words.incitement and "approved" not in own_words.explanation
    # approval two sentences away, or inside the quotation, approves nothing
    far = run(_quoted_call("«Узбеков надо выгнать». Так писали в 2010-м. Правильно сказано!", "Правильно сказано"), sure_it_is_quoted)
    inside = run(_quoted_call("«Узбеков надо выгнать, правильно сказано» — пишет тролль.", "правильно сказано"), sure_it_is_quoted)
    assert not far.incitement and not inside.incitement


def test_approval_leaves_a_news_report_beside_the_quotation_in_place():
    f = _quoted_call("Задержан автор поста «Узбеков надо выгнать» — и правильно!", "и правильно")
    a = run(replace(f, context=f.context + [Span("context", "news_reporting", "Задержан", 0, 8)]), {"incitement": 1e-6})
    assert not a.incitement and "news reporting" in a.explanation


def test_approval_beside_words_neither_quoted_nor_reported_changes_nothing():
    text = "Надо выгнать узбеков из Оша! Полностью согласен."
    approval = Span("context", "endorsement", "Полностью согласен", text.index("Полностью"), len(text) - 1)
    unsure = {"incitement": 0.01}
    plain, approved = run(features(text), unsure), run(features(text, context=[approval]), unsure)
    assert approved.score == plain.score and "approved" not in approved.explanation


def test_a_call_to_exclusion_is_held_to_the_floor_and_named_but_not_when_negated_or_excused():
    def excluding(text: str, form: str = "exclusion", context: list[Span] | None = None) -> Features:
        words = "узбеков из Оша на работу не берём"
        start = text.index(words)
        cue = Span("cue", "call_to_expulsion", words, start, start + len(words), form)
        return replace(features(text, cues=False, context=context), cues=[cue])

    sure_it_is_harmless = {"incitement": 0.0001}
    text = "Говорю прямо: узбеков из Оша на работу не берём."
    assert not run(excluding(text, form=""), sure_it_is_harmless).incitement   # a plain call: the classifier weighs it
    a = run(excluding(text), sure_it_is_harmless)
    assert a.incitement and a.explanation == "call to exclusion against uzbek in Osh: 'узбеков из Оша на работу не берём'"
    assert [s["form"] for s in a.spans if s["kind"] == "cue"] == ["exclusion"]
    assert all("form" not in s for s in a.spans if s["kind"] != "cue")
    denied = "Неправда, что узбеков из Оша на работу не берём."
    negation = [Span("context", "negation", "Неправда", 0, 8)]
    assert not run(excluding(denied, context=negation), sure_it_is_harmless).incitement
    beside = denied + " Предатели они."   # a cue of its own in the next sentence: the denial still governs the call
    other = Span("cue", "questioning_ingroup_loyalty", "Предатели", len(denied) + 1, len(denied) + 10)
    with_other = excluding(beside, context=negation)
    assert not run(replace(with_other, cues=[*with_other.cues, other]), sure_it_is_harmless).incitement
    at = text.index("прямо")
    condemned = [Span("context", "condemnation", "прямо", at, at + 5)]
    assert not run(excluding(text, context=condemned), sure_it_is_harmless).incitement
    reported = [Span("context", "reported_speech", "Говорю", 0, 6)]   # someone else's words: the classifier decides
    assert not run(excluding(text, context=reported), sure_it_is_harmless).incitement


def test_a_call_made_twice_is_held_to_the_floor_unless_anything_frames_it():
    text = "Надо выгнать узбеков из Оша, им тут не место."
    calls = _spans(text, ("cue", "call_to_expulsion", "Надо выгнать"), ("cue", "call_to_expulsion", "им тут не место"))
    sure_it_is_harmless = {"incitement": 0.0001}
    twice = replace(features(text, cues=False), cues=calls)
    assert run(twice, sure_it_is_harmless).incitement
    assert not run(replace(twice, cues=calls[:1]), sure_it_is_harmless).incitement     # once: the classifier weighs it
    overlapping = _spans(text, ("cue", "call_to_violence", "выгнать узбеков"))
    assert not run(replace(twice, cues=[calls[0], *overlapping]), sure_it_is_harmless).incitement   # one call read twice
    quoted = [Span("context", "quotation", text, 0, len(text))]
    assert not run(replace(twice, context=quoted), sure_it_is_harmless).incitement
    reported = [Span("context", "reported_speech", "Надо", 0, 4)]   # a weak marker beside them: the classifier weighs it
    assert not run(replace(twice, context=reported), sure_it_is_harmless).incitement
    inside = replace(twice, targets=_spans(text, ("target", "uzbek", "узбеков")),
                     cues=[*_spans(text, ("cue", "call_to_expulsion", "Надо выгнать узбеков")), calls[1]])
    assert run(inside, sure_it_is_harmless).incitement   # the group inside a call's own span is in its clause


def test_a_call_made_twice_counts_only_where_the_group_is_named_in_a_calls_clause():
    text = "Крыс надо выгнать, гнёзда им тут не место — говорит сосед-узбек."
    calls = _spans(text, ("cue", "call_to_expulsion", "надо выгнать"), ("cue", "call_to_expulsion", "им тут не место"))
    f = replace(features(), text=text, normalised=text, cues=calls, targets=_spans(text, ("target", "uzbek", "узбек")),
                places=[])
    assert not run(f, {"incitement": 0.0001}).incitement   # the group is named after the dash, apart from both calls


def names(text: str, *words: tuple[str, str, str]) -> Features:
    """Features of ``text`` with a span for each (kind, label, word) and no cue."""
    spans = {"target": [], "place": []}
    for kind, label, word in words:
        start = text.index(word)
        spans[kind].append(Span(kind, label, word, start, start + len(word)))
    return Features(text=text, normalised=text, lang="ru", script="Cyrl", targets=spans["target"], places=spans["place"],
                    patterns_version="p1")


@pytest.mark.parametrize("text, words", [
    ("узбеки", [("target", "uzbek", "узбеки")]),
    ("#Кыргыздар!!! 🔥", [("target", "kyrgyz", "Кыргыздар")]),
    ("Uzbeks and Tajiks in Osh?", [("target", "uzbek", "Uzbeks"), ("target", "tajik", "Tajiks"), ("place", "osh", "Osh")]),
    ("Uzbeks \u0430nd Tajiks", [("target", "uzbek", "Uzbeks"), ("target", "tajik", "Tajiks")]),   # a Cyrillic "а"
    ("Uzbeks a\u200bnd Tajiks", [("target", "uzbek", "Uzbeks"), ("target", "tajik", "Tajiks")]),   # a zero-width space
])
def test_a_text_that_only_names_groups_is_not_flagged_however_sure_the_classifier_is(text, words):
    from tocsin.models.decision import names_only

    sure = {"incitement": 0.99999, "dehumanization": 0.9}
    a = run(names(text, *words), sure)
    assert names_only(names(text, *words)) and not a.incitement and a.score < 0.3
    assert "it only names a group" in a.explanation


@pytest.mark.parametrize("text, words", [
    ("Узбеки вон", [("target", "uzbek", "Узбеки")]),                   # a word beside the name: the classifier reads it
    ("Узбеки живут в Оше", [("target", "uzbek", "Узбеки"), ("place", "osh", "Оше")]),
    ("Ош", [("place", "osh", "Ош")]),                                   # no group named
])
def test_a_text_with_more_than_names_keeps_the_classifiers_reading(text, words):
    from tocsin.models.decision import names_only

    assert not names_only(names(text, *words))
    assert "it only names a group" not in run(names(text, *words), {"incitement": 0.99999}).explanation


def test_a_call_and_a_target_share_a_clause_as_the_pairwise_reading_says():
    """clause_mates looks at the nearest targets only; on random texts it agrees with every pair looked at."""
    import random

    from tocsin.models.decision import clause_mates, same_clause

    rng = random.Random(7)
    for _ in range(300):
        text = "".join(rng.choice("ab ,;:—-") for _ in range(60))
        spans = []
        for label in ("target", "cue", "target", "cue", "target"):
            start = rng.randrange(0, 55)
            spans.append(Span(label, "x", text[start:start + 3], start, start + rng.randrange(1, 5)))
        targets = [s for s in spans if s.label == "target"]
        for call in (s for s in spans if s.label == "cue"):
            assert clause_mates(text, targets)(call) == any(same_clause(text, t, call) for t in targets), (text, call)
