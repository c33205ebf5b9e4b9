"""models: the incitement classifier, its training data, training, evaluation and the decision.

``from tocsin.models import Classifier`` loads lazily, so importing this package does not load torch.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Classifier"]


def __getattr__(name: str) -> Any:
    if name == "Classifier":
        from tocsin.models.classifier import Classifier

        return Classifier
    raise AttributeError(f"module 'tocsin.models' has no attribute {name!r}")
