"""Click commands for the classifier (no Flask). The `parvis` group adds them; they also run
stand-alone:  python -m workers.classifier.cli classify messages.jsonl

  classify FILE|-          JSON lines with "text" -> same lines with the classification added
  train-classifier         train the heads, write the artefact (default: the packaged one)
  eval-classifier FILE     per-label report against gold labels
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import Classifier, ClassifierLoadError

_BATCH = 64
_FIELDS = ("sentiment", "sentiment_score", "urgency", "urgency_score", "flags", "flag_scores",
           "language", "explanation")


def _load_classifier(model_path, heads_path, sentiment_model_path) -> Classifier:
    try:
        return Classifier.load(model_path=model_path, heads_path=heads_path,
                               sentiment_model_path=sentiment_model_path)
    except ClassifierLoadError as exc:
        raise click.ClickException(f"cannot load the classifier: {exc}") from exc


def _model_options(func):
    func = click.option("--sentiment-model", "sentiment_model_path", default=None,
                        help="Sequence-classification checkpoint for sentiment (env PARVIS_SENTIMENT_MODEL).")(func)
    func = click.option("--heads", "heads_path", default=None,
                        help="Heads artefact dir (env PARVIS_HEADS_PATH, default packaged).")(func)
    func = click.option("--model", "model_path", default=None,
                        help="Encoder dir (env PARVIS_MODEL_PATH, default packaged MiniLM).")(func)
    return func


def _parse_lines(stream):
    """Yield (line_number, record or None, error or None) for every non-blank line."""
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON ({exc.msg} at column {exc.colno})"
            continue
        if not isinstance(record, dict):
            yield number, None, "expected a JSON object"
        elif not isinstance(record.get("text"), str):
            yield number, None, 'missing or non-string "text" field'
        else:
            yield number, record, None


@click.command("classify")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@_model_options
def classify(file, model_path, heads_path, sentiment_model_path):
    """Classify JSON lines from FILE ('-' for stdin) and write them to stdout, enriched."""
    clf = _load_classifier(model_path, heads_path, sentiment_model_path)
    failures = 0
    batch: list[dict] = []

    def flush():
        results = clf.classify([r["text"] for r in batch])
        for record, result in zip(batch, results):
            data = result.as_dict()
            record.update({k: data[k] for k in _FIELDS})
            record["model_version"] = data["model_version"]
            click.echo(json.dumps(record, ensure_ascii=False))
        batch.clear()

    for number, record, error in _parse_lines(file):
        if error:
            failures += 1
            click.echo(f"line {number}: {error}", err=True)
            continue
        batch.append(record)
        if len(batch) >= _BATCH:
            flush()
    if batch:
        flush()
    if failures:
        click.echo(f"{failures} line(s) could not be classified", err=True)
        sys.exit(1)


@click.command("train-classifier")
@click.option("--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Artefact directory to write (default: the packaged artefact dir).")
@click.option("--model", "model_path", default=None, help="Encoder dir (default packaged MiniLM).")
@click.option("--extra", type=click.File("r", encoding="utf-8"), default=None,
              help="JSON lines of staff corrections (text + any of sentiment/urgency/flags).")
@click.option("--no-public", is_flag=True, help="Ignore ../shared/data/public even if present.")
@click.option("--corrections/--no-corrections", default=True, show_default=True,
              help="Add the staff corrections stored in Parvis's database (run as `parvis train-classifier`).")
@click.option("--sample-every", type=click.IntRange(min=1), default=1, show_default=True,
              help="Train on every Nth row of the packaged training set (quick experiments only).")
def train_classifier(output, model_path, extra, no_public, corrections, sample_every):
    """Train the classifier heads on Parvis's data and staff corrections (deterministic)."""
    from . import training

    extra_rows = []
    if extra is not None:
        for number, record, error in _parse_lines(extra):
            if error:
                raise click.ClickException(f"--extra line {number}: {error}")
            extra_rows.append(record)
    if corrections:
        stored = _stored_corrections()
        if stored is not None:
            click.echo(f"{len(stored)} staff correction(s) from the database", err=True)
            extra_rows.extend(stored)
    train_rows = None
    if sample_every > 1:
        train_rows = training.read_jsonl(training.DATA_DIR / "train.jsonl")[::sample_every]
    output = output or training.ARTEFACTS_DIR / training.ARTEFACT_VERSION
    try:
        summary = training.train(output, extra_rows, model_path=model_path, train_rows=train_rows,
                                 public_dir=None if no_public else training.PUBLIC_DIR)
    except ClassifierLoadError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(summary, indent=1))


def _stored_corrections() -> list[dict] | None:
    """The staff corrections of the Parvis database, or None when run without Parvis's app
    (`python -m workers.classifier.cli`)."""
    from flask import current_app  # imported here: the stand-alone classifier CLI runs without Flask
    from flask.cli import ScriptInfo

    if current_app:
        app = current_app._get_current_object()
    else:
        info = click.get_current_context().find_object(ScriptInfo)
        if info is None:
            return None
        app = info.load_app()
    with app.app_context():
        from inbox.services.corrections import corrections_for_training

        return [row for row in corrections_for_training() if (row.get("text") or "").strip()]


@click.command("eval-classifier")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@click.option("--json-output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the full metrics as JSON here.")
@_model_options
def eval_classifier(file, json_output, model_path, heads_path, sentiment_model_path):
    """Evaluate on FILE (JSON lines with text and gold sentiment/urgency/flags)."""
    from .evaluation import evaluate, format_report

    rows = []
    for number, record, error in _parse_lines(file):
        if error:
            raise click.ClickException(f"line {number}: {error}")
        rows.append(record)
    if not rows:
        raise click.ClickException("no rows to evaluate")
    clf = _load_classifier(model_path, heads_path, sentiment_model_path)
    metrics = evaluate(clf, rows)
    click.echo(format_report(metrics), nl=False)
    if json_output:
        json_output.write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")


@click.group()
def main():
    """Parvis classifier commands (stand-alone entry point)."""


main.add_command(classify)
main.add_command(train_classifier)
main.add_command(eval_classifier)

if __name__ == "__main__":
    main()
