"""URL rules of the status feature."""

from flask import Blueprint

bp = Blueprint("status", __name__)
