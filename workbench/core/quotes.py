"""Quote tracing: which passages of a report reproduce words of a statement, and how closely.

A report is read paragraph by paragraph. Text inside quotation marks is a quotation, cut into
its sentences; text outside them counts only when the report attributes it to someone ("Liu
said that …"): unattributed text is the reporter's own. Each piece is attributed: the subject
of the nearest speech verb in its sentence ("Liu Jieyi … said", "said the ambassador",
"according to a UN press release"); a pronoun or a role ("he", "the envoy") stands for the last
source the report named; a quotation with no verb of its own continues the last source. A piece
is linked to a statement only when its source may be that statement's speaker: a named source
that is not one of the speaker's names (or delegation) is someone else, and so is an unnamed
one ("the 15-member council").

Candidates come from an index of word 3-grams (character 3-grams for Chinese) over every
statement sentence, so a report is compared with the few sentences it shares wording with,
never with every sentence of every statement. Candidates are scored with rapidfuzz against the
sentence and against it joined with its neighbour (a quotation may run across two):
- exact: the piece's words occur in the statement as they stand (case, punctuation, spacing and
  quotation marks aside) — score 100;
- near: partial similarity ≥ NEAR (small changes: "poison" for "poisoning", "three" for "3");
- paraphrase: word-set similarity ≥ PARAPHRASE with enough shared 3-grams.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from workbench.core.alignment.anchors import name_forms
from workbench.core.corpus.sentences import sentence_spans
from workbench.core.word_lists import word_list

NEAR = 75.0
PARAPHRASE = 62.0
MIN_SHARED_GRAMS = 3
MIN_PIECE_CHARS = 12
MAX_CANDIDATES = 8

_QUOTE = re.compile(r"“([^”]{2,})”|\"([^\"]{2,})\"|「([^」]{2,})」")
_SPEECH = re.compile(
    r"\b(?:said|says|say|added|adding|noted|noting|stressed|stressing|told|urged|urging|"
    r"stated|reiterated|called|calling|warned|insisted|argued|emphasized|emphasised|"
    r"pointed out|according to)\b|说|表示|指出|强调|称|认为",
)
_PRONOUN_OR_ROLE = re.compile(
    r"\b(?:he|she|they|him|her|ambassador|envoy|representative|diplomat|minister|"
    r"spokesperson|spokesman|spokeswoman|president|delegate|official)\b|他|她",
    re.IGNORECASE,
)
_CAPITAL = re.compile(r"\b[A-Z][A-Za-z'’.-]*[A-Za-z]|\b[A-Z]{2,}\b")
# Capitalised words that name no one: articles and pronouns at a sentence's start, days and
# months, titles, and the institutions every UN report mentions.
_NEUTRAL_CAPITALS = word_list("quote_neutral_words")
_PUNCTUATION = re.compile(r"[^\w\s']+|_")
_WORD = re.compile(r"[0-9a-z]+")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RANK = {"exact": 3, "near": 2, "paraphrase": 1}
_MASK = "\u2027"
_DOTTED = re.compile(r"\b(?:[A-Za-z]\.){2,}")


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement that may be quoted: its key, its speaker's names, its sentences."""

    key: str
    speakers: tuple[str, ...]
    sentences: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Quotation:
    """A report piece that reproduces words of a statement."""

    passage: int
    start: int
    end: int
    report_text: str
    quoted: bool
    statement: str
    sentence: int
    sentences: int
    statement_text: str
    kind: str
    score: float


@dataclass(frozen=True, slots=True)
class _Piece:
    passage: int
    start: int
    end: int
    text: str
    quoted: bool
    source: frozenset[str] | None  # None: unknown; empty: someone unnamed, not the speaker


def normalise(text: str) -> str:
    """Text as compared: NFKC, lower case, dotted acronyms closed, punctuation to spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = _DOTTED.sub(lambda m: m.group(0).replace(".", ""), text)
    text = name_forms(text)
    text = text.lower().replace("’", "'").replace("‘", "'")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def grams(text: str) -> set[str]:
    """The 3-grams indexed: of words for Latin text, of characters for Chinese."""
    return _grams(normalise(text))


def _grams(norm: str) -> set[str]:
    if _CJK.search(norm):
        chars = [ch for ch in norm if not ch.isspace()]
        return {"".join(chars[i : i + 3]) for i in range(len(chars) - 2)}
    words = _WORD.findall(norm)
    return {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}


def _tokens(name: str) -> list[str]:
    return [t.lower().strip("'’.") for t in re.findall(r"[A-Za-z][A-Za-z'’.-]*", name)]


def _same_name(a: str, b: str) -> bool:
    if a == b:
        return True
    # "Chinese" and "China's" are China; "Zhang" is not "Zhao".
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= 4 and common >= 0.6 * min(len(a), len(b))


def may_be(source: frozenset[str] | None, speakers: Iterable[str]) -> bool:
    """Whether a piece's source may be the statement's speaker."""
    if source is None:
        return True
    if any(s in a for s in speakers if _CJK.search(s) for a in source):
        return True
    names = [t for s in speakers for t in _tokens(s) if t not in _NEUTRAL_CAPITALS]
    return any(_same_name(a, b) for a in source for b in names)


_BY = re.compile(
    r"\bby\s+(?:(?:H\.\s?E\.|Ambassador|Amb\.|Mr\.|Ms\.|Mrs\.|Dr\.|Minister|President|"
    r"Counsellor|Deputy|Permanent|Representative)\s+)*([A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,3})"
)


def speaker_names(
    title: str, source: str | None, speakers: Iterable[str | None]
) -> tuple[str, ...]:
    """The names a statement's speaker goes by: from its title, source and speaker turns."""
    names: list[str] = []
    m = _BY.search(title)
    if m:
        names.append(m.group(1))
    names.extend(s for s in speakers if s)
    if source:
        # "Permanent Mission of the People's Republic of China": China speaks through it.
        names.extend(_tokens_kept(source))
    return tuple(dict.fromkeys(names))


def _tokens_kept(text: str) -> list[str]:
    return [
        w
        for w in re.findall(r"\b[A-Z][A-Za-z'’-]+", text)
        if w.lower() not in _NEUTRAL_CAPITALS and w.lower() not in ("of", "to")
    ]


def statement_sentences(passages: Iterable[str]) -> tuple[str, ...]:
    """The sentences of a statement's passages, in order."""
    return tuple(p[a:b] for p in passages for a, b in sentence_spans(p, 0, len(p)))


class QuoteIndex:
    """An index of statement sentences by their 3-grams."""

    def __init__(self, statements: Sequence[Statement]) -> None:
        self.statements = list(statements)
        # One number per indexed sentence keeps the postings small: statement and sentence are
        # looked up only for the few candidates a report reaches.
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._norm: list[list[str]] = []
        self._where: list[tuple[int, int]] = []
        for s_index, statement in enumerate(self.statements):
            normalised = [normalise(s) for s in statement.sentences]
            self._norm.append(normalised)
            for t_index, sentence in enumerate(normalised):
                number = len(self._where)
                self._where.append((s_index, t_index))
                for gram in _grams(sentence):
                    self._postings[gram].append(number)

    def trace(self, passages: Sequence[str]) -> list[Quotation]:
        """Every piece of the report that reproduces words of an indexed statement."""
        found: list[Quotation] = []
        for piece in report_pieces(passages):
            found.extend(self._match(piece))
        return found

    def _match(self, piece: _Piece) -> list[Quotation]:
        piece_grams = grams(piece.text)
        hits: Counter[int] = Counter()
        for gram in piece_grams:
            hits.update(self._postings.get(gram, ()))
        best: dict[int, Quotation] = {}
        for number, shared in hits.most_common(MAX_CANDIDATES):
            s_index, t_index = self._where[number]
            if shared < MIN_SHARED_GRAMS and not (piece.quoted and shared >= 1):
                continue
            statement = self.statements[s_index]
            if not may_be(piece.source, statement.speakers):
                continue
            quotation = self._score(piece, s_index, t_index, shared)
            if quotation is None:
                continue
            kept = best.get(s_index)
            if kept is None or _rank(quotation) > _rank(kept):
                best[s_index] = quotation
        return sorted(best.values(), key=lambda q: -q.score)

    def _score(self, piece: _Piece, s_index: int, t_index: int, shared: int) -> Quotation | None:
        norm = self._norm[s_index]
        text = normalise(piece.text)
        chosen: tuple[tuple[int, float], str, float, int, int] | None = None
        for first, last in ((t_index, t_index), (t_index - 1, t_index), (t_index, t_index + 1)):
            if first < 0 or last >= len(norm):
                continue
            candidate = " ".join(norm[first : last + 1])
            kind, score = classify(text, candidate, shared, quoted=piece.quoted)
            if kind is None:
                continue
            # A better kind wins; two sentences beat one only by a clear margin.
            rank = (_RANK[kind], score - (1.0 if last > first else 0.0))
            if chosen is None or rank > chosen[0]:
                chosen = (rank, kind, score, first, last)
        if chosen is None:
            return None
        _, kind, score, first, last = chosen
        statement = self.statements[s_index]
        return Quotation(
            passage=piece.passage,
            start=piece.start,
            end=piece.end,
            report_text=piece.text,
            quoted=piece.quoted,
            statement=statement.key,
            sentence=first,
            sentences=last - first + 1,
            statement_text=" ".join(statement.sentences[first : last + 1]),
            kind=kind,
            score=round(score, 1),
        )


def _rank(quotation: Quotation) -> tuple[int, float]:
    # A better kind wins; two sentences beat one only by a clear margin.
    return (_RANK[quotation.kind], quotation.score - (1.0 if quotation.sentences > 1 else 0.0))


def classify(
    piece: str, sentence: str, shared: int, *, quoted: bool = True
) -> tuple[str | None, float]:
    """The kind and score of a normalised piece against a normalised statement text."""
    chinese = _CJK.search(piece) is not None
    if len(piece) < (MIN_PIECE_CHARS // 2 if chinese else MIN_PIECE_CHARS) or not sentence:
        return None, 0.0
    if quoted and piece in sentence:
        return "exact", 100.0
    # "near" is the same words with a few changed, added or dropped: word-level similarity of
    # the piece with the stretch of the statement it reproduces (a quotation may be an excerpt);
    # reported speech may also carry the reporter's "X said that" around the speaker's words.
    ours, theirs = _words(piece, chinese), _words(sentence, chinese)
    if len(ours) <= len(theirs):
        words = _best_window(ours, theirs)
    elif quoted:
        words = Levenshtein.normalized_similarity(ours, theirs) * 100
    else:
        words = _best_window(theirs, ours)
    if words >= NEAR:
        return "near", round(words, 1)
    close = fuzz.partial_ratio(piece, sentence)
    loose = fuzz.token_sort_ratio(piece, sentence)
    score = max(loose, close * min(1.0, len(sentence) / len(piece)))
    if score >= PARAPHRASE and shared >= MIN_SHARED_GRAMS:
        return "paraphrase", round(score, 1)
    return None, 0.0


def _words(text: str, chinese: bool) -> list[str]:
    # Chinese is compared character by character: it has no spaces between words.
    return [ch for ch in text if not ch.isspace()] if chinese else text.split()


def _best_window(short: list[str], long: list[str]) -> float:
    """The best word-level similarity of short with a stretch of long of about its length."""
    best = 0.0
    for size in range(max(1, len(short) - 2), min(len(long), len(short) + 2) + 1):
        for begin in range(len(long) - size + 1):
            value = Levenshtein.normalized_similarity(short, long[begin : begin + size])
            best = max(best, value)
    return best * 100


def report_pieces(passages: Sequence[str]) -> list[_Piece]:
    """The quotations and attributed indirect speech of a report, each with its source."""
    pieces: list[_Piece] = []
    last: frozenset[str] | None = None
    for index, text in enumerate(passages):
        quotes = [
            (m.start(), m.end(), next(g for g in m.groups() if g)) for m in _QUOTE.finditer(text)
        ]
        masked = _mask(text, [(a, b) for a, b, _ in quotes])
        for start, end in sentence_spans(masked, 0, len(masked)):
            inside = [q for q in quotes if start <= q[0] < end or q[0] <= start < q[1]]
            source, said = _attribution(masked, start, end, last)
            if said:
                last = source
            for q_start, q_end, _ in inside:
                if q_start < start and any(p.start == q_start + 1 for p in pieces):
                    continue
                body_start, body_end = q_start + 1, q_end - 1
                if _is_title(text[body_start:body_end]):
                    continue
                for s_start, s_end in sentence_spans(text, body_start, body_end):
                    pieces.append(_Piece(index, s_start, s_end, text[s_start:s_end], True, source))
            if said:
                for r_start, r_end in _reported(masked, start, end):
                    own = masked[r_start:r_end]
                    if len(_WORD.findall(own.lower())) >= 6 or len(_CJK.findall(own)) >= 8:
                        own_text = " ".join(own.replace(_MASK, " ").split()).strip(" ,")
                        pieces.append(_Piece(index, r_start, r_end, own_text, False, source))
    return pieces


_THAT = re.compile(r"\s+(?:[A-Za-z]+\s+){0,2}?that\s+")


def _reported(masked: str, start: int, end: int) -> list[tuple[int, int]]:
    """The reported content of a sentence: after "said (Friday) that", before ", Liu said"."""
    sentence = masked[start:end]
    spans: list[tuple[int, int]] = []
    for verb in _SPEECH.finditer(sentence):
        that = _THAT.match(sentence, verb.end())
        if that:
            stop = sentence.find(_MASK, that.end())
            spans.append((start + that.end(), start + (stop if stop >= 0 else len(sentence))))
            continue
        comma = sentence.rfind(",", 0, verb.start())
        subject = sentence[comma + 1 : verb.start()].split()
        # "…, Liu said": words before a short subject; never the subject itself ("Liu Jieyi,
        # China's representative, said").
        if comma > 0 and 1 <= len(subject) <= 6 and not sentence[:comma].strip().endswith(_MASK):
            begin = sentence.rfind(_MASK, 0, comma) + 1
            spans.append((start + begin, start + comma))
    return spans


def _is_title(text: str) -> bool:
    """A quoted name or title ("Member States' Counter-Terrorism Priorities"), not speech."""
    words = re.findall(r"[A-Za-z][\w'’-]*", text)
    if not words or _CJK.search(text):
        return False
    capitalised = sum(1 for w in words if w[0].isupper())
    return capitalised >= 0.6 * len(words) and not re.search(r"[.!?]$", text.strip())


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            if not chars[i].isspace():
                chars[i] = _MASK
    # The quotation's place keeps the sentence whole ("‧‧‧," Liu said.) without its words; the
    # mark is no punctuation, so no sentence ends inside it.
    return "".join(chars)


def _attribution(
    masked: str, start: int, end: int, last: frozenset[str] | None
) -> tuple[frozenset[str] | None, bool]:
    """The source a sentence names, and whether it has a speech verb at all."""
    sentence = masked[start:end]
    verbs = list(_SPEECH.finditer(sentence))
    if not verbs:
        return last, False
    verb = verbs[-1] if len(verbs) == 1 else _nearest_to_quote(sentence, verbs)
    before = sentence[: verb.start()].split(_MASK)[-1].split()[-12:]
    after = sentence[verb.end() :].split(_MASK)[0].split()[:12]
    candidates = [" ".join(before), " ".join(after)]
    if verb.group(0) == "according to":
        candidates = [" ".join(after)]
    for subject in candidates:
        chinese = "".join(_CJK.findall(subject))
        if chinese and not _PRONOUN_OR_ROLE.search(subject):
            return frozenset({chinese}), True
        names = frozenset(
            t
            for t in _tokens(" ".join(_CAPITAL.findall(subject)))
            if t and t not in _NEUTRAL_CAPITALS
        )
        if _PRONOUN_OR_ROLE.search(subject) and last is not None and names:
            # "A Chinese envoy", "the ambassador": the last source named, if this one agrees.
            return names | last, True
        if names:
            return names, True
        if _PRONOUN_OR_ROLE.search(subject):
            return last, True
    # Someone speaks, but nobody the report names: a body or a document, not the speaker.
    subjects = " ".join(candidates).strip(" ." + _MASK)
    if subjects and _WORD.search(subjects.lower()):
        return frozenset(), True
    return last, True


def _nearest_to_quote(sentence: str, verbs: list[re.Match[str]]) -> re.Match[str]:
    marks = [i for i, ch in enumerate(sentence) if ch == _MASK]
    if not marks:
        return verbs[0]
    return min(verbs, key=lambda v: min(abs(v.start() - m) for m in marks))
