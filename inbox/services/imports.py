"""Bulk import of messages from a CSV or JSON file, in a background job with progress.

Rows are validated one by one (each bad row is reported with its line and fields), rows whose
external_id the channel already has are skipped, the rest go through normal ingestion.
Progress lives in Redis (a hash per import) so the admin page can show a live progress bar.
"""
import csv
import io
import json
import uuid

from ..models import Channel, User
from ..redis_conn import get_redis
from . import audit, queue

MAX_ROWS = 50000
TTL_SECONDS = 7 * 86400
_FLAT = {
    "author_id": ("author", "external_id"), "author_external_id": ("author", "external_id"),
    "author_name": ("author", "name"), "author_handle": ("author", "handle"),
    "post_id": ("post", "external_id"), "post_external_id": ("post", "external_id"),
    "post_text": ("post", "text"), "post_url": ("post", "url"),
}
_RENAMES = {"thread_id": "thread_external_id", "parent_id": "parent_external_id", "message": "text"}


class ImportFileError(ValueError):
    """The file cannot be read at all (format, encoding, size)."""


def parse_file(filename: str, content: bytes) -> list[dict]:
    """Rows of a .csv (header line), .json (a list of objects) or .jsonl file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("The file is not UTF-8 text.") from None
    name = (filename or "").lower()
    if name.endswith(".csv"):
        reader = csv.DictReader(io.StringIO(text))
        if not reader.fieldnames or "text" not in reader.fieldnames and "message" not in reader.fieldnames:
            raise ImportFileError("The CSV header must name the columns (external_id, text, created_at, ...).")
        rows = [dict(row) for row in reader]
    elif name.endswith(".jsonl"):
        try:
            rows = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as exc:
            raise ImportFileError(f"Invalid JSON line: {exc}") from None
    elif name.endswith(".json"):
        try:
            rows = json.loads(text)
        except ValueError as exc:
            raise ImportFileError(f"Invalid JSON: {exc}") from None
        if isinstance(rows, dict) and isinstance(rows.get("messages"), list):
            rows = rows["messages"]
        if not isinstance(rows, list):
            raise ImportFileError("The JSON file must hold a list of messages.")
    else:
        raise ImportFileError("The file must end in .csv, .json or .jsonl.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"At most {MAX_ROWS} rows per file, got {len(rows)}.")
    if not rows:
        raise ImportFileError("The file has no rows.")
    return rows


def row_to_item(row) -> dict:
    """A flat CSV row or a JSON object into the inbound message shape (validated afterwards)."""
    if not isinstance(row, dict):
        return {"_invalid": "not an object"}
    item = {}
    for key, value in row.items():
        if key is None or value in (None, ""):
            continue
        key = key.strip()
        if key in _FLAT:
            group, name = _FLAT[key]
            item.setdefault(group, {})[name] = value
        else:
            item[_RENAMES.get(key, key)] = value
    item.setdefault("kind", "comment")
    if isinstance(item.get("post"), dict) and not item["post"].get("external_id"):
        item.pop("post")
    return item


def _key(import_id: str) -> str:
    return f"parvis:import:{import_id}"


def start_import(channel: Channel, filename: str, content: bytes, user: User | None) -> str:
    """Check the file can be read, keep it in Redis, queue the job; return the import id."""
    rows = parse_file(filename, content)
    import_id = uuid.uuid4().hex
    client = get_redis()
    client.set(_key(import_id) + ":file", json.dumps(rows), ex=TTL_SECONDS)
    client.hset(_key(import_id), mapping={
        "status": "queued", "channel_id": channel.id, "filename": filename[:200], "total": len(rows),
        "done": 0, "created": 0, "skipped": 0, "failed": 0, "errors": "[]"})
    client.expire(_key(import_id), TTL_SECONDS)
    audit.record("channel.import", channel, user=user, rows=len(rows), import_id=import_id)
    from ..extensions import db

    db.session.commit()
    queue.enqueue_import(import_id)
    return import_id


def progress(import_id: str) -> dict | None:
    data = get_redis().hgetall(_key(import_id))
    if not data:
        return None
    values = {k.decode(): v.decode() for k, v in data.items()}
    result = {k: int(values[k]) for k in ("channel_id", "total", "done", "created", "skipped", "failed")}
    result.update(status=values["status"], filename=values.get("filename"), errors=json.loads(values["errors"]),
                  error=values.get("error"))
    return result


def load_rows(import_id: str) -> list | None:
    raw = get_redis().get(_key(import_id) + ":file")
    return json.loads(raw) if raw else None


def save_progress(import_id: str, **values) -> None:
    if "errors" in values:
        values["errors"] = json.dumps(values["errors"])
    get_redis().hset(_key(import_id), mapping=values)
