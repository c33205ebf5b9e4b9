"""The character n-gram companion of the classifier: hashed n-grams, TF-IDF, a logistic regression.

A small transformer trained from scratch learns the sentence frames of its training templates and reads
new frames poorly; a linear model over character n-grams (2 to 5 characters, within words) carries what
words and word pieces mean across frames, spellings and inflections much better, the more so when it learns
only n-grams that several templates share (``min_groups`` of :meth:`LexicalModel.fit`). The classifier blends
the two in log-odds for the ``incitement`` label (see :meth:`LexicalModel.blend`); the hallmarks come
from the transformer alone.

Stored beside the transformer as ``lexical.safetensors`` (the IDF and the weights, float16, with the
settings as metadata): no pickle, nothing executed when loading. Long texts are read
sentence by sentence and the most hateful sentence counts, as the transformer's windows do.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence
from zlib import crc32

import numpy as np

from tocsin.nlp.chunking import split_sentences

logger = logging.getLogger(__name__)

LEXICAL_FILE = "lexical.safetensors"
N_FEATURES = 2 ** 19
NGRAM_RANGE = (2, 5)
#: How n-grams are made and hashed (recorded in the file; a file made another way is refused).
ANALYZER = "char_wb-crc32"
#: Texts longer than this many characters are scored sentence by sentence; a longer sentence in pieces of
#: this size overlapping by :data:`CHUNK_OVERLAP`.
CHUNK_CHARS = 300
CHUNK_OVERLAP = 100
#: Stopping tolerance of the logistic regression's solver. At scikit-learn's default (1e-4) lbfgs stops after
#: some 40 iterations, far from the optimum, and the companion it stops at reads unseen sentence frames worse
#: (docs/model-card.md, "A template-fold study").
FIT_TOLERANCE = 1e-6
#: Inverse regularisation strength of the logistic regression, chosen on a template fold and the validation
#: set (docs/model-card.md, "A template-fold study").
LEXICAL_C = 10.0


def chunks(text: str, size: int = CHUNK_CHARS, overlap: int = CHUNK_OVERLAP) -> list[str]:
    """A text longer than ``size`` characters as its sentences (a hateful sentence is not diluted by the
    paragraph around it), each sentence longer than ``size`` cut into overlapping pieces at spaces."""
    if len(text) <= size:
        return [text]
    out: list[str] = []
    for start, end in split_sentences(text):
        out.extend(pieces(text[start:end].strip(), size, overlap))
    return out or [text[:size]]


def pieces(text: str, size: int, overlap: int) -> list[str]:
    """``text`` cut into pieces of at most ``size`` characters overlapping by about ``overlap``, at spaces
    where possible."""
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


_SPACES = re.compile(r"\s+")


def ngram_buckets(text: str) -> list[int]:
    """The bucket of every character n-gram of the text's words, each word padded with a space on both sides
    (a word shorter than n gives one n-gram, itself); lower-cased; CRC-32 modulo :data:`N_FEATURES`."""
    out: list[int] = []
    for word in _SPACES.sub(" ", text.lower()).split():
        out.extend(word_buckets(word))
    return out


@lru_cache(maxsize=100_000)
def word_buckets(word: str) -> tuple[int, ...]:
    """The n-gram buckets of one lower-cased word (cached: most words of a text are frequent ones)."""
    low, high = NGRAM_RANGE
    mask = N_FEATURES - 1
    padded = f" {word} "
    size = len(padded)
    out: list[int] = []
    for n in range(low, high + 1):
        out.extend(crc32(padded[i:i + n].encode("utf-8", "surrogatepass")) & mask for i in range(max(1, size - n + 1)))
        if size <= n:
            break
    return tuple(out)


#: Chunks counted together by :func:`bucket_counts` (a whole training corpus at once would need gigabytes).
COUNT_BLOCK = 8192


def bucket_counts(parts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct (chunk, n-gram bucket) pair of ``parts``, ordered by chunk then bucket: the chunk's index,
    the bucket and how often the chunk has it (int32 arrays)."""
    blocks = [_block_counts(parts[start:start + COUNT_BLOCK], start) for start in range(0, len(parts), COUNT_BLOCK)]
    if not blocks:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.int32)
    part_of, buckets, counts = (np.concatenate(column) for column in zip(*blocks))
    return part_of, buckets, counts


def _block_counts(parts: Sequence[str], first: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`bucket_counts` of a block of chunks, the first of which is chunk number ``first``."""
    rows = [np.fromiter(ngram_buckets(part), dtype=np.int64) for part in parts]
    owner = np.repeat(np.arange(len(parts), dtype=np.int64), [len(row) for row in rows])
    keys, counts = np.unique(owner * N_FEATURES + np.concatenate(rows), return_counts=True)
    part_of, buckets = np.divmod(keys, N_FEATURES)
    return (part_of + first).astype(np.int32), buckets.astype(np.int32), counts.astype(np.int32)


def unit_weights(part_of: np.ndarray, buckets: np.ndarray, counts: np.ndarray, idf: np.ndarray, n: int) -> np.ndarray:
    """The TF-IDF weight (sublinear term frequency) of each pair of :func:`bucket_counts`, each of the ``n``
    chunks' weights scaled to unit length."""
    weights = (1.0 + np.log(counts)) * idf[buckets]
    norms = np.sqrt(np.bincount(part_of, weights=weights * weights, minlength=n))[part_of]
    return np.divide(weights, norms, out=np.zeros_like(weights), where=norms > 0)


def group_counts(part_of: np.ndarray, buckets: np.ndarray, groups: Sequence[str]) -> np.ndarray:
    """Per bucket, in how many distinct groups' texts it occurs (``part_of``, ``buckets``: see
    :func:`bucket_counts`; ``groups``: each text's group)."""
    _, group_of = np.unique(np.asarray(groups, dtype=str), return_inverse=True)
    pairs = np.unique(group_of.astype(np.int64)[part_of] * N_FEATURES + buckets)
    return np.bincount(pairs % N_FEATURES, minlength=N_FEATURES).astype(np.int32)


#: Numbers of sentences for which the fit records how far the highest ordinary one rises
#: (see :attr:`LexicalModel.tail`).
TAIL_SIZES = (2, 3, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000)
_LOG_TAIL_SIZES = np.log(np.array((1, *TAIL_SIZES), dtype=np.float64))


def expected_maximum(n: int) -> float:
    """About how far the largest of ``n`` standard normal draws lies above their mean (0 for one draw)."""
    if n <= 1:
        return 0.0
    a = math.sqrt(2 * math.log(n))
    return max(0.0, a - (math.log(math.log(n)) + math.log(4 * math.pi)) / (2 * a))


def upper_tail(ordinary: np.ndarray) -> np.ndarray:
    """For each n of :data:`TAIL_SIZES`, the 1 − 1/(n+1) quantile of ``ordinary`` log-odds above their mean
    (never decreasing in n)."""
    levels = [1 - 1 / (n + 1) for n in TAIL_SIZES]
    return np.maximum.accumulate(np.quantile(ordinary, levels) - np.mean(ordinary)).astype(np.float64)


@dataclass
class LexicalModel:
    """IDF per n-gram bucket, a weight per bucket and an intercept, and how the classifier blends it in.

    :param weight: share of the blended incitement log-odds that comes from this model (0 to 1).
    :param scale: this model's log-odds are multiplied by it before blending (its logits are far less
        extreme than an over-confident small transformer's).
    :param noise_sd: spread of the log-odds of ordinary training texts. A long text scored sentence by
        sentence keeps its most hateful sentence, discounted by about as far as the highest of its n
        sentences rises by chance when all are ordinary (:meth:`discount`), so that a long article is not
        flagged because one of its hundreds of sentences happens to score high.
    :param tail: for each n of :data:`TAIL_SIZES`, how far the highest of n sentences of ordinary training
        texts lies above their mean (their 1 − 1/(n+1) quantile). Ordinary sentences have a heavier upper
        tail than a normal curve (a few neutral lines that list groups score like hate), so for long texts
        the measured tail discounts more than ``noise_sd`` times :func:`expected_maximum`, which serves
        files saved without it.
    """

    idf: np.ndarray
    coef: np.ndarray
    intercept: float
    weight: float = 0.5
    scale: float = 1.0
    noise_sd: float = 1.0
    tail: np.ndarray | None = None

    @classmethod
    def fit(cls, texts: Sequence[str], labels: Sequence[int], sample_weight: Sequence[float] | None = None, *,
            c: float = LEXICAL_C, weight: float = 0.5, scale: float = 1.0,
            groups: Sequence[str] | None = None, min_groups: int = 1) -> "LexicalModel":
        """Learn from prepared texts (see :func:`tocsin.models.classifier.prepare_text`) and 0/1 labels.

        :param groups: what each text was made from (its template; any unique id for a text of its own).
        :param min_groups: only n-grams found in texts of at least this many groups are learnt: an n-gram of one
            template's frame says nothing about texts written otherwise, and a model that leans on it reads new
            sentence frames worse.
        """
        from scipy.sparse import csr_matrix
        from sklearn.linear_model import LogisticRegression

        part_of, buckets, counts = bucket_counts(texts)
        df = np.bincount(buckets, minlength=N_FEATURES).astype(np.float64)
        idf = (np.log((1 + len(texts)) / (1 + df)) + 1).astype(np.float32)
        if groups is not None and min_groups > 1:
            idf[group_counts(part_of, buckets, groups) < min_groups] = 0.0
        indptr = np.concatenate([[0], np.cumsum(np.bincount(part_of, minlength=len(texts)))])
        data = unit_weights(part_of, buckets, counts, idf, len(texts))
        matrix = csr_matrix((data, buckets, indptr), shape=(len(texts), N_FEATURES))
        regression = LogisticRegression(C=c, max_iter=5000, tol=FIT_TOLERANCE)
        y = np.asarray(labels, dtype=np.int8)
        regression.fit(matrix, y, sample_weight=sample_weight)
        ordinary = regression.decision_function(matrix[y == 0]) if (y == 0).any() else np.zeros(1)
        model = cls(idf=idf, coef=regression.coef_[0].astype(np.float32), intercept=float(regression.intercept_[0]),
                    weight=weight, scale=scale, noise_sd=float(np.std(ordinary)) or 1.0)
        # Sentence by sentence, as long texts are read: a sentence of a counter-speech or negated text alone
        # ("They say: kill them all.") can score far higher than its whole text.
        sentences = [score for text, label in zip(texts, y) if label == 0 for score in model.chunk_logits(text)]
        model.tail = upper_tail(np.array(sentences or [0.0]))
        return model

    def logits(self, texts: Sequence[str], first_only: Sequence[bool] | None = None) -> list[float]:
        """Per prepared text, the log-odds of incitement of its most hateful chunk (discounted for many chunks)."""
        parts = [chunks(text)[:1] if first_only is not None and first_only[i] else chunks(text)
                 for i, text in enumerate(texts)]
        scores = self.chunks_logits([part for text_parts in parts for part in text_parts])
        out, start = [], 0
        for text_parts in parts:
            mine = scores[start:start + len(text_parts)]
            start += len(text_parts)
            out.append(float(mine.max()) - self.discount(len(mine)))
        return out

    def chunk_logits(self, text: str) -> list[float]:
        """The log-odds of incitement of each chunk of a prepared text."""
        return self.chunks_logits(chunks(text)).tolist()

    def chunks_logits(self, parts: Sequence[str]) -> np.ndarray:
        """The log-odds of incitement of each chunk, all read at once (as :meth:`chunk_logit` reads one: the
        TF-IDF row of each chunk scaled to unit length, times the weights, plus the intercept)."""
        part_of, buckets, counts = bucket_counts(parts)
        weights = unit_weights(part_of, buckets, counts, self.idf, len(parts))
        return np.bincount(part_of, weights=weights * self.coef[buckets], minlength=len(parts)) + self.intercept

    def discount(self, n: int) -> float:
        """How far the highest of ``n`` ordinary sentences rises above an ordinary one by chance."""
        if n <= 1:
            return 0.0
        if self.tail is None:
            return self.noise_sd * expected_maximum(n)
        return float(np.interp(math.log(n), _LOG_TAIL_SIZES, np.concatenate([[0.0], self.tail])))

    def chunk_logit(self, chunk: str) -> float:
        """The log-odds of incitement of one chunk."""
        return float(self.chunks_logits([chunk])[0])

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
                "analyzer": ANALYZER, "intercept": repr(self.intercept), "weight": repr(self.weight),
                "scale": repr(self.scale), "noise_sd": repr(self.noise_sd)}
        # One metadata key: safetensors writes several in no fixed order, and the file's digest is the version.
        tensors = {"idf": self.idf.astype(np.float16), "coef": self.coef.astype(np.float16)}
        if self.tail is not None:
            tensors["tail"] = self.tail.astype(np.float32)
        save_file(tensors, str(path),
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
            if (meta.get("n_features"), meta.get("ngram_range"), meta.get("analyzer")) != (
                    str(N_FEATURES), f"{NGRAM_RANGE[0]},{NGRAM_RANGE[1]}", ANALYZER):
                raise ValueError(f"{path} was made with other n-gram settings ({meta}); retrain it with `tocsin train`")
            idf, coef = f.get_tensor("idf").astype(np.float32), f.get_tensor("coef").astype(np.float32)
            tail = f.get_tensor("tail").astype(np.float64) if "tail" in f.keys() else None
        return cls(idf=idf, coef=coef, intercept=float(meta["intercept"]), weight=float(meta["weight"]),
                   scale=float(meta["scale"]), noise_sd=float(meta.get("noise_sd", 1.0)), tail=tail)
