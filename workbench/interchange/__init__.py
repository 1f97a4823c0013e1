"""Interchange area: exports and imports of coded data (xlsx, CSV, JSON, REFI-QDA)."""
