"""Where the classifier comes from and what it is called, found without loading it (no torch, no
transformers): ``tocsin status`` names the model the daemon will use and finds a broken ``model.path``
before the first analysis does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EMBEDDED_DIR = Path(__file__).parent / "embedded"
METADATA_FILE = "tocsin_model.json"
#: How a model tocsin trained was trained (rows, epochs, arguments, the model it started from).
METRICS_FILE = "metrics.json"
#: A saved model holds one of these weight files (or its index, for weights split in shards).
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin", "model.safetensors.index.json", "pytorch_model.bin.index.json")
#: ... and one of these tokenizer files.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "vocab.json", "sentencepiece.bpe.model",
                   "spiece.model")


class ModelLoadError(RuntimeError):
    """The classifier could not be loaded; the message says what to check."""


@dataclass(frozen=True)
class ModelIdentity:
    """A classifier's name and version, and where it is read from (``embedded``, a folder or a hub id)."""

    name: str
    version: str
    source: str


def read_metadata(folder: Path) -> dict[str, Any]:
    """``tocsin_model.json`` of a model folder (name, version, training facts), or {}.

    :raises ModelLoadError: the file is there but is not a JSON object.
    """
    return _json_object_or_empty(Path(folder) / METADATA_FILE)


def read_metrics(folder: Path) -> dict[str, Any]:
    """``metrics.json`` of a model folder tocsin trained, or {}.

    :raises ModelLoadError: the file is there but is not a JSON object.
    """
    return _json_object_or_empty(Path(folder) / METRICS_FILE)


def _json_object_or_empty(path: Path) -> dict[str, Any]:
    return _json_object(path) if path.is_file() else {}


def identify(path: str) -> ModelIdentity:
    """The identity of the classifier ``model.path`` names (empty: the embedded one), checked as far as can
    be done without loading it: a folder must hold a readable ``config.json``, weights and a tokenizer.

    :raises ModelLoadError: naming what is missing or broken, and the fix.
    """
    if not path:
        return folder_identity(EMBEDDED_DIR, "embedded")
    local = Path(path).expanduser()
    if local.exists():
        return folder_identity(local, str(local))
    if path.startswith((".", "/", "~")) or "\\" in path or path.count("/") > 1:
        raise ModelLoadError(f"model.path {path!r}: no such folder; fix the path, or leave it empty for the embedded model")
    return ModelIdentity(path, _cached_hub_version(path), f"Hugging Face id {path!r}")


def folder_identity(folder: Path, source: str) -> ModelIdentity:
    """The identity of a local model folder, after checking it holds a config, weights and a tokenizer."""
    if not (folder / "config.json").is_file():
        raise ModelLoadError(f"{folder} has no config.json; point model.path at a folder saved with save_pretrained()")
    config = _json_object(folder / "config.json")
    for kind, names in (("weights", WEIGHT_FILES), ("tokenizer", TOKENIZER_FILES)):
        if not any((folder / name).is_file() for name in names):
            raise ModelLoadError(f"{folder} has no {kind} ({' or '.join(names[:2])}); save the model and its "
                                 "tokenizer there with save_pretrained(), or fix model.path")
    meta = read_metadata(folder)
    return ModelIdentity(str(meta.get("name") or folder.name), str(meta.get("version") or config.get("tocsin_version")
                                                                    or "unversioned"), source)


def _cached_hub_version(model_id: str) -> str:
    """The cached revision of a hub model, or a note that the first analysis must download it."""
    from huggingface_hub import try_to_load_from_cache

    try:
        cached = try_to_load_from_cache(model_id, "config.json")
    except ValueError:   # not a valid hub id either
        raise ModelLoadError(f"model.path {model_id!r}: no such folder, nor a Hugging Face id; fix it, or leave it "
                             "empty for the embedded model") from None
    if not isinstance(cached, str):
        return ("not a folder here, nor in the local Hugging Face cache: if it is a folder, fix the path; if it "
                "is a hub id, the first analysis downloads it, and fails with no network")
    return Path(cached).parent.name   # the snapshot folder is named by the commit


def _json_object(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelLoadError(f"{path}: cannot be read as JSON ({e}); restore it from the model's source") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: not a JSON object; restore it from the model's source")
    return data
