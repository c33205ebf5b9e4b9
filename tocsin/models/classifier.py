"""The incitement classifier: any Hugging Face sequence classifier, batched, windowed, on the CPU.

``Classifier.from_settings(settings.model)`` loads the embedded model (``tocsin/models/embedded``) when
``path`` is empty, else a local folder or a Hugging Face id. ``predict(texts)`` returns, per text, the
probability of each label (``incitement`` and each hallmark). Long texts are split into overlapping
windows of ``max_length`` tokens sharing ``stride`` tokens, and each label takes its maximum over the
windows, so a hateful sentence at the start, middle or end of a long article is seen. A model folder may
also hold a character n-gram companion (:mod:`tocsin.models.lexical`), blended into ``incitement``.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from tocsin.models.folder import EMBEDDED_DIR, ModelLoadError, folder_identity
from tocsin.models.lexical import LexicalModel
from tocsin.nlp.features import HALLMARKS

logger = logging.getLogger(__name__)

LABELS = ("incitement", *HALLMARKS)
#: Label names that other classifiers use for "this text is hateful"; used when a model has no ``incitement``.
POSITIVE_ALIASES = ("incitement", "hate", "hateful", "toxic", "offensive", "label_1", "1", "positive", "yes")


def prepare_text(text: str) -> str:
    """The text as the model sees it: evasions undone by the nlp normaliser (same in training and use)."""
    from tocsin.nlp.normalise import normalise

    return normalise(text).text


@dataclass
class _Window:
    text_index: int
    ids: list[int]


class Classifier:
    """A sequence classifier with its tokenizer, labels, name and version.

    :param model: a ``transformers`` sequence-classification model.
    :param tokenizer: its (fast) tokenizer.
    :param name: model name recorded in every analysis.
    :param version: model version recorded in every analysis.
    :param lexical: the character n-gram companion blended into ``incitement``, if the model has one.
    """

    def __init__(self, model: Any, tokenizer: Any, *, name: str, version: str, batch_size: int = 32,
                 max_length: int = 256, stride: int = 64, threads: int = 2, lexical: LexicalModel | None = None):
        import torch

        if stride >= max_length:
            raise ValueError(f"model.stride ({stride}) must be smaller than model.max_length ({max_length})")
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self.version = version
        self.lexical = lexical
        self.batch_size = batch_size
        limit = getattr(model.config, "max_position_embeddings", max_length) or max_length
        # Some models (RoBERTa/XLM-R) reserve position ids for padding: keep two spare.
        self.max_length = min(max_length, limit - 2 if limit > 2 else limit)
        self.stride = min(stride, self.max_length // 2)
        self.threads = threads
        torch.set_num_threads(max(1, threads))
        id2label = {int(k): str(v) for k, v in (model.config.id2label or {}).items()}
        self.raw_labels = [id2label.get(i, f"LABEL_{i}") for i in range(model.config.num_labels)]
        problem = model.config.problem_type
        self.multi_label = problem == "multi_label_classification" or (
            model.config.num_labels != 2 and problem != "single_label_classification")
        self.labels = self._output_labels()

    # ------------------------------------------------------------------ loading

    @classmethod
    def from_settings(cls, settings: Any) -> "Classifier":
        """Load the classifier named by ``settings.model`` (a :class:`tocsin.config.ModelSettings`)."""
        return cls.load(settings.path or EMBEDDED_DIR, batch_size=settings.batch_size, max_length=settings.max_length,
                        stride=settings.stride, threads=settings.threads)

    @classmethod
    def load(cls, path: str | Path, *, offline: bool = False, **options: Any) -> "Classifier":
        """Load a classifier from a local folder or a Hugging Face id.

        A hub id is looked up in the local cache first and only then, unless ``offline``, on the hub.
        """
        where = str(path)
        local = Path(where).expanduser()
        identity = folder_identity(local, str(local)) if local.exists() else None
        source = str(local) if local.exists() else where
        try:
            try:
                tokenizer, model = _from_pretrained(source, local_files_only=True)
            except (OSError, ValueError):
                if local.exists() or offline:
                    raise
                tokenizer, model = _from_pretrained(source, local_files_only=False)
        except (OSError, ValueError) as e:
            raise ModelLoadError(
                f"cannot load the classifier {where!r}: {e}. Give model.path a local folder with config.json, "
                "the weights and the tokenizer, or a Hugging Face id already in the local cache; leave it empty "
                "for the embedded model."
            ) from e
        try:
            lexical = LexicalModel.load(local) if local.exists() else None
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"cannot load the n-gram companion in {local}: {e}") from e
        name = identity.name if identity else where
        version = identity.version if identity else (getattr(model.config, "tocsin_version", "")
                                                     or getattr(model.config, "_commit_hash", "") or "unversioned")
        logger.info("loaded classifier %s %s from %s", name, version, source)
        return cls(model, tokenizer, name=name, version=str(version), lexical=lexical, **options)

    # ------------------------------------------------------------------ labels

    def _output_labels(self) -> list[str]:
        names = [n.lower() for n in self.raw_labels]
        if "incitement" in names:
            return list(self.raw_labels)
        # A foreign classifier: report its labels, plus "incitement" taken from its positive label.
        return ["incitement", *self.raw_labels]

    def _positive_index(self) -> int:
        names = [n.lower() for n in self.raw_labels]
        for alias in POSITIVE_ALIASES:
            if alias in names:
                return names.index(alias)
        return len(names) - 1

    # ------------------------------------------------------------------ inference

    def windows(self, prepared: Sequence[str], first_only: Sequence[bool] | None = None) -> list[_Window]:
        """Token windows of every prepared text (only the first window where ``first_only`` says so)."""
        texts = prepared
        first_only = list(first_only) if first_only is not None else [False] * len(texts)
        out: list[_Window] = []
        full = [i for i, f in enumerate(first_only) if not f]
        quick = [i for i, f in enumerate(first_only) if f]
        if full:
            enc = self.tokenizer([prepared[i] for i in full], truncation=True, max_length=self.max_length,
                                 stride=self.stride, return_overflowing_tokens=True, padding=False)
            for ids, sample in zip(enc["input_ids"], enc["overflow_to_sample_mapping"]):
                out.append(_Window(full[sample], ids))
        if quick:
            enc = self.tokenizer([prepared[i] for i in quick], truncation=True, max_length=self.max_length, padding=False)
            for ids, i in zip(enc["input_ids"], quick):
                out.append(_Window(i, ids))
        return out

    def batches(self, windows: Sequence[_Window]) -> Iterator[tuple[list[_Window], np.ndarray, np.ndarray]]:
        """The windows in batches of ``batch_size``, shortest first, each padded to its longest: the batch's
        windows, their token ids and their attention mask (int64 arrays)."""
        order = sorted(range(len(windows)), key=lambda k: len(windows[k].ids))
        pad = self.tokenizer.pad_token_id or 0
        for start in range(0, len(order), self.batch_size):
            batch = [windows[k] for k in order[start:start + self.batch_size]]
            width = max(len(w.ids) for w in batch)
            ids = np.full((len(batch), width), pad, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, w in enumerate(batch):
                ids[row, : len(w.ids)] = w.ids
                mask[row, : len(w.ids)] = 1
            yield batch, ids, mask

    def predict(self, texts: Sequence[str], *, first_only: Sequence[bool] | None = None) -> list[dict[str, float]]:
        """Probability of each label for each text, in order.

        :param texts: the texts (any length).
        :param first_only: per text, score only its first window (the cheap path for texts with no target
            and no cue); default: every window.
        """
        import torch

        if not texts:
            return []
        torch.set_num_threads(max(1, self.threads))
        prepared = [prepare_text(t or "") for t in texts]
        windows = self.windows(prepared, first_only)
        best = [[-math.inf] * len(self.raw_labels) for _ in texts]
        with torch.inference_mode():
            for batch, ids, mask in self.batches(windows):
                logits = self.model(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask)).logits
                probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
                for w, row in zip(batch, probs.tolist()):
                    best[w.text_index] = [max(a, b) for a, b in zip(best[w.text_index], row)]
        out = [self._as_dict(row) for row in best]
        if self.lexical is not None:
            for probs, logit in zip(out, self.lexical.logits(prepared, first_only)):
                probs["incitement"] = self.lexical.blend(probs["incitement"], logit)
        return out

    def _as_dict(self, row: list[float]) -> dict[str, float]:
        row = [0.0 if v == -math.inf else float(v) for v in row]
        out = {label: p for label, p in zip(self.raw_labels, row)}
        if "incitement" not in out:
            out = {"incitement": row[self._positive_index()], **out}
        return out


def _from_pretrained(source: str, *, local_files_only: bool) -> tuple[Any, Any]:
    """The tokenizer and model of ``source``: a BERT classifier folder (the embedded model among them) in plain
    PyTorch, which starts seconds sooner; anything else through ``transformers``."""
    from tocsin.models import plain_bert

    plain = plain_bert.load(source) if Path(source).is_dir() else None
    if plain is not None:
        return plain
    return load_with_transformers(source, local_files_only=local_files_only)


def load_with_transformers(source: str, *, local_files_only: bool) -> tuple[Any, Any]:
    """The tokenizer and model of ``source`` as ``transformers`` builds them (any architecture it knows)."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()   # stderr stays readable for scripts that call tocsin

    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
    model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=local_files_only)
    return tokenizer, model
