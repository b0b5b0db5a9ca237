"""URL rules of the scheduling feature."""

from flask import Blueprint

bp = Blueprint("scheduling", __name__)
