"""``tocsin analyse``, ``tocsin classify``, ``tocsin train`` and ``tocsin evaluate``.

torch and transformers are imported inside the commands, so ``tocsin --help`` stays fast.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import typing
from collections import Counter
from typing import Any, BinaryIO, Callable

import click

from tocsin.cli.app import LIMIT, App, main, pass_app
from tocsin.cli.classify_input import lines_as_they_come, read_inputs
from tocsin.terminal import json_terminal_safe

#: Fields written by ``classify`` for every text (pass-through fields of JSONL input come first).
CLASSIFY_FIELDS = ("lang", "incitement", "score", "targets", "places", "hallmarks", "spans", "explanation", "model")
#: Input fields not passed through: the analysis's own, and those of a bad line's object.
RESERVED_FIELDS = ("text", *CLASSIFY_FIELDS, "error", "line")


@main.command()
@click.option("--limit", type=LIMIT, default=None, help="Analyse at most this many items.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@pass_app
def analyse(app: App, limit: int | None, quiet: bool) -> None:
    """Analyse the items in the store that the current model version has not seen yet."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from tocsin.analyse import Analyser, analyse_pending, raise_owed_alerts
    from tocsin.store.alerts_owed import owed_alerts_summary

    db = app.open_db()
    settings = app.settings
    click.echo("loading the rules and the classifier…", err=True)
    analyser = Analyser(settings)
    on_batch_saved = batch_alert_hook(settings)
    if on_batch_saved is not None:
        raise_owed_alerts(db, on_batch_saved)   # those an earlier run or the daemon failed to raise
    with Progress(TextColumn("analysing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  disable=quiet, transient=True) as bar:
        task = bar.add_task("analyse", total=None)
        summary = analyse_pending(db, settings, analyser=analyser, limit=limit, on_batch_saved=on_batch_saved,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total or None))
    click.echo(f"analysed {summary.analysed} items with {analyser.model_name} {analyser.model_version}: "
               f"{summary.flagged} flagged, {summary.failed} failed")
    if summary.failed:
        click.echo("failed items stay pending and are retried on the next run; see the log (-v) for the errors", err=True)
    owed = owed_alerts_summary(db)["count"]
    if owed:
        click.echo(f"raising the alerts of {owed} analyses failed; they are owed and tried again on the next run "
                   f"(see the log for the errors)", err=True)


def batch_alert_hook(settings: Any) -> Callable[[Any, list[dict[str, Any]]], Any] | None:
    """Raise item alerts with each saved batch when the alerts room is installed."""
    try:
        from tocsin.alerts import raise_item_alerts
    except ImportError:
        return None
    return lambda db, rows: raise_item_alerts(db, settings, rows)


# --------------------------------------------------------------------------- classify


def json_line(obj: dict[str, Any]) -> bytes:
    """``obj`` as one line of JSON in UTF-8, readable where it can be; a lone surrogate (from a JSON escape
    such as ``\\ud800`` in the input) cannot be written as UTF-8, so such an object is written ASCII-escaped."""
    try:
        data = json_terminal_safe(json.dumps(obj, ensure_ascii=False)).encode("utf-8")
    except UnicodeEncodeError:
        data = json_terminal_safe(json.dumps(obj)).encode("ascii")
    return data + b"\n"


class InputFile(click.File):
    """A ``click.File`` that names a closed standard input (``<&-``) as a usage error, not a traceback."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-" and sys.stdin is None:
            self.fail("standard input is closed; give the texts as FILE, or pipe them in", param, ctx)
        return super().convert(value, param, ctx)


def utf8_stdout() -> BinaryIO:
    """Standard output as bytes, so that what is written is UTF-8 whatever the locale or PYTHONIOENCODING."""
    if sys.stdout is None:
        raise click.ClickException("standard output is closed; give classify somewhere to write (a file or a pipe)")
    sys.stdout.flush()
    return sys.stdout.buffer


def written_before(counts: Counter[str]) -> str:
    """What was written before the input broke off, for the message that says so."""
    written = counts["classified"] + counts["error"]
    return f"{written} output line{'' if written == 1 else 's'} written before it" if written else "nothing was written"


def classify_output(record: dict[str, Any], analysis: Any, model: str) -> dict[str, Any]:
    """The JSON object written for one input: pass-through fields, then the analysis."""
    out = {k: v for k, v in record.items() if k not in RESERVED_FIELDS}
    out.update({
        "lang": analysis.lang, "incitement": analysis.incitement, "score": round(analysis.score, 4),
        "targets": analysis.targets, "places": analysis.places, "hallmarks": analysis.hallmarks,
        "spans": analysis.spans, "explanation": analysis.explanation, "model": model,
    })
    return out


@main.command()
@click.argument("file", type=InputFile("rb"), default="-", required=False)
@click.option("--batch", "batch_size", type=click.IntRange(1, 4096), default=64, show_default=True,
              help="Texts analysed together (fewer when a pipe or a terminal pauses).")
@pass_app
def classify(app: App, file: BinaryIO, batch_size: int) -> None:
    """Classify texts from FILE (or stdin when FILE is absent or '-'), one JSON object per line.

    Input: plain text lines, or JSONL objects with a 'text' field whose other fields are passed through (but
    not fields named like the output's, or 'error' and 'line'; 'lang' is also read as a language hint).
    Output, in input order: lang, incitement, score, targets, places, hallmarks, spans, explanation, model.
    A line that is a JSON string ("…", as jq prints without -r) is read as that text. Output is UTF-8
    whatever the locale. Blank lines are skipped. A bad line (not JSON, no 'text', not UTF-8) yields
    {"error": ..., "line": N} naming the line, and the rest go on. From a pipe or a terminal (tail -f), what was
    read is classified and written as soon as the input pauses, and within about a second while it keeps coming.
    Needs no database and no network.

    Exit status: 0 when some line was classified or the input was empty; 1 when every line was an error,
    or the input could not be read to its end; 2 for a usage error (FILE missing, stdin closed).
    """
    from tocsin.analyse import Analyser

    out = utf8_stdout()
    analyser = Analyser(app.settings, on_demand=True)      # a pipeline only for the languages read
    model = f"{analyser.model_name} {analyser.model_version}"
    pending: list[tuple[int, dict[str, Any] | None, str]] = []
    counts: Counter[str] = Counter()   # lines written: "classified" and "error"

    def flush() -> None:
        good = [(n, r) for n, r, err in pending if r is not None]
        results: dict[int, Any] = {}
        if good:
            texts = [r["text"] for _, r in good]
            hints = [str(r.get("lang") or "") for _, r in good]
            for (n, _), analysis in zip(good, analyser.analyse_texts(texts, lang_hints=hints)):
                results[n] = analysis
        for n, record, err in pending:
            obj = {"error": err, "line": n} if record is None else classify_output(record, results[n], model)
            out.write(json_line(obj))   # records nest at most MAX_NESTING deep, so each can be written
            counts["error" if record is None else "classified"] += 1
        out.flush()
        pending.clear()

    try:
        for entry in read_inputs(lines_as_they_come(file, on_stall=flush)):
            pending.append(entry)
            if len(pending) >= batch_size:
                flush()
    except OSError as e:
        flush()   # what was read is written
        raise click.ClickException(f"cannot read the input ({e.strerror or e}); {written_before(counts)}") from None
    flush()
    if counts["error"] and not counts["classified"]:
        raise click.ClickException("no line could be classified: the output holds only errors, each naming its "
                                   "line and the fix")


# --------------------------------------------------------------------------- train / evaluate


def dataclass_options(*classes: type) -> Callable[[Callable], Callable]:
    """Click options generated from training-argument dataclasses (their help texts included)."""
    def decorate(fn: Callable) -> Callable:
        for cls in reversed(classes):
            for f in reversed(dataclasses.fields(cls)):
                tp = typing.get_type_hints(cls)[f.name]
                name = "--" + f.name.replace("_", "-")
                help_text = f.metadata.get("help", "")
                if typing.get_origin(tp) is list:
                    fn = click.option(name, f.name, multiple=True, help=help_text + " (repeatable)")(fn)
                elif tp is bool:
                    fn = click.option(f"{name}/--no-{f.name.replace('_', '-')}", f.name, default=f.default, help=help_text)(fn)
                else:
                    fn = click.option(name, f.name, type=tp, default=f.default, show_default=True, help=help_text)(fn)
        return fn
    return decorate


def split_options(values: dict[str, Any], *classes: type) -> list[Any]:
    out = []
    for cls in classes:
        kwargs = {f.name: values[f.name] for f in dataclasses.fields(cls)}
        for f in dataclasses.fields(cls):
            if isinstance(kwargs[f.name], tuple):
                kwargs[f.name] = list(kwargs[f.name])
        out.append(cls(**kwargs))
    return out


def _train_classes() -> tuple[type, type, type]:
    from tocsin.models.train import DataArguments, ModelArguments, TrainingArguments

    return DataArguments, ModelArguments, TrainingArguments


@main.command()
@click.option("--with-reviews", is_flag=True, help="Add the monitors' review decisions from the configured store (their texts redacted).")
@dataclass_options(*_train_classes())
@pass_app
def train(app: App, with_reviews: bool, **values: Any) -> None:
    """Train the embedded classifier from scratch, or fine-tune any Hugging Face model (--base-model).

    Learns from the project's corpus, the monitors' review decisions (--with-reviews or --database) and
    labelled CSV/JSONL files (--extra-files). Writes the model, metrics.json and tocsin_model.json to
    --output-dir; point model.path at it to use it.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tocsin.models.train import TrainingError, check_arguments, train as run_training

    data, margs, targs = split_options(values, *_train_classes())
    try:
        check_arguments(data, margs, targs)   # an option out of its range is a usage error (exit code 2)
    except TrainingError as e:
        raise click.UsageError(str(e)) from None
    if with_reviews and not data.database:
        data.database = str(app.database_path)
    try:
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), transient=True) as bar:
            task = bar.add_task("training", total=1.0)
            metrics = run_training(data, margs, targs, progress=lambda stage, share: bar.update(task, completed=share))
    except TrainingError as e:
        raise click.ClickException(str(e)) from e
    test = metrics.get("test", {})
    click.echo(f"saved {metrics['name']} {metrics['version']} to {targs.output_dir} in {metrics['train_seconds']:.0f} s")
    if test:
        per_lang = ", ".join(f"{k} {v['macro_f1']:.3f}" for k, v in test["per_language"].items())
        click.echo(f"held-out test macro-F1 of the transformer alone (no n-gram companion, no rules): "
                   f"{test['macro_f1']:.3f} ({per_lang})")
    click.echo(f"next: tocsin evaluate --model {targs.output_dir} (with the rules, the blind set and bias metrics)")


@main.command()
@click.option("--model", "model_path", default="", help="Model folder or HF id to evaluate (default: model.path, else the embedded model).")
@click.option("--blind/--no-blind", default=True, show_default=True, help="Also evaluate on the blind test set when it is present.")
@click.option("--card", type=click.Path(dir_okay=False), default=None, help="Write the report into this model card (default: the embedded model's README.md, when evaluating it with the blind set).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None, help="Also write the full report as JSON here.")
@pass_app
def evaluate(app: App, model_path: str, blind: bool, card: str | None, json_path: str | None) -> None:
    """Evaluate the whole decision (rules + classifier) on the held-out test split and the blind set.

    Reports macro-F1 per language, accuracy per language × category, confusion matrices, label flips
    under evasion variants, the long-document check and per-group subgroup AUC, BPSN and BNSP.
    """
    from tocsin.models.evaluate import evaluate_all, render_markdown, write_card

    settings = app.settings
    if model_path:
        settings.model.path = model_path
    report = evaluate_all(settings, blind=blind)
    if json_path:
        with open(json_path, "w", encoding="utf-8") as f:
            json.dump(report, f, indent=2, ensure_ascii=False)
    markdown = render_markdown(report)
    if card or (not settings.model.path and blind):
        written = write_card(markdown, card)
        click.echo(f"wrote the evaluation into {written}", err=True)
    click.echo(markdown)
