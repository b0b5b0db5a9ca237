"""URL rules of the compliance feature."""

from flask import Blueprint

bp = Blueprint("compliance", __name__)
