"""WSGI entry point: ``gunicorn 'lms.wsgi:app'``."""

import gc

from .app import create_app
from .credentials.printing import warm_up

app = create_app()
with app.app_context():
    warm_up()  # the first certificate would otherwise wait for the QR code's tables

# What exists now (modules, the app, its extensions, those tables) lives as long as the
# process. Left to the cyclic collector, each full collection would walk all of it
# again (about 180,000 objects: 80-120 ms with every thread of the worker stopped,
# measured on the large demo); frozen, a collection walks only what requests made since.
gc.freeze()
