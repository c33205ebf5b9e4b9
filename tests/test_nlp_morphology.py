"""Suffix stripping of the Turkic languages: the lemma a word maps to and the features its suffixes carry (case,
possessive, the question particle, the "-niki" / "-дики" of belonging)."""

from __future__ import annotations

import pytest

from tocsin.nlp.morphology import Lemmatiser


@pytest.mark.parametrize("lang, known, word, lemma, features", [
    ("ky", {"өзбек"}, "өзбектердинби", "өзбек", {"Number=Plur", "Case=Gen", "QuestionParticle=Yes"}),
    ("ky", {"өзбек"}, "өзбекпи", "өзбек", {"QuestionParticle=Yes"}),
    ("ky", {"өзбек"}, "өзбектер", "өзбек", {"Number=Plur"}),
    ("uz", {"qirgʻiz"}, "qirgʻizlarmi", "qirgʻiz", {"Number=Plur", "QuestionParticle=Yes"}),
    ("uz", {"qirgʻiz"}, "qirgʻizlarimizni", "qirgʻiz", {"Number=Plur", "Psor=1Pl", "Case=Acc"}),
    ("uz", {"tojik"}, "tojiklarnikimi", "tojik", {"Number=Plur", "QuestionParticle=Yes"}),   # "the Tajiks' (one)?"
    ("ky", {"өзбек"}, "өзбектердикиби", "өзбек", {"Number=Plur", "QuestionParticle=Yes"}),
])
def test_a_group_word_keeps_its_lemma_under_case_and_question_suffixes(lang, known, word, lemma, features):
    found, morph, _ = Lemmatiser(lang, known=known).analyse(word)
    assert found == lemma
    assert features <= set(morph.split("|"))


def test_a_word_that_only_ends_like_a_particle_is_left_alone():
    assert Lemmatiser("ky", known={"өзбек"}).analyse("кабы")[0] == "кабы"
