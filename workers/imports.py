"""Bulk import job: validate and ingest a file's rows in batches, reporting progress."""
from marshmallow import ValidationError

from inbox.extensions import db
from inbox.models import Channel, Message
from inbox.services import imports
from inbox.services.ingest import ingest_messages
from inbox.services.validation import INBOUND_MESSAGE

from .app import app_context

BATCH = 200
MAX_REPORTED_ERRORS = 500


def run_import(import_id: str) -> dict:
    """Job: import the rows kept for `import_id`; rows already imported are skipped."""
    with app_context():
        state = imports.progress(import_id)
        rows = imports.load_rows(import_id)
        if state is None or rows is None:
            return {"status": "missing"}
        channel = db.session.get(Channel, state["channel_id"])
        if channel is None:
            imports.save_progress(import_id, status="failed", error="channel deleted")
            return {"status": "failed"}
        imports.save_progress(import_id, status="running")
        counts = {"done": 0, "created": 0, "skipped": 0, "failed": 0}
        errors = []
        for start in range(0, len(rows), BATCH):
            valid, raws = [], []
            for offset, row in enumerate(rows[start:start + BATCH]):
                # Line numbers as a person sees them: CSV line 2 is the first row after the header.
                line = start + offset + (2 if state["filename"].lower().endswith(".csv") else 1)
                try:
                    item = INBOUND_MESSAGE.load(imports.row_to_item(row))
                except ValidationError as exc:
                    counts["failed"] += 1
                    if len(errors) < MAX_REPORTED_ERRORS:
                        errors.append({"row": line, "errors": exc.messages})
                    continue
                valid.append(item)
                raws.append(row)
            known = set(db.session.scalars(db.select(Message.external_id).where(
                Message.channel_id == channel.id,
                Message.external_id.in_([i["external_id"] for i in valid])))) if valid else set()
            fresh = [(i, r) for i, r in zip(valid, raws) if i["external_id"] not in known]
            counts["skipped"] += len(valid) - len(fresh)
            if fresh:
                results = ingest_messages(channel, [i for i, _ in fresh], [r for _, r in fresh])
                counts["created"] += sum(1 for r in results if r.created)
                counts["skipped"] += sum(1 for r in results if not r.created)
            counts["done"] = min(start + BATCH, len(rows))
            imports.save_progress(import_id, errors=errors, **counts)
        imports.save_progress(import_id, status="done", errors=errors, **counts)
        return {"status": "done", **counts}
