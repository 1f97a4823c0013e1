"""The agreement area of the web interface."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("agreement", __name__)
