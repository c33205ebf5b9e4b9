"""A welcome in quotation marks is someone else's word, not the writer's: "Ким еврейлерди «бир тууган» деп атаса, ал
элге жат" (whoever calls the Jews «brothers» is a stranger to the people) welcomes no one."""

from __future__ import annotations

from tocsin.models.decision import welcomes_all_it_names


def test_a_quoted_welcome_does_not_count(analyser):
    quoted = analyser.features("Ким еврейлерди «бир тууган» деп атаса, ал элге жат.", "ky")
    assert [c.text for c in quoted.context if c.label == "inclusion"] == ["бир тууган"]
    assert not welcomes_all_it_names(quoted)


def test_the_writers_own_welcome_counts(analyser):
    assert welcomes_all_it_names(analyser.features("Еврейлер бизге бир тууган.", "ky"))
