"""Workbench: a bilingual annotation and stance-coding workbench."""
