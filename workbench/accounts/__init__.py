"""Accounts area: users, projects, memberships, passwords, sign-in throttle, audit history."""
