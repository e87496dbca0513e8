"""The baseline for the ingestion benchmark: a bare Flask JSON endpoint, nothing else."""
from flask import Flask, jsonify, request

app = Flask(__name__)


@app.post("/ingest")
def ingest():
    """Parse the JSON body and answer it back, as small as a JSON endpoint can be."""
    payload = request.get_json()
    return jsonify({"id": 1, "external_id": payload.get("external_id"), "status": "created"}), 201


@app.get("/ping")
def ping():
    return "ok"
