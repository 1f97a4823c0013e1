"""Coding area: coding actions, the coding view's read model, assignments and progress."""
