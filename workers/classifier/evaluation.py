"""Evaluation against gold labels: per-label precision / recall / F1 and confusion matrices.

    metrics = evaluate(classifier, rows)   # rows: dicts with text, sentiment, urgency, flags, lang
    print(format_report(metrics))

Metrics are computed overall and per language (the row's "lang", else the detected one).
A row missing a gold label is skipped for that task only.
"""
from __future__ import annotations

from .heads import FLAGS, SENTIMENTS, URGENCIES

_BINARY = ("no", "yes")


def confusion(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> list[list[int]]:
    """matrix[i][j] = rows with gold labels[i] predicted labels[j]."""
    index = {label: i for i, label in enumerate(labels)}
    matrix = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred):
        matrix[index[g]][index[p]] += 1
    return matrix


def per_label(matrix: list[list[int]], labels: tuple[str, ...]) -> dict:
    out = {}
    for i, label in enumerate(labels):
        tp = matrix[i][i]
        fp = sum(matrix[r][i] for r in range(len(labels))) - tp
        fn = sum(matrix[i]) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        out[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return out


def task_metrics(gold: list[str], pred: list[str], labels: tuple[str, ...]) -> dict:
    matrix = confusion(gold, pred, labels)
    scores = per_label(matrix, labels)
    present = [label for label in labels if scores[label]["support"] > 0]
    macro = sum(scores[l]["f1"] for l in present) / len(present) if present else 0.0
    accuracy = sum(matrix[i][i] for i in range(len(labels))) / len(gold) if gold else 0.0
    return {"labels": list(labels), "confusion": matrix, "per_label": scores,
            "macro_f1": macro, "accuracy": accuracy, "n": len(gold)}


def _metrics_for(rows: list[dict], results: list) -> dict:
    out = {}
    for task, labels in (("sentiment", SENTIMENTS), ("urgency", URGENCIES)):
        pairs = [(r[task], getattr(c, task)) for r, c in zip(rows, results) if r.get(task) in labels]
        out[task] = task_metrics([g for g, _ in pairs], [p for _, p in pairs], labels)
    with_flags = [(r, c) for r, c in zip(rows, results) if isinstance(r.get("flags"), list)]
    for flag in FLAGS:
        gold = [_BINARY[flag in r["flags"]] for r, _ in with_flags]
        pred = [_BINARY[flag in c.flags] for _, c in with_flags]
        out[f"flag:{flag}"] = task_metrics(gold, pred, _BINARY)
    return out


def evaluate(classifier, rows: list[dict]) -> dict:
    """Classify rows[*]["text"] in one call and compare with the gold labels."""
    results = classifier.classify([r["text"] for r in rows])
    langs = [r.get("lang") or c.language or "unknown" for r, c in zip(rows, results)]
    metrics = {"n": len(rows), "model_version": getattr(classifier, "version", None),
               "overall": _metrics_for(rows, results), "by_language": {}}
    for lang in sorted(set(langs)):
        idx = [i for i, l in enumerate(langs) if l == lang]
        metrics["by_language"][lang] = _metrics_for([rows[i] for i in idx], [results[i] for i in idx])
        metrics["by_language"][lang]["n"] = len(idx)
    metrics["errors"] = [
        {"text": r["text"], "gold": {k: r.get(k) for k in ("sentiment", "urgency", "flags")},
         "pred": {"sentiment": c.sentiment, "urgency": c.urgency, "flags": c.flags}}
        for r, c in zip(rows, results)
        if (r.get("urgency") == "critical") != (c.urgency == "critical")
        or (isinstance(r.get("flags"), list) and sorted(r["flags"]) != sorted(c.flags))
    ]
    return metrics


def headline(metrics: dict) -> dict:
    """The figures the targets are stated in."""
    o = metrics["overall"]
    return {
        "sentiment_macro_f1": o["sentiment"]["macro_f1"],
        "critical_recall": o["urgency"]["per_label"]["critical"]["recall"],
        "critical_precision": o["urgency"]["per_label"]["critical"]["precision"],
        "urgency_macro_f1": o["urgency"]["macro_f1"],
        "toxic_f1": o["flag:toxic"]["per_label"]["yes"]["f1"],
        "threat_f1": o["flag:threat"]["per_label"]["yes"]["f1"],
        "spam_f1": o["flag:spam"]["per_label"]["yes"]["f1"],
        "personal_data_recall": o["flag:personal_data"]["per_label"]["yes"]["recall"],
        "personal_data_precision": o["flag:personal_data"]["per_label"]["yes"]["precision"],
    }


def _task_lines(name: str, m: dict) -> list[str]:
    labels = m["labels"]
    lines = [f"  {name}  (n={m['n']}, accuracy {m['accuracy']:.3f}, macro-F1 {m['macro_f1']:.3f})",
             f"    {'label':<10} {'prec':>6} {'recall':>6} {'f1':>6} {'support':>7}"]
    for label in labels:
        s = m["per_label"][label]
        lines.append(f"    {label:<10} {s['precision']:>6.3f} {s['recall']:>6.3f} {s['f1']:>6.3f} {s['support']:>7}")
    width = max(len(l) for l in labels) + 1
    lines.append("    confusion (rows gold, columns predicted):")
    lines.append("      " + " " * width + " ".join(f"{l[:8]:>8}" for l in labels))
    for label, row in zip(labels, m["confusion"]):
        lines.append(f"      {label:<{width}}" + " ".join(f"{v:>8}" for v in row))
    return lines


def format_report(metrics: dict) -> str:
    lines = [f"Parvis classifier evaluation - {metrics['n']} rows - model {metrics.get('model_version')}", ""]
    lines.append("Headline")
    for key, value in headline(metrics).items():
        lines.append(f"  {key:<26} {value:.3f}")
    sections = [("Overall", metrics["overall"])] + [
        (f"Language {lang} (n={m['n']})", m) for lang, m in metrics["by_language"].items()]
    for title, section in sections:
        lines += ["", title]
        for task in ("sentiment", "urgency", *(f"flag:{f}" for f in FLAGS)):
            lines += _task_lines(task, section[task])
    return "\n".join(lines) + "\n"
