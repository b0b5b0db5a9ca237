"""URL rules of the enrollment feature."""

from flask import Blueprint

bp = Blueprint("enrollment", __name__)
