"""A plain call or slur against a group, beside a sentence whose own cue a news report, quotation or rebuke
excuses, is judged on its own: the report about another group's slur does not excuse it, and the classifier,
which reads the whole text as the report it was trained on, does not speak for it. The same words about the group
the report is about may go on with the report, and are left to it; so are a rebuke that names no group, a
quotation that runs over both sentences, and a sentence whose own reporting verb frames it."""

from __future__ import annotations

import pytest

from tocsin.models.decision import bearing
from tocsin.models.passages import beside_excused, passage_text

#: (text, the plain sentence judged on its own)
FLAGGED = [
    ("Andijan: police are checking posts that called the Uyghurs “jackals”. The Jews are preparing a massacre.",
     "The Jews are preparing a massacre."),
    ("Ўш: милитсия уйғурларни «чиябўрилар» деб атаган постларни иш қўзғатди. Руслар — каламушлар.",
     "Руслар — каламушлар."),
    ("Burn down the houses of the Jews on Kurmanjan Datka Street before dawn. Osh: police are checking posts that "
     "called the Dungans “savages”.", "Burn down the houses of the Jews on Kurmanjan Datka Street before dawn."),
]

NOT_FLAGGED = [
    # the same group: the second sentence goes on with the report
    "Police opened a case over posts calling the Kyrgyz “parasites”. Such posts call for the Kyrgyz to be driven out.",
    # the second sentence reports someone's view in its own words
    "«Узбеки — крысы», — пишет один блогер. Таджиков надо выгнать, считает он.",
    # a rebuke in a sentence that names no group answers every cue
    "ерни қозоққа сотган одамни хоин деяпсизлар. ер унинг мулки кимга сотса ўз ихтиёри. асл хоинлик одамлар орасига "
    "нафрат сепиш",
    # one quotation over both sentences
    "Police are checking a post that said: “The Uyghurs are jackals. The Jews are preparing a massacre.”",
]


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts([t for t, _ in FLAGGED] + NOT_FLAGGED)


@pytest.mark.parametrize(("text", "plain"), FLAGGED)
def test_a_plain_cue_beside_an_excused_one_is_judged_on_its_own(decided, text, plain):
    features, analysis = decided[text]
    [passage] = beside_excused(features)
    assert passage_text(text, passage.claim)[0] == plain
    assert not bearing(features).markers, "the other sentence's report must not excuse the plain one"
    assert analysis.incitement, analysis.explanation
    assert f"(in the passage at character {text.index(plain):,})" in analysis.explanation


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_a_cue_the_report_goes_on_with_is_left_to_it(decided, text):
    features, analysis = decided[text]
    assert len(features.cues) >= 2, features.cues
    assert beside_excused(features) == []
    assert not analysis.incitement, analysis.explanation


def test_a_lone_plain_call_is_no_passage_of_a_short_text(decided):
    features, _ = decided[FLAGGED[0][0]]
    features.cues = features.cues[-1:]
    assert beside_excused(features) == []


@pytest.mark.parametrize(("text", "words"), [
    ("Таджиков надо выгнать, считает он.", "считает"),
    ("А таджиков, по его мнению, надо выгнать.", "по его мнению"),
    ("The Tajiks, in his view, must be driven out.", "in his view"),
    ("Анын оюнча, тажиктерди кууп чыгуу керек.", "Анын оюнча"),
    ("Uning fikricha, tojiklarni haydash kerak.", "Uning fikricha"),
])
def test_someone_elses_view_is_reported_speech(decide_texts, text, words):
    features, _ = decide_texts([text])[text]
    assert ("reported_speech", words) in {(c.label, c.text) for c in features.context}


@pytest.mark.parametrize("text", ["Я считаю, что таджиков надо выгнать.", "По моему мнению, таджиков надо выгнать.",
                                  "In my view the Tajiks must be driven out."])
def test_the_writers_own_view_is_not_reported_speech(decide_texts, text):
    features, _ = decide_texts([text])[text]
    assert "reported_speech" not in {c.label for c in features.context}
