"""WSGI entry point for gunicorn: `gunicorn wsgi:app`. Set DATABASE_URL and REDIS_URL in production."""
from inbox import create_app, freeze_startup_heap

app = create_app()
freeze_startup_heap()  # full garbage collections no longer walk the start-up objects (see its doc)
