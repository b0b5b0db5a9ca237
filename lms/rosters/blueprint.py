"""URL rules of the rosters feature."""

from flask import Blueprint

bp = Blueprint("rosters", __name__)
