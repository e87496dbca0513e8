"""CLI behaviour: enriched JSON lines, bad lines reported by number with exit code 1,
stdin input, evaluation report, no Flask import."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from workers.classifier import Classifier, cli


@pytest.fixture(scope="module")
def loaded():
    return Classifier.load()


@pytest.fixture
def runner(monkeypatch, loaded):
    monkeypatch.setattr(cli, "_load_classifier", lambda *args: loaded)
    return CliRunner()


def test_classify_file_with_bad_lines(runner, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join([
        json.dumps({"id": 1, "text": "fuite de gaz devant l'école, ça sent très fort"}),
        "{not json",
        json.dumps({"id": 3, "body": "no text field"}),
        "",
        json.dumps({"id": 5, "text": "Merci pour votre aide !"}),
        json.dumps(["a list"]),
    ]) + "\n", encoding="utf-8")
    result = runner.invoke(cli.classify, [str(src)])
    assert result.exit_code == 1
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, 5]
    for o in out:
        for key in ("sentiment", "sentiment_score", "urgency", "urgency_score", "flags",
                    "flag_scores", "language", "explanation"):
            assert key in o
    assert out[0]["urgency"] == "critical"
    assert any("fuite de gaz" in e for e in out[0]["explanation"])
    assert "line 2: invalid JSON" in result.stderr
    assert 'line 3: missing or non-string "text" field' in result.stderr
    assert "line 6: expected a JSON object" in result.stderr
    assert "3 line(s) could not be classified" in result.stderr


def test_classify_stdin_all_good(runner):
    lines = "\n".join(json.dumps({"text": t}) for t in ["Bonjour", "Where is the town hall?"])
    result = runner.invoke(cli.classify, ["-"], input=lines + "\n")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 2
    assert result.stderr == ""


def test_classify_reports_load_errors_cleanly(tmp_path):
    result = CliRunner().invoke(cli.classify, ["-", "--heads", str(tmp_path / "nowhere")], input="")
    assert result.exit_code == 1
    assert "cannot load the classifier" in result.output and "nowhere" in result.output


def test_eval_classifier_prints_a_report(runner, tmp_path):
    rows = [
        {"text": "fuite de gaz dans l'immeuble", "lang": "fr", "sentiment": "negative",
         "urgency": "critical", "flags": []},
        {"text": "Merci beaucoup, bravo !", "lang": "fr", "sentiment": "positive",
         "urgency": "low", "flags": []},
        {"text": "Call me on 07700 900123", "lang": "en", "sentiment": "neutral",
         "urgency": "normal", "flags": ["personal_data"]},
    ]
    src = tmp_path / "gold.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out_json = tmp_path / "metrics.json"
    result = runner.invoke(cli.eval_classifier, [str(src), "--json-output", str(out_json)])
    assert result.exit_code == 0, result.output
    assert "Headline" in result.stdout and "Language en" in result.stdout
    assert json.loads(out_json.read_text())["n"] == 3


def test_eval_classifier_rejects_bad_line(runner, tmp_path):
    src = tmp_path / "gold.jsonl"
    src.write_text('{"text": "ok"}\n{oops\n', encoding="utf-8")
    result = runner.invoke(cli.eval_classifier, [str(src)])
    assert result.exit_code == 1 and "line 2" in result.output


def test_train_classifier_rejects_bad_extra_line(tmp_path):
    extra = tmp_path / "extra.jsonl"
    extra.write_text('{"text": "ok", "urgency": "high"}\n{"urgency": "high"}\n', encoding="utf-8")
    result = CliRunner().invoke(cli.train_classifier, ["--output", str(tmp_path / "o"), "--extra", str(extra)])
    assert result.exit_code == 1 and "--extra line 2" in result.output
    assert not (tmp_path / "o").exists()


def test_command_names():
    assert (cli.classify.name, cli.train_classifier.name, cli.eval_classifier.name) == (
        "classify", "train-classifier", "eval-classifier")


def test_cli_does_not_import_flask():
    code = "import sys, workers.classifier.cli; assert 'flask' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
