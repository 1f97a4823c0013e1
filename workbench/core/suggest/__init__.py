"""Coding suggestions over plain data: dictionary hits and per-code classifiers with their
cross-validated evaluation. PURE: no web framework, no database."""
