"""Lines the shipped model reads wrong, marked so that the tests say which and why, and fail once a model reads one
right (the mark is strict): the mark then comes off."""

from __future__ import annotations

from typing import Iterable

import pytest


def cases(texts: Iterable, known_wrong: dict[str, str], text_at: int | None = None) -> list:
    """``texts`` as test parameters, each of ``known_wrong`` (text -> why) marked as an expected failure. With
    ``text_at``, each is a tuple of parameters whose text is at that index."""
    params = []
    for item in texts:
        text = item if text_at is None else item[text_at]
        values = (item,) if text_at is None else item
        marks = [pytest.mark.xfail(strict=True, reason=known_wrong[text])] if text in known_wrong else []
        params.append(pytest.param(*values, marks=marks))
    return params
