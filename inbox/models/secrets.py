"""A column type that stores JSON encrypted with Fernet (key derived from SECRET_KEY)."""
import base64
import hashlib
import json

from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import Text, TypeDecorator


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"parvis-secrets:" + current_app.config["SECRET_KEY"].encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


class EncryptedJSON(TypeDecorator):
    impl = Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return _fernet().encrypt(json.dumps(value).encode()).decode()

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return json.loads(_fernet().decrypt(value.encode()))
