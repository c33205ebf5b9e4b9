"""The analyse step: pending items → nlp features → classifier → decision → ``analyses``.

``Analyser(settings)`` loads the rule pipelines and the classifier once; ``analyse_pending`` walks the
items that have no analysis by the current model version, in batches, and saves each batch in one
transaction (with ``on_batch_saved`` called inside it, so alerts commit with their analyses). An item
whose analysis fails is logged and counted, and stays pending: it is retried on the next run. When raising
the alerts fails, only the alerts are undone: the analyses are kept, the error is logged and counted, and
their alerts are owed, in the store (:func:`raise_owed_alerts` tries them again, also after a restart), so a
failing alert never has the same items analysed again and again.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from tocsin.nlp.features import Features
from tocsin.nlp.language import without_addresses
from tocsin.analysis_record import AnalysisRecord

logger = logging.getLogger(__name__)

BatchSaved = Callable[[Any, list[dict[str, Any]]], Any]
Progress = Callable[[int, int], Any]


@dataclass
class AnalyseSummary:
    """What one run of :func:`analyse_pending` did."""

    analysed: int = 0
    flagged: int = 0
    failed: int = 0
    #: the ``seq`` of the last item taken: a caller that goes on in another call passes it as ``after_seq``
    last_seq: int = 0
    #: batches whose alerts failed (their analyses are saved; their alerts owed)
    alert_errors: list[str] = field(default_factory=list)
    #: items analysed whose analysis another run (overlapping this one) saved first: not counted as analysed
    saved_by_another: int = 0

    @property
    def taken(self) -> int:
        """Items this run took from the pending ones, whatever came of them."""
        return self.analysed + self.failed + self.saved_by_another


class Analyser:
    """The nlp pipelines and the classifier, loaded once; turns texts into analyses.

    :param settings: the full :class:`tocsin.config.Settings`.
    :param classifier: an already loaded :class:`tocsin.models.Classifier` (default: from ``settings.model``).
    :param text_analyser: an already built ``tocsin.nlp.TextAnalyser`` (default: from ``settings.nlp``).
    :param on_demand: build each language's rule pipeline when a text first needs it (for one-off commands).
    """

    def __init__(self, settings: Any, *, classifier: Any = None, text_analyser: Any = None, on_demand: bool = False):
        from tocsin.models import Classifier
        from tocsin.nlp import TextAnalyser

        self.settings = settings
        self.threshold = float(settings.model.threshold)
        self.cascade = bool(getattr(settings.model, "cascade", True))
        self.text_analyser = text_analyser or TextAnalyser(settings.nlp, on_demand=on_demand)
        self.classifier = classifier or Classifier.from_settings(settings.model)

    @property
    def model_name(self) -> str:
        return self.classifier.name

    @property
    def model_version(self) -> str:
        return self.classifier.version

    def features(self, texts: Sequence[str], lang_hints: Sequence[str] | None = None) -> list[Features]:
        return self.text_analyser.features_many(list(texts), list(lang_hints) if lang_hints is not None else None)

    def probabilities(self, texts: Sequence[str], features: Sequence[Features]) -> list[dict[str, float]]:
        """Classifier output; with the cascade on, texts with no target and no cue get only their first window."""
        first_only = [self.cascade and not f.targets and not f.cues for f in features]
        return self.classifier.predict([model_input(t, f) for t, f in zip(texts, features)], first_only=first_only)

    def analyse_texts(self, texts: Sequence[str], *, lang_hints: Sequence[str] | None = None,
                      item_ids: Sequence[str] | None = None, content_hashes: Sequence[str] | None = None) -> list[AnalysisRecord]:
        """Analyses of several texts (not saved)."""
        feats = self.features(texts, lang_hints)
        return self.decide_all(feats, self.probabilities(texts, feats), item_ids=item_ids, content_hashes=content_hashes)

    def decide_all(self, features: Sequence[Features], probs: Sequence[dict[str, float]], *,
                   item_ids: Sequence[str] | None = None, content_hashes: Sequence[str] | None = None) -> list[AnalysisRecord]:
        """The analyses of texts whose features and classifier output are known, long texts' passages reviewed."""
        records = [self.decide(f, p, item_id=item_ids[i] if item_ids else "", content_hash=content_hashes[i] if content_hashes else "")
                   for i, (f, p) in enumerate(zip(features, probs))]
        return self.review_passages(features, records)

    def decide(self, features: Features, probs: dict[str, float], *, item_id: str = "",
               content_hash: str = "") -> AnalysisRecord:
        from tocsin.models.decision import decide

        return decide(features, probs, self.threshold, item_id=item_id, content_hash=content_hash,
                      model_name=self.model_name, model_version=self.model_version)

    def review_passages(self, features: Sequence[Features], records: Sequence[AnalysisRecord]) -> list[AnalysisRecord]:
        """Each text's analysis, or for a long text one of its passages' that flags it (see
        :mod:`tocsin.models.passages`); every passage of the batch goes through the classifier together.
        A passage whose cue is excused by a strong context marker (counter-speech, quotation …) leaves the
        judgement to the article's own score."""
        from tocsin.models.decision import decide_passage
        from tocsin.models.passages import cue_passages, passage_text, strongest

        jobs = [(i, passage) for i, f in enumerate(features) for passage in cue_passages(f)]
        if not jobs:
            return list(records)
        langs = [features[i].lang for i, _ in jobs]
        passages = [passage_text(features[i].text, passage.span) for i, passage in jobs]
        claims = [passage_text(features[i].text, passage.claim)[0] for i, passage in jobs]
        feats = self.features([text for text, _ in passages], langs)
        judged: dict[int, list[tuple[AnalysisRecord, int]]] = {}
        for (i, _), (_, offset), f, p in zip(jobs, passages, feats, self.claim_probabilities(claims, langs)):
            record = decide_passage(f, p, self.threshold, item_id="", content_hash="", model_name=self.model_name,
                                    model_version=self.model_version)
            if record is not None:
                judged.setdefault(i, []).append((record, offset))
        return [strongest(record, judged.get(i, [])) for i, record in enumerate(records)]

    def claim_probabilities(self, claims: Sequence[str], langs: Sequence[str]) -> list[dict[str, float]]:
        """Classifier output for the claims of passages (a sentence or two, read whole)."""
        plain = self.text_analyser.languages(list(claims), list(langs))
        return self.classifier.predict([model_input(text, f) for text, f in zip(claims, plain)])


def model_input(text: str, features: Features) -> str:
    """What the classifier reads: Russian typed in Latin letters in Cyrillic, as the rules read it
    (the nlp's normalised text); any other text as it is (the classifier normalises it itself); either way
    without URLs and e-mail addresses (:func:`tocsin.nlp.language.without_addresses`)."""
    if features.lang == "ru" and features.script == "Latn" and features.normalised:
        return without_addresses(features.normalised)
    return without_addresses(text)


def item_text(item: dict[str, Any]) -> str:
    """The text analysed for an item: its title, then its body."""
    title, text = (item.get("title") or "").strip(), (item.get("text") or "").strip()
    if title and not text.startswith(title):
        return f"{title}\n\n{text}" if text else title
    return text


def analyse_batch(analyser: Analyser, items: list[dict[str, Any]]) -> tuple[list[AnalysisRecord | None], list[str]]:
    """Analyse items; on a batch failure fall back to one at a time so one bad item cannot sink the rest.

    Returns one record (or None where it failed) per item, and the error messages.
    """
    texts = [item_text(i) for i in items]
    try:
        return list(analyser.analyse_texts(texts, lang_hints=[i.get("lang") or "" for i in items],
                                           item_ids=[i["id"] for i in items],
                                           content_hashes=[i["content_hash"] for i in items])), []
    except Exception as e:  # noqa: BLE001 - isolate the failing item(s) below
        logger.warning("batch of %d failed (%s); analysing one at a time", len(items), e)
    records: list[AnalysisRecord | None] = []
    errors = []
    for item, text in zip(items, texts):
        try:
            records.append(analyser.analyse_texts([text], lang_hints=[item.get("lang") or ""], item_ids=[item["id"]],
                                                  content_hashes=[item["content_hash"]])[0])
        except Exception as e:  # noqa: BLE001 - counted, logged, item stays pending
            logger.error("analysis of item %s failed: %s", item["id"], e, exc_info=logger.isEnabledFor(logging.DEBUG))
            records.append(None)
            errors.append(f"{item['id']}: {e}")
    return records, errors


def analyse_pending(db: Any, settings: Any, *, analyser: Analyser | None = None, limit: int | None = None,
                    on_batch_saved: BatchSaved | None = None, progress: Progress | None = None,
                    failed_ids: set[str] | None = None, after_seq: int = 0) -> AnalyseSummary:
    """Analyse every item with no analysis by the current model version; each item once per version.

    :param db: the store.
    :param settings: the full settings (``model``, ``nlp``).
    :param analyser: a loaded :class:`Analyser` (built from ``settings`` when None).
    :param limit: analyse at most this many items.
    :param on_batch_saved: called as ``on_batch_saved(db, rows)`` inside each batch's transaction, with the
        saved analyses decoded plus the item's source, kind, url, title, first_seen and published_at.
    :param progress: called as ``progress(done, total)`` after each batch.
    :param failed_ids: items that failed before, fetched past (they stay pending); those that fail now are added.
        A caller that analyses in many calls (the daemon) keeps it, so bad items cannot hold back the rest.
    :param after_seq: take only items stored after this one (by ``seq``): a caller that analyses a backlog in many
        calls passes the ``last_seq`` of the call before, so that no call reads again the items before it (an
        item edited meanwhile is taken by a later pass that starts from 0).
    """
    from tocsin.store.analyses import pending_items, save_analysis
    from tocsin.store.db import transaction
    from tocsin.store.modelling import count_pending

    analyser = analyser or Analyser(settings)
    summary = AnalyseSummary(last_seq=after_seq)
    batch_size = max(1, int(settings.model.batch_size))
    failed_ids = set() if failed_ids is None else failed_ids
    total = None
    while limit is None or summary.taken < limit:
        want = batch_size if limit is None else min(batch_size, limit - summary.taken)
        # Items that failed stay pending; fetch past them so the run ends.
        items = [i for i in pending_items(db, analyser.model_name, analyser.model_version, limit=want + len(failed_ids),
                                          after_seq=summary.last_seq)
                 if i["id"] not in failed_ids][:want]
        if not items:
            break
        summary.last_seq = items[-1]["seq"]
        if total is None and progress is not None:   # a whole scan of the store: only for a progress bar
            total = count_pending(db, analyser.model_name, analyser.model_version)
            total = total if limit is None else min(total, limit)
        records, _ = analyse_batch(analyser, items)
        with transaction(db):
            saved_ids = []
            for item, record in zip(items, records):
                if record is None:
                    failed_ids.add(item["id"])
                    summary.failed += 1
                    continue
                row_id = save_analysis(db, record)
                if row_id is None:   # another run saved this item version's analysis first: counted there
                    summary.saved_by_another += 1
                    continue
                saved_ids.append(row_id)
                summary.analysed += 1
                summary.flagged += int(record.incitement)
            if on_batch_saved is not None and saved_ids:
                error = raise_alerts(db, on_batch_saved, saved_ids)
                if error:
                    summary.alert_errors.append(error)
        logger.info("analysed %d items (%d flagged, %d failed)", summary.analysed, summary.flagged, summary.failed)
        if progress is not None:
            progress(summary.taken, total or 0)
    return summary


def raise_alerts(db: Any, on_batch_saved: BatchSaved, analysis_ids: list[int]) -> str | None:
    """Call ``on_batch_saved`` with saved analyses, inside the caller's transaction. When it fails, only what it
    wrote is undone: the analyses stay, the error is logged and returned, and their alerts are recorded as owed
    in the same transaction (those that succeed are no longer owed). A failure of the store itself (locked,
    full, damaged) is raised, and the caller's whole transaction undone.

    :param analysis_ids: ids of saved analyses.
    """
    from tocsin.store.alerts_owed import owe_alerts, settle_alerts

    error = _try_alerts(db, on_batch_saved, analysis_ids)
    if error is None:
        settle_alerts(db, analysis_ids)
        return None
    logger.error("raising the alerts of %d analyses failed (the analyses are kept; their alerts are tried "
                 "again later): %s", len(analysis_ids), _describe(error), exc_info=error)
    owe_alerts(db, analysis_ids, _describe(error))
    return f"alerts of {len(analysis_ids)} analyses: {_describe(error)}"


#: owed alerts are tried again this many analyses at a time (an ``IN (...)`` list each)
OWED_AT_ONCE = 200


def raise_owed_alerts(db: Any, on_batch_saved: BatchSaved) -> str | None:
    """Try again, in one transaction, the alerts owed in the store (see :func:`raise_alerts`). Those of analyses
    that no longer speak for their item (a newer model or an edit judged it since) are settled without raising.
    The rest are raised :data:`OWED_AT_ONCE` at a time; a group that fails is halved until the analyses that
    fail are alone, so one bad analysis holds back no other. Returns the error when some fail again (they stay
    owed). Takes no write lock when none are owed."""
    from tocsin.store.alerts_owed import owed_alert_ids, settle_superseded_alerts
    from tocsin.store.db import chunked, transaction

    if not owed_alert_ids(db):
        return None
    with transaction(db):
        superseded = settle_superseded_alerts(db)
        if superseded:
            logger.info("settled the owed alerts of %d analyses that no longer speak for their item", superseded)
        failures: list[tuple[int, Exception]] = []
        for chunk in chunked(owed_alert_ids(db), OWED_AT_ONCE):   # read again under the lock
            failures += _raise_isolating_failures(db, on_batch_saved, list(chunk))
    if not failures:
        return None
    first = failures[0][1]
    logger.error("raising the owed alerts of %d analyses failed again (they stay owed; first: analysis %d): %s",
                 len(failures), failures[0][0], _describe(first), exc_info=first)
    return f"alerts of {len(failures)} analyses: {_describe(first)}"


def _raise_isolating_failures(db: Any, on_batch_saved: BatchSaved, analysis_ids: list[int]) -> list[tuple[int, Exception]]:
    """Raise the alerts of these owed analyses, halving a group that fails until each failing analysis is alone;
    returns ``(analysis id, error)`` for those that failed, which stay owed (with their new error)."""
    from tocsin.store.alerts_owed import owe_alerts, settle_alerts

    error = _try_alerts(db, on_batch_saved, analysis_ids)
    if error is None:
        settle_alerts(db, analysis_ids)
        return []
    if len(analysis_ids) == 1:
        owe_alerts(db, analysis_ids, _describe(error))
        return [(analysis_ids[0], error)]
    half = len(analysis_ids) // 2
    return (_raise_isolating_failures(db, on_batch_saved, analysis_ids[:half])
            + _raise_isolating_failures(db, on_batch_saved, analysis_ids[half:]))


def _try_alerts(db: Any, on_batch_saved: BatchSaved, analysis_ids: list[int]) -> Exception | None:
    """Call ``on_batch_saved`` in a savepoint; return its error (its writes undone), or raise a store failure."""
    from tocsin.store.db import savepoint
    from tocsin.store.modelling import saved_analyses

    try:
        with savepoint(db, "alerts"):
            on_batch_saved(db, saved_analyses(db, analysis_ids))
    except Exception as e:
        if store_failed(db, e):
            raise
        return e
    return None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def store_failed(db: Any, error: BaseException) -> bool:
    """Whether ``error`` is a failure of the store itself (locked, full, read-only, damaged, or the transaction
    gone), not of the step that ran in it."""
    return (not db.conn.in_transaction or isinstance(error, (OSError, sqlite3.OperationalError))
            or type(error) is sqlite3.DatabaseError)
