"""WSGI entry point for gunicorn: `gunicorn wsgi:app`. Set DATABASE_URL and REDIS_URL in production."""
from inbox import create_app

app = create_app()
