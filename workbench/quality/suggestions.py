"""Coding suggestions from the database: training labels, training, evaluation, enabling, serving.

Training labels, per code: the consensus where a passage has one; otherwise a passage coded by
at least two coders who all agree on whether the code applies (a passage where they disagree
teaches nothing about that code). Single-coded passages are not used: nobody has checked them.

Suggestions are shown only for codes the lead enabled and whose newest evaluation is ready;
never on passages the coder has in a reliability round or gold check. In a blind project a
passage whose codings trained the model is scored by the models fitted without its half of the
labelled passages (cross-fitting): a suggestion from the models that saw its labels could echo
another coder's coding of that very passage, and withholding it would tell the coder which
passages others coded alike.
"""

from __future__ import annotations

from collections import OrderedDict
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from typing import Any

from sqlalchemy import delete
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session

from workbench.codebooks import store as codebook_store
from workbench.coding import commands
from workbench.coding.commands import Acted
from workbench.coding.commands import Command
from workbench.coding.passage_state import log_change
from workbench.coding.targets import get_passage
from workbench.coding.view import ViewFilters
from workbench.core.errors import Conflict
from workbench.core.errors import NotFound
from workbench.core.errors import ValidationError
from workbench.core.i18n import _
from workbench.core.suggest.model import DEFAULT_F1
from workbench.core.suggest.model import DEFAULT_FOLDS
from workbench.core.suggest.model import HALVES
from workbench.core.suggest.model import MIN_EXAMPLES
from workbench.core.suggest.model import CodeEvaluation
from workbench.core.suggest.model import CodeExamples
from workbench.core.suggest.model import FloatArray
from workbench.core.suggest.model import Scores
from workbench.core.suggest.model import TrainedModels
from workbench.core.suggest.model import reason_for
from workbench.core.suggest.model import train
from workbench.models import Annotation
from workbench.models import Assignment
from workbench.models import Passage
from workbench.models import Project
from workbench.models import SuggestionCode
from workbench.models import SuggestionModel
from workbench.models import User
from workbench.models._common import utcnow
from workbench.reliability import records as agreement_data
from workbench.reliability.records import Scope


@dataclass(frozen=True)
class TrainingData:
    """Passage texts and, per code, the labelled passages (indices into ``texts``)."""

    passage_ids: list[int]
    texts: list[str]
    examples: list[CodeExamples]
    keywords: dict[str, list[str]]
    # A blind project's models are also cross-fitted (TrainedModels.held_out): its coders get
    # a trained passage's suggestions from models that never saw that passage's labels.
    blind: bool = False


@dataclass(frozen=True)
class Suggestion:
    """A code suggested for a passage, with the model's probability."""

    code_id: int
    code: str
    probability: float


def _code_rows(session: Session, project: Project) -> list[tuple[int, str, list[str]]]:
    """(id, path, keywords in both languages) of the applicable codes, in codebook order."""
    codes = {c.id: c for c in codebook_store.all_codes(session, project)}
    return [
        (cid, path, [*(codes[cid].keywords_en or []), *(codes[cid].keywords_zh or [])])
        for cid, path in agreement_data.report_codes(session, project)
    ]


def training_data(session: Session, project: Project) -> TrainingData:
    """The labelled passages of every code: consensus first, else agreeing coders."""
    code_rows = _code_rows(session, project)
    paths = [path for _id, path, _keys in code_rows]
    consensus: dict[int, set[str]] = defaultdict(set)
    for r in agreement_data.consensus_records(session, project, Scope()):
        consensus[int(r.passage_id)]
        if r.code:
            consensus[int(r.passage_id)].add(r.code)
    coded = agreement_data.passage_codings(session, project, Scope(pairable_only=True))
    labels: dict[str, dict[int, bool]] = {path: {} for path in paths}
    for pid, codes in consensus.items():
        for path in paths:
            labels[path][pid] = path in codes
    for pid, by_coder in coded.items():
        if pid in consensus or len(by_coder) < 2:
            continue
        for path in paths:
            votes = {path in applied for applied in by_coder.values()}
            if len(votes) == 1:
                labels[path][int(pid)] = votes.pop()
    ids = sorted({pid for per_code in labels.values() for pid in per_code})
    wanted = set(ids)
    text_of = {
        int(pid): str(text)
        for pid, text in session.execute(
            select(Passage.id, Passage.text).where(Passage.project_id == project.id)
        )
        if pid in wanted
    }
    ids = [pid for pid in ids if pid in text_of]
    row = {pid: i for i, pid in enumerate(ids)}
    examples = [
        CodeExamples(
            path,
            [row[p] for p in sorted(labels[path]) if p in row],
            [labels[path][p] for p in sorted(labels[path]) if p in row],
        )
        for path in paths
    ]
    return TrainingData(
        ids,
        [text_of[p] for p in ids],
        examples,
        {path: words for _, path, words in code_rows if words},
        blind=project.blind,
    )


def _check(threshold: float, folds: int, min_examples: int) -> None:
    if not 0 < threshold <= 1:
        raise ValidationError("threshold: give an F1 between 0 and 1 (for example 0.8).")
    if not 2 <= folds <= 20:
        raise ValidationError("folds: give a number of folds between 2 and 20.")
    if not 2 <= min_examples <= 10_000:
        raise ValidationError("min-examples: give a number of passages between 2 and 10000.")


@dataclass(frozen=True)
class TrainingOptions:
    """How the classifiers are trained and judged ready."""

    threshold: float = DEFAULT_F1
    folds: int = DEFAULT_FOLDS
    min_examples: int = MIN_EXAMPLES
    seed: int = 0


def fit(data: TrainingData, options: TrainingOptions) -> TrainedModels:
    """Train and cross-validate every code's classifier on data already read (no database)."""
    _check(options.threshold, options.folds, options.min_examples)
    return train(
        data.texts,
        data.examples,
        keywords=data.keywords,
        folds=options.folds,
        threshold=options.threshold,
        min_examples=options.min_examples,
        seed=options.seed,
        halves=[half_of(pid) for pid in data.passage_ids] if data.blind else None,
    )


def half_of(passage_id: int) -> int:
    """Which cross-fitted half a labelled passage is in (its models were fitted without it)."""
    return passage_id % HALVES


def store_model(
    session: Session,
    project: Project,
    actor: User | None,
    data: TrainingData,
    models: TrainedModels,
    options: TrainingOptions,
) -> SuggestionModel:
    """Store trained models as the project's model (replacing the previous one)."""
    row = session.scalar(select(SuggestionModel).where(SuggestionModel.project_id == project.id))
    if row is None:
        row = SuggestionModel(project_id=project.id)
        session.add(row)
    row.trained_at = utcnow()
    row.trained_by_id = actor.id if actor is not None else None
    row.passages = len(data.passage_ids)
    row.settings = {
        "threshold": options.threshold,
        "folds": options.folds,
        "min_examples": options.min_examples,
        "seed": options.seed,
        "trained_passages": data.passage_ids,
    }
    row.evaluations = {code: e.to_json() for code, e in models.evaluations.items()}
    row.model = models.to_bytes()
    session.flush()
    # The project read before the model existed says it has none: read that again when asked.
    session.expire(project, ["has_suggestion_model"])
    return row


def train_project(
    session: Session,
    project: Project,
    actor: User | None,
    *,
    threshold: float = DEFAULT_F1,
    folds: int = DEFAULT_FOLDS,
    min_examples: int = MIN_EXAMPLES,
    seed: int = 0,
) -> SuggestionModel:
    """Read, train and store in one session (tests and small projects).

    Training takes seconds to minutes: callers that hold the writer's turn while it runs block
    every coder, so the command line and the background job read, fit and store in three steps
    (``training_data``, ``fit``, ``store_model``) and hold a write only for the last."""
    options = TrainingOptions(threshold, folds, min_examples, seed)
    data = training_data(session, project)
    return store_model(session, project, actor, data, fit(data, options), options)


def stored_model(session: Session, project: Project) -> SuggestionModel | None:
    """The project's trained model, if any."""
    return session.scalar(select(SuggestionModel).where(SuggestionModel.project_id == project.id))


def _evaluation(data: dict[str, Any]) -> CodeEvaluation:
    dictionary = data.get("dictionary")
    fields = {k: v for k, v in data.items() if k != "dictionary"}
    return CodeEvaluation(**fields, dictionary=Scores(**dictionary) if dictionary else None)


def _worded(stored: dict[str, Any], settings: dict[str, Any]) -> dict[str, Any]:
    # The reason is worded again in the reader's language from the stored figures.
    e = _evaluation(stored)
    reason = reason_for(
        e.positives,
        e.negatives,
        e.f1,
        e.ready,
        float(settings.get("threshold", DEFAULT_F1)),
        int(settings.get("min_examples", MIN_EXAMPLES)),
    )
    return {**e.to_json(), "reason": reason}


def enabled_code_ids(session: Session, project: Project) -> set[int]:
    """The codes the lead enabled suggestions for."""
    return set(
        session.scalars(
            select(SuggestionCode.code_id).where(SuggestionCode.project_id == project.id)
        )
    )


def evaluations(
    session: Session, project: Project, code: str | None = None
) -> list[dict[str, Any]]:
    """Every code's stored evaluation (or one code's), with whether the lead enabled it."""
    row = stored_model(session, project)
    if row is None:
        raise Conflict(
            _(
                "No suggestion model has been trained for this project yet: train one first "
                "(`workbench suggest train --project P`, or Train on the suggestions page)."
            )
        )
    enabled = enabled_code_ids(session, project)
    out = []
    for cid, path, _keys in _code_rows(session, project):
        if code is not None and code not in (path, path.rsplit(" > ", 1)[-1]):
            continue
        stored = row.evaluations.get(path)
        evaluation = (
            _worded(stored, row.settings)
            if stored
            else {"code": path, "ready": False, "reason": _("added to the codebook after training")}
        )
        out.append({**evaluation, "code_id": cid, "enabled": cid in enabled})
    if code is not None and not out:
        raise NotFound(
            _(
                "Code %(code)s is not an applicable code of this project's codebook.",
                code=repr(code),
            )
        )
    return out


def set_enabled(
    session: Session, project: Project, actor: User, code_id: int, enabled: bool
) -> None:
    """Enable or disable suggestions for a code; only a ready code can be enabled."""
    if not enabled:
        session.execute(
            delete(SuggestionCode).where(
                SuggestionCode.project_id == project.id, SuggestionCode.code_id == code_id
            )
        )
        return
    entry = next((e for e in evaluations(session, project) if e["code_id"] == code_id), None)
    if entry is None:
        raise NotFound(
            _("Code %(code)s is not an applicable code of this project's codebook.", code=code_id)
        )
    if not entry["ready"]:
        raise Conflict(
            _(
                "Suggestions for %(code)s are not ready: %(reason)s.",
                code=entry["code"],
                reason=entry["reason"],
            )
        )
    if code_id not in enabled_code_ids(session, project):
        session.add(SuggestionCode(project_id=project.id, code_id=code_id, enabled_by_id=actor.id))
        session.flush()


# Loaded models per process, keyed by row and training time: every server loads from the
# database, and a retrained model has a new key.
_LOADED: OrderedDict[tuple[int, str], TrainedModels] = OrderedDict()
_LOADED_MAX = 8


def loaded_models(row: SuggestionModel) -> TrainedModels:
    """The row's models, loaded once per process."""
    key = (row.id, row.trained_at.isoformat())
    models = _LOADED.get(key)
    if models is None:
        models = TrainedModels.from_bytes(row.model)
        _LOADED[key] = models
        while len(_LOADED) > _LOADED_MAX:
            _LOADED.popitem(last=False)
    _LOADED.move_to_end(key)
    return models


@dataclass
class Prepared:
    """What serving suggestions to one coder needs, read once (per request or page)."""

    models: TrainedModels
    ready: list[tuple[int, str]]  # (code id, path) enabled and ready
    withheld: set[int]  # passages without suggestions for this coder
    # In a blind project, the passages whose codings trained the model: scored by the models
    # fitted without them, or, for a model stored before those existed, withheld (and so also
    # in ``withheld``).
    trained: set[int] = field(default_factory=set)

    def _groups(self, items: list[tuple[int, str]]) -> list[tuple[int | None, list[int]]]:
        """The items' positions by the models that score them: (None: all labels; h: the
        models fitted without half h), the withheld left out."""
        groups: dict[int | None, list[int]] = {}
        for n, (pid, _text) in enumerate(items):
            if pid in self.withheld:
                continue
            half = half_of(pid) if pid in self.trained else None
            groups.setdefault(half, []).append(n)
        return list(groups.items())

    def probabilities(self, items: list[tuple[int, str]]) -> dict[int, FloatArray]:
        """Each scored passage's probabilities (one per code of the models), by passage id."""
        out: dict[int, FloatArray] = {}
        for half, positions in self._groups(items):
            probs = self.models.probabilities([items[n][1] for n in positions], half)
            out.update({items[n][0]: probs[row] for row, n in enumerate(positions)})
        return out

    def for_passages(self, items: list[tuple[int, str]]) -> dict[int, list[Suggestion]]:
        """Suggestions by passage for (passage id, text) pairs."""
        ids = {path: cid for cid, path in self.ready}
        paths = [p for _c, p in self.ready]
        out: dict[int, list[Suggestion]] = {}
        for half, positions in self._groups(items):
            texts = [items[n][1] for n in positions]
            for n, found in zip(
                positions, self.models.suggest(texts, paths, half=half), strict=True
            ):
                if found:
                    out[items[n][0]] = [
                        Suggestion(ids[path], path, p)
                        for path, p in sorted(found.items(), key=lambda kv: -kv[1])
                    ]
        return out


def prepare(session: Session, project: Project, coder: User) -> Prepared | None:
    """The coder's suggestion context, or None when no code offers suggestions."""
    if not project.has_suggestion_model:
        return None
    row = stored_model(session, project)
    if row is None:
        return None
    enabled = enabled_code_ids(session, project)
    if not enabled:
        return None
    ready = [
        (cid, path)
        for cid, path, _keys in _code_rows(session, project)
        if cid in enabled and (row.evaluations.get(path) or {}).get("ready")
    ]
    if not ready:
        return None
    # Never in reliability rounds or gold checks: every round assignment of this coder.
    withheld = set(
        session.scalars(
            select(Assignment.passage_id).where(
                Assignment.project_id == project.id,
                Assignment.coder_id == coder.id,
                Assignment.round_id.is_not(None),
            )
        )
    )
    models = loaded_models(row)
    trained = set(row.settings.get("trained_passages", [])) if project.blind else set()
    if not models.held_out:
        # Stored before cross-fitting (or while the project was not blind): the only models
        # saw these passages' labels, and their suggestion could echo another coder's coding.
        withheld |= trained
    return Prepared(models, ready, withheld, trained)


def document_texts(session: Session, document_id: int) -> list[tuple[int, str]]:
    """(passage id, text) of a document's codable passages."""
    rows = session.execute(
        select(Passage.id, Passage.text).where(
            Passage.document_id == document_id, Passage.codable.is_(True)
        )
    )
    return [(int(pid), str(text)) for pid, text in rows]


def suggestions_for(
    session: Session, project: Project, coder: User, passages: Iterable[tuple[int, str]]
) -> dict[int, list[Suggestion]]:
    """For (passage id, text) pairs, the suggestions to show this coder, by passage."""
    items = list(passages)
    prepared = prepare(session, project, coder) if items else None
    return prepared.for_passages(items) if prepared is not None else {}


def accept(
    session: Session,
    project: Project,
    role: str,
    coder: User,
    command: Command,
    scope: ViewFilters,
    *,
    memo_limit: int,
) -> Acted:
    """Apply a suggested code because the coder accepted its suggestion; record it as assisted."""
    passage = get_passage(session, project, command.passage_id)
    offered = suggestions_for(session, project, coder, [(passage.id, passage.text)])
    if command.code_id not in {s.code_id for s in offered.get(passage.id, [])}:
        raise Conflict(
            _(
                "That suggestion is not offered on this passage (any more): apply the code with "
                "its own key if it applies."
            )
        )
    apply = Command("apply", passage.id, command.code_id, {})
    acted = commands.perform(session, project, role, coder, apply, scope, memo_limit=memo_limit)
    session.execute(
        update(Annotation)
        .where(
            Annotation.passage_id == passage.id,
            Annotation.coder_id == coder.id,
            Annotation.code_id == command.code_id,
        )
        .values(suggestion_shown=True, suggestion_accepted=True)
    )
    log_change(
        session,
        project,
        coder,
        passage.id,
        "annotation",
        "accept_suggestion",
        after={"code_id": command.code_id},
    )
    return acted
