"""URL rules of the credentials feature."""

from flask import Blueprint

bp = Blueprint("credentials", __name__)
