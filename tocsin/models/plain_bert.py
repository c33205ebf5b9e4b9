"""A BERT sequence classifier run in plain PyTorch, with the ``tokenizers`` tokenizer: no ``transformers`` import.

Importing ``transformers`` and building a model through it costs several seconds on a small CPU, more than the
embedded model takes to score a thousand posts. A one-off ``tocsin classify`` pays it on every start. A folder
saved by ``tocsin train`` (or any BERT sequence classifier with absolute positions, GELU and a ``tokenizer.json``)
is read here instead, with the same weights, the same tokenizer file and the same outputs; any other folder, and
anything this module does not recognise, goes through ``transformers`` as before (:func:`load` returns None).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

#: What a folder's ``config.json`` must say for this module to run it.
_ARCHITECTURE = "BertForSequenceClassification"
_ACTIVATION = "gelu"
_POSITIONS = (None, "absolute")


@dataclass
class PlainConfig:
    """The parts of a Hugging Face config that :class:`tocsin.models.classifier.Classifier` reads."""

    num_labels: int
    id2label: dict[int, str]
    problem_type: str | None
    max_position_embeddings: int
    hidden_size: int
    num_attention_heads: int
    num_hidden_layers: int
    layer_norm_eps: float
    raw: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class PlainOutput:
    """What a ``transformers`` model returns, as far as the classifier uses it."""

    logits: Any


class PlainBert:
    """The forward pass of ``BertForSequenceClassification`` at inference (no dropout) over its weight tensors."""

    def __init__(self, config: PlainConfig, weights: dict[str, Any]):
        self.config = config
        self.weights = weights

    def eval(self) -> "PlainBert":
        """Nothing to switch: the forward pass has no dropout (kept for the ``transformers`` interface)."""
        return self

    def __call__(self, *, input_ids: Any, attention_mask: Any = None) -> PlainOutput:
        """The logits of each row of ``input_ids`` (attending to the tokens ``attention_mask`` marks; all of them
        when it is None)."""
        import torch

        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        w, eps = self.weights, self.config.layer_norm_eps
        width = input_ids.shape[1]
        hidden = (w["bert.embeddings.word_embeddings.weight"][input_ids]
                  + w["bert.embeddings.position_embeddings.weight"][:width]
                  + w["bert.embeddings.token_type_embeddings.weight"][0])
        hidden = _layer_norm(hidden, w, "bert.embeddings.LayerNorm", eps)
        attend = attention_mask.bool()[:, None, None, :]
        for layer in range(self.config.num_hidden_layers):
            hidden = self._layer(hidden, attend, f"bert.encoder.layer.{layer}.")
        pooled = torch.tanh(_linear(hidden[:, 0], w, "bert.pooler.dense"))
        return PlainOutput(_linear(pooled, w, "classifier"))

    def _layer(self, hidden: Any, attend: Any, prefix: str) -> Any:
        import torch.nn.functional as F

        w, eps = self.weights, self.config.layer_norm_eps
        batch, width, size = hidden.shape
        heads = self.config.num_attention_heads

        def split(name: str) -> Any:
            return _linear(hidden, w, prefix + "attention.self." + name).view(batch, width, heads, size // heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split("query"), split("key"), split("value"), attn_mask=attend)
        context = context.transpose(1, 2).reshape(batch, width, size)
        hidden = _layer_norm(_linear(context, w, prefix + "attention.output.dense") + hidden, w,
                             prefix + "attention.output.LayerNorm", eps)
        inner = F.gelu(_linear(hidden, w, prefix + "intermediate.dense"))
        return _layer_norm(_linear(inner, w, prefix + "output.dense") + hidden, w, prefix + "output.LayerNorm", eps)


def _linear(x: Any, weights: dict[str, Any], name: str) -> Any:
    import torch.nn.functional as F

    return F.linear(x, weights[name + ".weight"], weights[name + ".bias"])


def _layer_norm(x: Any, weights: dict[str, Any], name: str, eps: float) -> Any:
    import torch.nn.functional as F

    return F.layer_norm(x, (x.shape[-1],), weights[name + ".weight"], weights[name + ".bias"], eps)


class PlainTokenizer:
    """A ``tokenizer.json`` read by ``tokenizers``, called the way the classifier calls a ``transformers`` one."""

    def __init__(self, path: Path, pad_token: str):
        from tokenizers import Tokenizer

        try:
            self.backend = Tokenizer.from_file(str(path))
        except Exception as e:  # tokenizers raises a bare Exception for a damaged file
            raise OSError(f"{path} cannot be read as a tokenizer ({e}); copy the model folder again or retrain it") from e
        self.backend.no_padding()
        self.pad_token_id = self.backend.token_to_id(pad_token)

    def __len__(self) -> int:
        return self.backend.get_vocab_size(with_added_tokens=True)

    def __call__(self, texts: str | Sequence[str], *, truncation: bool = False, max_length: int | None = None,
                 stride: int = 0, return_overflowing_tokens: bool = False, padding: bool = False,
                 add_special_tokens: bool = True) -> dict[str, Any]:
        """Token ids of each text (a list of lists, or one list for one string), and with
        ``return_overflowing_tokens`` every further window of ``max_length`` sharing ``stride`` tokens, with the
        index of the text each window came from (``overflow_to_sample_mapping``)."""
        if padding:
            raise ValueError("PlainTokenizer does not pad; the classifier pads its batches itself")
        single = isinstance(texts, str)
        if truncation:
            self.backend.enable_truncation(max_length or 512, stride=stride)
        else:
            self.backend.no_truncation()
        encodings = self.backend.encode_batch([texts] if single else list(texts), add_special_tokens=add_special_tokens)
        if not return_overflowing_tokens:
            ids = [e.ids for e in encodings]
            return {"input_ids": ids[0] if single else ids}
        windows, samples = [], []
        for sample, encoding in enumerate(encodings):
            for part in (encoding, *encoding.overflowing):
                windows.append(part.ids)
                samples.append(sample)
        return {"input_ids": windows, "overflow_to_sample_mapping": samples}


def load(folder: str | Path) -> tuple[PlainTokenizer, PlainBert] | None:
    """The tokenizer and model of a BERT classifier folder, or None when the folder is anything else (another
    architecture or activation, relative positions, no ``tokenizer.json``, weights that do not fit the config)."""
    folder = Path(folder)
    paths = {name: folder / name for name in ("config.json", "model.safetensors", "tokenizer.json")}
    if not all(p.is_file() for p in paths.values()):
        return None
    raw = json.loads(paths["config.json"].read_text(encoding="utf-8"))
    if (raw.get("architectures") != [_ARCHITECTURE] or raw.get("model_type") != "bert"
            or raw.get("hidden_act") != _ACTIVATION or raw.get("position_embedding_type") not in _POSITIONS):
        return None
    config = _config(raw)
    weights = _weights(paths["model.safetensors"], config, int(raw.get("intermediate_size", 0)),
                       int(raw.get("type_vocab_size", 0)), int(raw.get("vocab_size", 0)))
    if weights is None:
        return None
    pad_token = _pad_token(folder)
    tokenizer = PlainTokenizer(paths["tokenizer.json"], pad_token)
    if tokenizer.pad_token_id is None:
        return None
    return tokenizer, PlainBert(config, weights)


def _config(raw: dict[str, Any]) -> PlainConfig:
    id2label = {int(k): str(v) for k, v in (raw.get("id2label") or {}).items()}
    return PlainConfig(
        num_labels=len(id2label) or int(raw.get("num_labels", 2)), id2label=id2label,
        problem_type=raw.get("problem_type"), max_position_embeddings=int(raw["max_position_embeddings"]),
        hidden_size=int(raw["hidden_size"]), num_attention_heads=int(raw["num_attention_heads"]),
        num_hidden_layers=int(raw["num_hidden_layers"]), layer_norm_eps=float(raw.get("layer_norm_eps", 1e-12)),
        raw=raw)


def _expected_shapes(config: PlainConfig, inner: int, types: int, vocab: int) -> dict[str, tuple[int, ...]]:
    """Every weight the forward pass reads, with its shape."""
    size = config.hidden_size

    def linear(name: str, out: int, into: int) -> dict[str, tuple[int, ...]]:
        return {f"{name}.weight": (out, into), f"{name}.bias": (out,)}

    def norm(name: str) -> dict[str, tuple[int, ...]]:
        return {f"{name}.weight": (size,), f"{name}.bias": (size,)}

    shapes = {"bert.embeddings.word_embeddings.weight": (vocab, size),
              "bert.embeddings.position_embeddings.weight": (config.max_position_embeddings, size),
              "bert.embeddings.token_type_embeddings.weight": (types, size),
              **norm("bert.embeddings.LayerNorm"), **linear("bert.pooler.dense", size, size),
              **linear("classifier", config.num_labels, size)}
    for layer in range(config.num_hidden_layers):
        prefix = f"bert.encoder.layer.{layer}."
        for name in ("query", "key", "value"):
            shapes.update(linear(prefix + "attention.self." + name, size, size))
        shapes.update({**linear(prefix + "attention.output.dense", size, size), **norm(prefix + "attention.output.LayerNorm"),
                       **linear(prefix + "intermediate.dense", inner, size), **linear(prefix + "output.dense", size, inner),
                       **norm(prefix + "output.LayerNorm")})
    return shapes


def _weights(path: Path, config: PlainConfig, inner: int, types: int, vocab: int) -> dict[str, Any] | None:
    """The weight tensors (float32), or None unless each one the forward pass reads is there with its shape."""
    import torch
    from safetensors.torch import load_file

    if config.hidden_size % max(1, config.num_attention_heads) or not math.prod((inner, types, vocab)):
        return None
    try:
        stored = load_file(str(path))
    except Exception as e:  # safetensors raises its own error type for a damaged file
        raise OSError(f"{path} cannot be read as safetensors ({e}); copy the model folder again or retrain it") from e
    expected = _expected_shapes(config, inner, types, vocab)
    if any(name not in stored or tuple(stored[name].shape) != shape for name, shape in expected.items()):
        return None
    return {name: stored[name].to(torch.float32) for name in expected}


def _pad_token(folder: Path) -> str:
    """The padding token the folder's tokenizer config names (``[PAD]`` when it names none)."""
    config = folder / "tokenizer_config.json"
    if config.is_file():
        value = json.loads(config.read_text(encoding="utf-8")).get("pad_token")
        if isinstance(value, dict):
            value = value.get("content")
        if isinstance(value, str) and value:
            return value
    return "[PAD]"
