"""Coding quality over time: coder drift against consensus, gold and the other coders, refresher
sets, and validated, opt-in coding suggestions."""
