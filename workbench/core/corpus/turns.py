"""Speaker turns as passages: one passage a speech, built from the paragraph segmentation.

The segmenter labels every paragraph of a speech with its turn; this joins the codable
paragraphs of one turn into one passage, as long as they share their original language (the
"(spoke in …)" note is what changes it: the speech is cut there, so a passage's original
language is true of all of its text). Paragraphs outside every turn, and non-codable ones
between or around a speech's passages, stay passages of their own.
"""

from __future__ import annotations

from dataclasses import replace

from workbench.core.corpus.types import PassageSpec


def turn_passages(text: str, paragraphs: list[PassageSpec]) -> list[PassageSpec]:
    """Join the codable paragraphs of each speaker turn into one passage."""
    out: list[PassageSpec] = []
    i = 0
    while i < len(paragraphs):
        p = paragraphs[i]
        if p.turn is None:
            out.append(p)
            i += 1
            continue
        j = i
        while j < len(paragraphs) and paragraphs[j].turn == p.turn:
            j += 1
        out.extend(_join_turn(text, paragraphs[i:j]))
        i = j
    return [replace(p, ordinal=n) for n, p in enumerate(out)]


def _join_turn(text: str, turn: list[PassageSpec]) -> list[PassageSpec]:
    # A run: codable paragraphs in the same original language, with only non-codable ones
    # (a language note) between them. A change of language starts a new passage, so the
    # passage's original language stays true of all its text.
    out: list[PassageSpec] = []
    pending: list[PassageSpec] = []  # non-codable paragraphs after the current run
    run: list[PassageSpec] = []
    for p in turn:
        if not p.codable:
            (pending if run else out).append(p)
            continue
        if run and p.original_language != run[0].original_language:
            out.append(_joined(text, run))
            out.extend(pending)
            run, pending = [], []
        run.extend(pending)
        pending = []
        run.append(p)
    if run:
        out.append(_joined(text, run))
    out.extend(pending)
    return out


def _joined(text: str, run: list[PassageSpec]) -> PassageSpec:
    head, tail = run[0], run[-1]
    return replace(head, text=text[head.start : tail.end], end=tail.end)
