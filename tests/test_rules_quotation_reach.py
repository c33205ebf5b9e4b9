"""A quotation bears on the cues it holds, also when it opens in an earlier sentence than the cue, as long as something
frames it as someone's words (a report, a condemnation) or a dash after it says whose they are; a chant the writer
calls his own is his call. Quotations within quotations are read as one, and "None of it is true" denies a rumour."""

from __future__ import annotations

import pytest

#: Hostile words quoted over several sentences, and said to be someone else's: not flagged.
QUOTED = [
    "«А зачем русские до сих пор живут в лучших домах Баткена? Им место — на их исторической родине, пусть едут "
    "туда.» — такие листовки рассылали перед погромом. Не дайте этому повториться.",
    "«Есть предложение устроить таджикам в Джалал-Абаде «субботник»: метлой — по головам, огоньком — по сараям. "
    "Инструмент выдадим, нужны руки.» — такие листовки появились в чатах. Это уголовное дело, сообщайте в милицию.",
    "The “signs” that the Russians are about to come for us? None of it is true. The families who left went to a "
    "wedding in Andijan.",
]

#: A chant in quotation marks that the writer gives as his own: still flagged.
OWN_CHANT = 'Our chant for Friday: "One, two, three, no Tajik goes free! Four, five, six, bring the sticks!" Learn it, lads.'


@pytest.fixture(scope="module")
def decided(decide_texts):
    return decide_texts(QUOTED + [OWN_CHANT])


@pytest.mark.parametrize("text", QUOTED)
def test_hostile_words_quoted_over_several_sentences_are_not_the_writers(decided, text):
    features, analysis = decided[text]
    assert features.cues, "the quoted words hold a cue"
    assert not analysis.incitement, (analysis.score, analysis.explanation)


def test_a_chant_the_writer_calls_his_own_is_his_call(decided):
    features, analysis = decided[OWN_CHANT]
    assert "quotation" in {c.label for c in features.context}
    assert analysis.incitement, (analysis.score, analysis.explanation)


def test_a_quotation_within_a_quotation_is_read_as_one(decided):
    features, _ = decided[QUOTED[1]]
    [quotation] = [c for c in features.context if c.label == "quotation"]
    assert quotation.text.startswith("«Есть предложение") and quotation.text.endswith("нужны руки.»")
