"""Train the incitement classifier: the small embedded model from scratch, or fine-tune any HF model.

Data: the project's corpus (``corpus.py``), the monitors' review decisions from a store, and any
labelled CSV/JSONL files (``text``, ``incitement``, optional ``hallmarks``; read and checked by
``labelled_files.py`` before training starts). From scratch, a WordPiece tokenizer is trained on the
corpus and a small BERT is built from a config; with ``base_model`` the model and tokenizer come from a
local folder or a Hugging Face id. Seeded; metrics are saved as ``metrics.json`` beside the model, name
and version in ``tocsin_model.json``.

Run ``tocsin train --help`` or ``python -m tocsin.models.train --help``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
import random
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from tocsin.models.classifier import LABELS, prepare_text
from tocsin.models.folder import EMBEDDED_DIR, METADATA_FILE, METRICS_FILE, read_metadata, read_metrics
from tocsin.models.labelled_files import Row, TrainingError, labelled_row, read_labelled_files
from tocsin.models.lexical import LEXICAL_C, LEXICAL_FILE, LexicalModel

logger = logging.getLogger(__name__)

EMBEDDED_NAME = "tocsin-embedded"
#: Default share of the n-gram companion in the incitement log-odds. From scratch it was chosen with
#: :data:`LEXICAL_SCALE` on the hand-written validation set (both rounds: macro-F1 0.925 → 0.948 against the
#: 0.85 and 6 chosen before on templates held out of training, which made the companion saturate on everyday
#: lines naming groups); a pretrained model reads unseen frames well itself, so it keeps most of the say.
LEXICAL_WEIGHT_SCRATCH = 0.5
#: The companion's log-odds are multiplied by this before blending (see :data:`LEXICAL_WEIGHT_SCRATCH`).
LEXICAL_SCALE = 4.0
LEXICAL_WEIGHT_PRETRAINED = 0.3
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def arg(default: Any = dataclasses.MISSING, help: str = "", **kw: Any) -> Any:
    """A training argument with its help text (shown by ``tocsin train --help``)."""
    if "default_factory" in kw:
        return field(default_factory=kw["default_factory"], metadata={"help": help})
    return field(default=default, metadata={"help": help})


@dataclass
class DataArguments:
    """What the model learns from."""

    per_template: int = arg(60, "Examples generated per training template (test templates get half).")
    corpus_seed: int = arg(13, "Seed of the corpus generator (phrasings, groups, places, evasions).")
    extra_files: list[str] = arg(help="Labelled files: .csv with a header (columns text, incitement, optional "
                                      "hallmarks, lang), any other name JSON Lines with those keys; all are checked "
                                      "before training starts (their texts redacted, as exports are).",
                                 default_factory=list)
    database: str = arg("", "A tocsin store whose review decisions (incitement / not_incitement) are added as labels "
                        "(their texts redacted, as exports are).")
    review_weight: float = arg(3.0, "How many times a reviewed item counts compared with a corpus example.")


@dataclass
class ModelArguments:
    """Which model is trained."""

    base_model: str = arg("", "Fine-tune this HF model (folder or id); empty: train the small embedded model from scratch.")
    vocab_size: int = arg(6000, "From scratch: WordPiece vocabulary size.")
    hidden_size: int = arg(128, "From scratch: hidden size.")
    num_layers: int = arg(2, "From scratch: transformer layers.")
    num_heads: int = arg(4, "From scratch: attention heads.")
    intermediate_size: int = arg(256, "From scratch: feed-forward size.")
    max_position: int = arg(512, "From scratch: longest window the model accepts, in tokens.")
    lexical_weight: float = arg(-1.0, "Share of the incitement log-odds taken from the character n-gram companion "
                                       "model trained beside the transformer; -1: 0.5 from scratch, 0.3 when "
                                       "fine-tuning a pretrained model; 0: no companion.")
    lexical_scale: float = arg(LEXICAL_SCALE, "The companion's log-odds are multiplied by this before blending.")
    lexical_c: float = arg(LEXICAL_C, "Inverse regularisation strength of the companion's logistic regression "
                                       "(chosen on a template fold and the validation set; see docs/model-card.md).")
    lexical_min_templates: int = arg(2, "The companion learns only character n-grams found in at least this many "
                                        "templates (a text of the user's or a review counts as one of its own), so "
                                        "that it leans on words rather than on one template's frame.")


@dataclass
class TrainingArguments:
    """How it is trained."""

    output_dir: str = arg(str(EMBEDDED_DIR), "Folder the model, tokenizer, tocsin_model.json and metrics.json are written to.")
    name: str = arg("", "Model name recorded in analyses (default: tocsin-embedded, or the base model's name + '-tocsin').")
    seed: int = arg(13, "Random seed (set_seed): same data and seed give the same model.")
    epochs: int = arg(10, "Passes over the training data.")
    batch_size: int = arg(32, "Examples per step.")
    learning_rate: float = arg(0.0, "Peak learning rate; 0: 2e-3 from scratch, 3e-5 when fine-tuning.")
    weight_decay: float = arg(0.01, "AdamW weight decay.")
    warmup_ratio: float = arg(0.06, "Share of steps spent warming the learning rate up.")
    max_length: int = arg(128, "Training texts are cut to this many tokens.")
    threads: int = arg(1, "CPU threads for torch (1 is fastest when other programs share the cores).")
    device: str = arg("auto", "Where to train: 'cpu', 'cuda' (or 'cuda:N'), or 'auto' (a CUDA GPU when torch sees one, "
                              "else the CPU). The saved model is the same either way and runs on the CPU.")
    max_minutes: float = arg(0.0, "Stop training after this many minutes (the last epoch is cut short); 0: no limit, "
                                  "so that the same data and seed give the same model however busy the machine is.")
    patience: int = arg(3, "Stop when the dev loss has not improved for this many epochs.")
    token_dropout: float = arg(0.1, "Share of tokens dropped at random from each training text (robustness to unseen phrasings).")
    refit_companion: bool = arg(False, "Keep the transformer of --base-model (a folder tocsin train made; empty: the "
                                       "embedded model) and fit only its character n-gram companion on the data, at "
                                       "the companion's share unless --lexical-weight is given: minutes on a CPU "
                                       "instead of hours, for new templates, labelled files or review decisions.")


def argument_problems(data: DataArguments, margs: ModelArguments, targs: TrainingArguments) -> list[str]:
    """Each training argument out of its range, as ``--flag must be …, got …`` (NaN is out of every range)."""
    at_least = {
        "--per-template": (data.per_template, 1), "--vocab-size": (margs.vocab_size, 100),
        "--hidden-size": (margs.hidden_size, 1), "--num-layers": (margs.num_layers, 1),
        "--num-heads": (margs.num_heads, 1), "--intermediate-size": (margs.intermediate_size, 1),
        "--max-position": (margs.max_position, 16), "--lexical-min-templates": (margs.lexical_min_templates, 1),
        "--epochs": (targs.epochs, 1), "--batch-size": (targs.batch_size, 1), "--learning-rate": (targs.learning_rate, 0),
        "--weight-decay": (targs.weight_decay, 0), "--max-length": (targs.max_length, 8), "--threads": (targs.threads, 1),
        "--max-minutes": (targs.max_minutes, 0), "--patience": (targs.patience, 1),
    }
    problems = [f"{flag} must be at least {low}, got {value}" for flag, (value, low) in at_least.items() if not value >= low]
    positive = {"--review-weight": data.review_weight, "--lexical-scale": margs.lexical_scale, "--lexical-c": margs.lexical_c}
    problems += [f"{flag} must be more than 0, got {value}" for flag, value in positive.items() if not value > 0]
    shares = {"--warmup-ratio": targs.warmup_ratio, "--token-dropout": targs.token_dropout}
    problems += [f"{flag} must be a share from 0 up to (not including) 1, got {value}"
                 for flag, value in shares.items() if not 0 <= value < 1]
    if not (margs.lexical_weight == -1 or 0 <= margs.lexical_weight <= 1):
        problems.append(f"--lexical-weight must be from 0 to 1, or -1 for the default, got {margs.lexical_weight}")
    if margs.num_heads >= 1 and margs.hidden_size % margs.num_heads:
        problems.append(f"--hidden-size ({margs.hidden_size}) must be a multiple of --num-heads ({margs.num_heads})")
    return problems


def check_arguments(data: DataArguments, margs: ModelArguments, targs: TrainingArguments) -> None:
    """Raise :class:`TrainingError` naming every argument out of its range, before any data is read."""
    problems = argument_problems(data, margs, targs)
    if problems:
        raise TrainingError("cannot train: " + "; ".join(problems) + " (see tocsin train --help)")


# --------------------------------------------------------------------------- data


def corpus_rows(data: DataArguments) -> dict[str, list[Row]]:
    """The project's corpus as rows, by split."""
    from tocsin.models.corpus import build_corpus

    out: dict[str, list[Row]] = {"train": [], "dev": [], "test": []}
    for e in build_corpus(seed=data.corpus_seed, per_template=data.per_template):
        labels = [float(e.incitement)] + [float(h in e.hallmarks) for h in LABELS[1:]]
        out[e.split].append(Row(e.text, labels, [1.0] * len(LABELS), meta=e.to_dict()))
    return out


def text_redactor() -> Callable[[str], str]:
    """Redaction of a text with every rule, as alerts and exports have it, for the texts a model learns from:
    the tokenizer's vocabulary, the model and its n-gram companion leave with the model, so no handle, e-mail
    address, phone number or profile link may reach them."""
    from tocsin.export.redaction import RedactionRules, Redactor

    return Redactor(RedactionRules()).redact_text


def review_rows(database: str, weight: float) -> list[Row]:
    """The monitors' decisions from a store, as rows (hallmarks masked unless the decision is 'not'), their texts
    redacted (see :func:`text_redactor`)."""
    from tocsin.store import connect
    from tocsin.store.modelling import review_labels

    redact = text_redactor()
    db = connect(database, create=False)
    try:
        return [review_row({**r, "text": redact(r["text"])}, weight) for r in review_labels(db)]
    finally:
        db.close()


def review_row(review: Any, weight: float) -> Row:
    """One review decision as a row; the item's language is kept as the store has it (detected, or as its
    source declares)."""
    record = {"text": review["text"], "incitement": review["incitement"], "category": "review"}
    row = labelled_row(record, f"review of {review['item_id']}", weight)
    row.meta["lang"] = review["lang"] or ""
    return row


def user_rows(data: DataArguments) -> list[Row]:
    """The user's labelled files and the store's review decisions, read and checked (before any training), their
    texts redacted (see :func:`text_redactor`)."""
    from tocsin.store import StoreError

    redact = text_redactor()
    rows = [dataclasses.replace(row, text=redact(row.text)) for row in read_labelled_files(data.extra_files)]
    if data.database:
        try:
            reviewed = review_rows(data.database, data.review_weight)
        except StoreError as e:
            raise TrainingError(f"--database: {e}") from None
        logger.info("adding %d reviewed items from %s", len(reviewed), data.database)
        rows += reviewed
    return rows


def collect_rows(data: DataArguments, extra: list[Row]) -> dict[str, list[Row]]:
    """Every training source, by split: the corpus, and the user's rows (``extra``, see :func:`user_rows`) in
    training."""
    splits = corpus_rows(data)
    splits["train"].extend(extra)
    return splits


def check_output_dir(out: Path) -> None:
    """Raise :class:`TrainingError` unless the model can be written to ``out`` (a folder there, or one that can
    be made), so that a run is not lost at its end; nothing is created."""
    existing = nearest_existing(out)
    if not existing.is_dir():
        where = "is a file" if existing == out else f"cannot be made: {existing} is a file"
        raise TrainingError(f"--output-dir {out} {where}; give a folder (it is made when missing)")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise TrainingError(f"--output-dir {out}: cannot write in {existing} ({e.strerror or e}); give a folder you "
                            "can write to") from None


def nearest_existing(path: Path) -> Path:
    """``path``, or the nearest folder above it that exists."""
    try:
        while not path.exists() and path != path.parent:
            path = path.parent
    except OSError as e:
        raise TrainingError(f"--output-dir {path}: cannot look there ({e.strerror or e}); give a folder you can "
                            "write to") from None
    return path


# --------------------------------------------------------------------------- model


def train_tokenizer(texts: Sequence[str], vocab_size: int, max_length: int) -> Any:
    """A lower-casing WordPiece tokenizer (accents kept: й, ў, ң, oʻ stay distinct) trained on ``texts``."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=60))
    tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(vocab_size=vocab_size, min_frequency=2, special_tokens=SPECIAL_TOKENS,
                                        limit_alphabet=400)
    tok.train_from_iterator(texts, trainer=trainer)
    # Ties make the trainer's ids vary between runs; WordPiece only needs the set, so fix the order.
    learned = sorted(t for t in tok.get_vocab() if t not in SPECIAL_TOKENS)
    vocab = {t: i for i, t in enumerate([*SPECIAL_TOKENS, *learned])}
    tok.model = models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=60)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)])
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
                                   sep_token="[SEP]", mask_token="[MASK]", model_max_length=max_length)


def label_maps() -> tuple[dict[int, str], dict[str, int]]:
    return dict(enumerate(LABELS)), {label: i for i, label in enumerate(LABELS)}


def build_scratch_model(margs: ModelArguments, vocab_size: int, pad_id: int) -> Any:
    """A small BERT for multi-label classification, randomly initialised."""
    from transformers import BertConfig, BertForSequenceClassification

    id2label, label2id = label_maps()
    config = BertConfig(
        vocab_size=vocab_size, hidden_size=margs.hidden_size, num_hidden_layers=margs.num_layers,
        num_attention_heads=margs.num_heads, intermediate_size=margs.intermediate_size,
        max_position_embeddings=margs.max_position, pad_token_id=pad_id, num_labels=len(LABELS),
        id2label=id2label, label2id=label2id, problem_type="multi_label_classification",
        hidden_dropout_prob=0.1, attention_probs_dropout_prob=0.1,
    )
    return BertForSequenceClassification(config)


def load_base_model(base: str) -> tuple[Any, Any]:
    """Tokenizer and model from a folder or HF id, with a fresh multi-label head for our labels."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    id2label, label2id = label_maps()
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(LABELS), id2label=id2label, label2id=label2id,
        problem_type="multi_label_classification", ignore_mismatched_sizes=True)
    return tokenizer, model


# --------------------------------------------------------------------------- training


def encode(tokenizer: Any, rows: Sequence[Row], max_length: int) -> list[list[int]]:
    return tokenizer([prepare_text(r.text) for r in rows], truncation=True, max_length=max_length)["input_ids"]


def drop_tokens(ids: list[int], share: float, rng: random.Random) -> list[int]:
    """``ids`` with a random ``share`` of the inner tokens removed ([CLS] and [SEP] kept)."""
    if share <= 0 or len(ids) < 5:
        return ids
    inner = [t for t in ids[1:-1] if rng.random() >= share]
    return [ids[0], *(inner or ids[1:-1]), ids[-1]]


def batches(encoded: list[list[int]], rows: Sequence[Row], batch_size: int, pad_id: int, rng: random.Random | None,
            token_dropout: float = 0.0) -> Any:
    """Padded tensors (ids, mask, labels, label mask, weights), shuffled in length buckets when ``rng`` is given."""
    import torch

    order = list(range(len(rows)))
    if rng is not None:
        rng.shuffle(order)
        # Sort within chunks of 50 batches so padding stays small but batches stay mixed.
        chunk = batch_size * 50
        order = [i for s in range(0, len(order), chunk) for i in sorted(order[s:s + chunk], key=lambda i: len(encoded[i]))]
        starts = list(range(0, len(order), batch_size))
        rng.shuffle(starts)
    else:
        starts = list(range(0, len(order), batch_size))
    for s in starts:
        idx = order[s:s + batch_size]
        seqs = [drop_tokens(encoded[i], token_dropout, rng) if rng is not None else encoded[i] for i in idx]
        width = max(len(q) for q in seqs)
        ids = torch.full((len(idx), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        for r, q in enumerate(seqs):
            ids[r, : len(q)] = torch.tensor(q)
            mask[r, : len(q)] = 1
        yield (ids, mask, torch.tensor([rows[i].labels for i in idx]), torch.tensor([rows[i].mask for i in idx]),
               torch.tensor([rows[i].weight for i in idx]), idx)


def training_device(name: str) -> Any:
    """The torch device ``name`` names (``auto``: a CUDA GPU when torch sees one, else the CPU); a clear error
    when a GPU is asked for and none is there."""
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise TrainingError(f"unknown --device {name!r}: use cpu, cuda, cuda:N or auto") from exc
    if device.type == "cuda" and not torch.cuda.is_available():
        raise TrainingError(f"--device {name} asks for a GPU, but torch sees none; use --device cpu (or auto)")
    return device


def on_device(batch: Any, device: Any) -> Any:
    """A batch from :func:`batches` with its tensors on ``device`` (the row indices stay as they are)."""
    *tensors, idx = batch
    return (*(t.to(device) for t in tensors), idx)


def loss_of(model: Any, batch: Any) -> Any:
    """Masked, weighted binary cross-entropy; the incitement label counts double."""
    import torch

    ids, mask, labels, label_mask, weights, _ = on_device(batch, model.device)
    logits = model(input_ids=ids, attention_mask=mask).logits
    raw = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="none")
    column = torch.ones(labels.shape[1], device=labels.device)
    column[0] = 2.0
    raw = raw * label_mask * column * weights[:, None]
    return raw.sum() / (label_mask * column).sum().clamp(min=1.0)


def predict_rows(model: Any, tokenizer: Any, rows: Sequence[Row], max_length: int, batch_size: int = 64) -> list[list[float]]:
    """Sigmoid probabilities for rows (first window only; used for training-time metrics)."""
    import torch

    model.eval()
    encoded = encode(tokenizer, rows, max_length)
    out: list[list[float]] = [[]] * len(rows)
    with torch.inference_mode():
        for batch in batches(encoded, rows, batch_size, tokenizer.pad_token_id or 0, None):
            ids, mask, _, _, _, idx = on_device(batch, model.device)
            probs = torch.sigmoid(model(input_ids=ids, attention_mask=mask).logits).tolist()
            for i, p in zip(idx, probs):
                out[i] = p
    return out


def mean_loss(model: Any, tokenizer: Any, rows: Sequence[Row], max_length: int) -> float:
    import torch

    model.eval()
    encoded = encode(tokenizer, rows, max_length)
    total, n = 0.0, 0
    with torch.inference_mode():
        for batch in batches(encoded, rows, 64, tokenizer.pad_token_id or 0, None):
            total += float(loss_of(model, batch)) * len(batch[-1])
            n += len(batch[-1])
    return total / max(n, 1)


def stop_reason(out_of_time: bool, stale: int, targs: TrainingArguments) -> str:
    """Why training ended: ``time budget`` (``max_minutes`` cut the run short), ``patience`` (the dev loss
    stopped falling) or ``epochs`` (all of them ran)."""
    if out_of_time:
        return "time budget"
    return "patience" if stale >= targs.patience else "epochs"


def train(data: DataArguments, margs: ModelArguments, targs: TrainingArguments,
          progress: Callable[[str, float], None] | None = None) -> dict[str, Any]:
    """Train, save the model and its metrics into ``targs.output_dir``; return the metrics.

    :param progress: called with (stage, share done) as training goes.
    """
    check_arguments(data, margs, targs)
    check_output_dir(Path(targs.output_dir))
    extra = user_rows(data)   # a bad file or store is named now, not after the corpus is built
    if targs.refit_companion:
        return refit_companion(data, margs, targs, extra)

    import torch
    from transformers import get_linear_schedule_with_warmup, set_seed

    started = time.perf_counter()
    set_seed(targs.seed)
    torch.set_num_threads(max(1, targs.threads))
    device = training_device(targs.device)
    rng = random.Random(targs.seed)
    splits = collect_rows(data, extra)
    train_rows, dev_rows, test_rows = splits["train"], splits["dev"], splits["test"]
    logger.info("training on %d rows (dev %d, test %d)", len(train_rows), len(dev_rows), len(test_rows))

    if margs.base_model:
        tokenizer, model = load_base_model(margs.base_model)
        lr = targs.learning_rate or 3e-5
        name = targs.name or f"{Path(margs.base_model.rstrip('/')).name}-tocsin"
    else:
        tokenizer = train_tokenizer([prepare_text(r.text) for r in train_rows], margs.vocab_size, margs.max_position)
        model = build_scratch_model(margs, len(tokenizer), tokenizer.pad_token_id)
        lr = targs.learning_rate or 2e-3
        name = targs.name or EMBEDDED_NAME
    max_length = min(targs.max_length, getattr(model.config, "max_position_embeddings", targs.max_length) - 2)
    model.to(device)
    logger.info("training on %s", device)

    encoded = encode(tokenizer, train_rows, max_length)
    steps_per_epoch = math.ceil(len(train_rows) / targs.batch_size)
    total_steps = steps_per_epoch * targs.epochs
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=targs.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(total_steps * targs.warmup_ratio), total_steps)
    deadline = started + targs.max_minutes * 60 if targs.max_minutes > 0 else math.inf
    best_loss, best_state, stale, history = math.inf, None, 0, []
    step, out_of_time = 0, False
    for epoch in range(targs.epochs):
        model.train()
        running = 0.0
        for batch in batches(encoded, train_rows, targs.batch_size, tokenizer.pad_token_id or 0, rng, targs.token_dropout):
            loss = loss_of(model, batch)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            running += float(loss.detach())
            step += 1
            if progress:
                progress("train", step / total_steps)
            if time.perf_counter() > deadline:
                out_of_time = True
                break
        dev_loss = mean_loss(model, tokenizer, dev_rows, max_length) if dev_rows else running / steps_per_epoch
        history.append({"epoch": epoch + 1, "train_loss": round(running / steps_per_epoch, 4), "dev_loss": round(dev_loss, 4)})
        logger.info("epoch %d: train loss %.4f, dev loss %.4f", epoch + 1, running / steps_per_epoch, dev_loss)
        if dev_loss < best_loss - 1e-4:
            best_loss, stale = dev_loss, 0
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        else:
            stale += 1
        # the budget cuts the run short only when an epoch is left to run
        out_of_time = out_of_time or (epoch + 1 < targs.epochs and time.perf_counter() > deadline)
        if stale >= targs.patience or out_of_time:
            break
    stopped_by = stop_reason(out_of_time, stale, targs)
    if stopped_by == "time budget":
        logger.warning("training stopped by the %g-minute budget after %d of %d epochs (dev loss %.4f); "
                       "give it more with --max-minutes, or train when the machine is less busy",
                       targs.max_minutes, len(history), targs.epochs, history[-1]["dev_loss"])
    if best_state is not None:
        model.load_state_dict(best_state)
    model.to("cpu").eval()
    lexical = fit_lexical(train_rows + dev_rows, margs)
    metrics: dict[str, Any] = {
        "name": name, "seed": targs.seed, "rows": {k: len(v) for k, v in splits.items()},
        "epochs_run": len(history), "stopped_by": stopped_by, "history": history,
        "train_seconds": round(time.perf_counter() - started, 1),
        "threads": targs.threads, "device": str(device), "learning_rate": lr, "max_length": max_length,
        "arguments": arguments_of(data, margs, targs),
    }
    folder = Path(margs.base_model) if margs.base_model and Path(margs.base_model).is_dir() else None
    base_meta = read_metadata(folder) if folder is not None else {}
    if base_meta:   # trained on from a model tocsin made
        metrics["trained_from"] = {"version": base_meta["version"], "transformer": training_facts(folder)}
    return report_and_save(model, tokenizer, splits, lexical, metrics, Path(targs.output_dir), tokenizer_source=folder)


def arguments_of(data: DataArguments, margs: ModelArguments, targs: TrainingArguments) -> dict[str, Any]:
    """The training arguments, as ``metrics.json`` records them."""
    return {"data": dataclasses.asdict(data), "model": dataclasses.asdict(margs), "training": dataclasses.asdict(targs)}


def report_and_save(model: Any, tokenizer: Any, splits: dict[str, list[Row]], lexical: LexicalModel | None,
                    metrics: dict[str, Any], out: Path, tokenizer_source: Path | None = None) -> dict[str, Any]:
    """Add the transformer's own report on the dev and test splits to ``metrics``, save the model; return them.

    :param tokenizer_source: the folder the tokenizer was loaded from, whose tokenizer files are kept as they are.
    """
    from tocsin.models.metrics import split_report

    for split_name in ("dev", "test"):
        if splits[split_name]:
            probs = predict_rows(model, tokenizer, splits[split_name], metrics["max_length"])
            metrics[split_name] = split_report(splits[split_name], probs)
    save_model(model, tokenizer, out, metrics["name"], metrics, lexical, tokenizer_source)
    return metrics


def refit_companion(data: DataArguments, margs: ModelArguments, targs: TrainingArguments,
                    extra: list[Row]) -> dict[str, Any]:
    """A model whose transformer is ``--base-model``'s (weights, tokenizer and name kept) beside a companion fitted
    anew on the data (``--refit-companion``); saved under a new version (and ``--name``, if given), which its metrics
    tie to the old one."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    base = Path(margs.base_model) if margs.base_model else EMBEDDED_DIR
    if not (base / METADATA_FILE).is_file():
        raise TrainingError(f"--refit-companion needs a model folder made by tocsin train, with its {METADATA_FILE}; "
                            f"{base} has none (to fine-tune another model, leave --refit-companion out)")
    started = time.perf_counter()
    before = read_metadata(base)
    old = LexicalModel.load(base)
    if margs.lexical_weight < 0:
        margs = dataclasses.replace(margs, lexical_weight=old.weight if old else LEXICAL_WEIGHT_SCRATCH)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModelForSequenceClassification.from_pretrained(base).eval()
    splits = collect_rows(data, extra)
    lexical = fit_lexical(splits["train"] + splits["dev"], margs)
    metrics: dict[str, Any] = {
        "name": targs.name or before["name"], "refit_of": before["version"], "seed": targs.seed,
        "rows": {k: len(v) for k, v in splits.items()}, "epochs_run": 0, "stopped_by": "companion refit",
        "history": [], "train_seconds": round(time.perf_counter() - started, 1),
        "max_length": int(before.get("max_length") or targs.max_length),
        "arguments": arguments_of(data, margs, targs), "transformer": training_facts(base),
    }
    return report_and_save(model, tokenizer, splits, lexical, metrics, Path(targs.output_dir), tokenizer_source=base)


def training_facts(folder: Path) -> dict[str, Any]:
    """How the transformer in ``folder`` was trained, from its ``metrics.json`` (kept when only its companion is
    refitted; carried over from an earlier refit as it is)."""
    saved = read_metrics(folder)
    if "transformer" in saved:
        return saved["transformer"]
    keys = ("version", "rows", "epochs_run", "stopped_by", "history", "train_seconds", "threads", "device",
            "learning_rate", "arguments", "trained_from")
    return {k: saved[k] for k in keys if k in saved}


def fit_lexical(rows: Sequence[Row], margs: ModelArguments) -> LexicalModel | None:
    """The character n-gram companion, fitted on the rows whose incitement label is known (None if weight 0)."""
    known = [r for r in rows if r.mask[0]]
    weight = margs.lexical_weight if margs.lexical_weight >= 0 else (
        LEXICAL_WEIGHT_PRETRAINED if margs.base_model else LEXICAL_WEIGHT_SCRATCH)
    if weight <= 0 or len({r.labels[0] for r in known}) < 2:
        return None
    started = time.perf_counter()
    groups = [r.meta.get("template") or f"row-{i}" for i, r in enumerate(known)]
    lexical = LexicalModel.fit([prepare_text(r.text) for r in known], [int(r.labels[0] >= 0.5) for r in known],
                               [r.weight for r in known], c=margs.lexical_c, weight=weight,
                               scale=margs.lexical_scale, groups=groups, min_groups=margs.lexical_min_templates)
    logger.info("n-gram companion fitted on %d rows in %.1f s", len(known), time.perf_counter() - started)
    return lexical


def save_model(model: Any, tokenizer: Any, out: Path, name: str, metrics: dict[str, Any],
               lexical: LexicalModel | None = None, tokenizer_source: Path | None = None) -> str:
    """Write the model (safetensors), tokenizer, n-gram companion, ``tocsin_model.json`` and ``metrics.json``;
    return the version (a digest of every weight file)."""
    out.mkdir(parents=True, exist_ok=True)
    model.config.tocsin_name = name
    model.save_pretrained(out, safe_serialization=True)
    save_tokenizer(tokenizer, out, tokenizer_source)
    (out / LEXICAL_FILE).unlink(missing_ok=True)
    weights = [out / "model.safetensors"] + ([lexical.save(out)] if lexical is not None else [])
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in weights)).hexdigest()[:10]
    version = f"{datetime.now(timezone.utc):%Y.%m.%d}-{digest}"
    meta = {"name": name, "version": version, "labels": list(LABELS), "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "weights_sha256_prefix": digest, "max_length": metrics.get("max_length")}
    (out / METADATA_FILE).write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    metrics["version"] = version
    (out / METRICS_FILE).write_text(json.dumps(metrics, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    logger.info("saved %s %s to %s", name, version, out)
    return version


def save_tokenizer(tokenizer: Any, out: Path, source: Path | None) -> None:
    """Save the tokenizer; each file of it that ``source`` holds is copied from there unchanged (saving a loaded
    tokenizer adds the keys it was loaded with, such as ``is_local`` and its truncation, to its config)."""
    for written in map(Path, tokenizer.save_pretrained(out)):
        original = source / written.name if source is not None else None
        if original is not None and original.is_file() and original.resolve() != written.resolve():
            shutil.copyfile(original, written)


def main(argv: Sequence[str] | None = None) -> None:  # pragma: no cover - thin wrapper over train()
    """``python -m tocsin.models.train --help``: the same arguments as ``tocsin train``."""
    from transformers import HfArgumentParser

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    parser = HfArgumentParser((DataArguments, ModelArguments, TrainingArguments))
    data, margs, targs = parser.parse_args_into_dataclasses(args=argv)
    try:
        metrics = train(data, margs, targs)
    except TrainingError as e:
        raise SystemExit(f"error: {e}") from None
    print(json.dumps({k: metrics[k] for k in ("name", "version", "train_seconds", "epochs_run")}, indent=2))


if __name__ == "__main__":  # pragma: no cover
    main()
