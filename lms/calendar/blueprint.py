"""URL rules of the calendar feature."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
