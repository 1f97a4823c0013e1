"""Workbench: a bilingual annotation and stance-coding workbench.

The application itself is built by workbench.app.create_app; importing this package loads
nothing but the version, so the pure core and the file formats load without Flask.
"""

__version__ = "0.1.0"
