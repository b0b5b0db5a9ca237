"""WSGI entry point: ``gunicorn 'lms.wsgi:app'``."""

from .app import create_app

app = create_app()
