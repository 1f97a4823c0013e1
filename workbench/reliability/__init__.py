"""Reliability area: agreement records, blind rounds, adjudication and its notes."""
