"""Translations: linked documents, aligned passages between versions, traced quotations.

Modules: ``links`` (link two documents, list and remove links), ``alignments`` (align two
versions, correct the alignment with history), ``tracing`` (find a report's quotations of
statements), ``comparison`` (codes and stances of the same coder across versions).
"""
