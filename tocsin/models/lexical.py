"""The character n-gram companion of the classifier: hashed n-grams, TF-IDF, a logistic regression.

A small transformer trained from scratch learns the sentence frames of its training templates and reads
new frames poorly; a linear model over character n-grams (2 to 5 characters, within words) carries what
words and word pieces mean across frames, spellings and inflections much better. The classifier blends
the two in log-odds for the ``incitement`` label (see :meth:`LexicalModel.blend`); the hallmarks come
from the transformer alone.

Stored beside the transformer as ``lexical.safetensors`` (the IDF and the weights, float16, with the
settings as metadata): no pickle, nothing executed when loading. Long texts are read in overlapping
chunks of :data:`CHUNK_CHARS` characters and the most hateful chunk counts, as the transformer's windows do.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

logger = logging.getLogger(__name__)

LEXICAL_FILE = "lexical.safetensors"
N_FEATURES = 2 ** 19
NGRAM_RANGE = (2, 5)
#: Long texts are scored in chunks of this many characters, overlapping by :data:`CHUNK_OVERLAP`.
CHUNK_CHARS = 300
CHUNK_OVERLAP = 100


def chunks(text: str, size: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """The text cut into overlapping pieces of about ``size`` characters, at spaces where possible."""
    if len(text) <= size:
        return [text]
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start + size // 2, end)
            end = space if space > 0 else end
        out.append(text[start:end])
        if end >= len(text):
            break
        back = text.find(" ", max(start + 1, end - overlap), end)
        start = back + 1 if back > 0 else end
    return out


def _vectoriser() -> Any:
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, n_features=N_FEATURES,
                             alternate_sign=False, norm=None, lowercase=True, dtype=np.float32)


def _tfidf(counts: Any, idf: np.ndarray) -> Any:
    """Sublinear term frequency × IDF, each row scaled to unit length."""
    from sklearn.preprocessing import normalize

    counts = counts.tocsr(copy=True)
    counts.data = (1.0 + np.log(counts.data)) * idf[counts.indices]
    return normalize(counts, norm="l2", copy=False)


@dataclass
class LexicalModel:
    """IDF per n-gram bucket, a weight per bucket and an intercept, and how the classifier blends it in.

    :param weight: share of the blended incitement log-odds that comes from this model (0 to 1).
    :param scale: this model's log-odds are multiplied by it before blending (its logits are far less
        extreme than an over-confident small transformer's).
    """

    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    weight: float = 0.5
    scale: float = 1.0

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[int], sample_weight: Sequence[float] | None = None, *,
            c: float = 3.0, weight: float = 0.5, scale: float = 1.0) -> "LexicalModel":
        """Learn from prepared texts (see :func:`tocsin.models.classifier.prepare_text`) and 0/1 labels."""
        from sklearn.linear_model import LogisticRegression

        counts = _vectoriser().transform(texts)
        df = np.bincount(counts.tocsc().indices, minlength=N_FEATURES).astype(np.float64)
        idf = (np.log((1 + counts.shape[0]) / (1 + df)) + 1).astype(np.float32)
        regression = LogisticRegression(C=c, max_iter=3000)
        regression.fit(_tfidf(counts, idf), np.asarray(labels, dtype=np.int8), sample_weight=sample_weight)
        return cls(idf=idf, coef=regression.coef_[0].astype(np.float32), intercept=float(regression.intercept_[0]),
                   weight=weight, scale=scale)

    def logits(self, texts: Sequence[str], first_only: Sequence[bool] | None = None) -> list[float]:
        """Per prepared text, the log-odds of incitement of its most hateful chunk."""
        pieces: list[str] = []
        owner: list[int] = []
        for i, text in enumerate(texts):
            parts = chunks(text)
            if first_only is not None and first_only[i]:
                parts = parts[:1]
            pieces.extend(parts)
            owner.extend([i] * len(parts))
        if not pieces:
            return []
        scores = _tfidf(_vectoriser().transform(pieces), self.idf) @ self.coef + self.intercept
        best = [-math.inf] * len(texts)
        for i, s in zip(owner, scores.tolist()):
            best[i] = max(best[i], s)
        return best

    def blend(self, transformer_probability: float, lexical_logit: float) -> float:
        """The blended incitement probability: ``(1 - weight)·logit(p) + weight·scale·lexical_logit``."""
        p = min(max(transformer_probability, 1e-6), 1 - 1e-6)
        x = (1 - self.weight) * math.log(p / (1 - p)) + self.weight * self.scale * lexical_logit
        return 1 / (1 + math.exp(-max(min(x, 60.0), -60.0)))

    def save(self, folder: str | Path) -> Path:
        """Write ``lexical.safetensors`` into ``folder``."""
        from safetensors.numpy import save_file

        path = Path(folder) / LEXICAL_FILE
        meta = {"n_features": str(N_FEATURES), "ngram_range": f"{NGRAM_RANGE[0]},{NGRAM_RANGE[1]}",
                "analyzer": "char_wb", "intercept": repr(self.intercept), "weight": repr(self.weight),
                "scale": repr(self.scale)}
        # One metadata key: safetensors writes several in no fixed order, and the file's digest is the version.
        save_file({"idf": self.idf.astype(np.float16), "coef": self.coef.astype(np.float16)}, str(path),
                  metadata={"tocsin_lexical": json.dumps(meta, sort_keys=True)})
        return path

    @classmethod
    def load(cls, folder: str | Path) -> "LexicalModel | None":
        """The companion saved in ``folder``, or None when it has none."""
        from safetensors import safe_open

        path = Path(folder) / LEXICAL_FILE
        if not path.is_file():
            return None
        with safe_open(str(path), framework="numpy") as f:
            meta = json.loads((f.metadata() or {}).get("tocsin_lexical", "{}"))
            if meta.get("n_features") != str(N_FEATURES) or meta.get("ngram_range") != f"{NGRAM_RANGE[0]},{NGRAM_RANGE[1]}":
                raise ValueError(f"{path} was made with other n-gram settings ({meta}); retrain it with `tocsin train`")
            idf, coef = f.get_tensor("idf").astype(np.float32), f.get_tensor("coef").astype(np.float32)
        return cls(idf=idf, coef=coef, intercept=float(meta["intercept"]), weight=float(meta["weight"]),
                   scale=float(meta["scale"]))
