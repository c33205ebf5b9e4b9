"""Lines the shipped model reads wrong, marked so that the tests say which and why, and fail once a model reads one
right (the mark is strict): the mark then comes off."""

from __future__ import annotations

from typing import Iterable

import pytest


def cases(texts: Iterable[str], known_wrong: dict[str, str]) -> list:
    """``texts`` as test parameters, each of ``known_wrong`` (text -> why) marked as an expected failure."""
    return [pytest.param(t, marks=pytest.mark.xfail(strict=True, reason=known_wrong[t])) if t in known_wrong else t
            for t in texts]
