"""Agreement with and without assisted codings (codings applied by accepting a suggestion).

Without them, a coder's whole passage is left out where any of their codings on it was
assisted: dropping only the assisted code would turn it into "judged absent", which the coder
never said. The passage stays in for the other coders.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session

from workbench.core.agreement import build_report
from workbench.models import Annotation
from workbench.models import Project
from workbench.reliability import records as agreement_data
from workbench.reliability.records import Scope


def assisted_agreement(session: Session, project: Project) -> dict[str, Any]:
    """Per code: α of code presence with every coding and without the assisted ones."""
    data = agreement_data.load(session, project, Scope(), meta=False)
    name = {cid: user for user, cid in data.coder_ids.items()}
    assisted_pairs = {
        (int(p), name[c])
        for p, c in session.execute(
            select(Annotation.passage_id, Annotation.coder_id).where(
                Annotation.project_id == project.id, Annotation.suggestion_accepted.is_(True)
            )
        )
        if c in name
    }
    without = [r for r in data.records if (r.passage_id, r.coder) not in assisted_pairs]
    kwargs: dict[str, Any] = {
        "codes": data.codes,
        "bootstrap": 0,
        "stance_scale": data.stance_scale,
    }
    full = build_report(data.records, **kwargs)
    reduced = build_report(without, **kwargs) if without else None
    per_code = {}
    for code in data.codes:
        other = reduced.per_code.get(code) if reduced is not None else None
        per_code[code] = {
            "alpha_with": full.per_code[code].presence.alpha,
            "alpha_without": other.presence.alpha if other is not None else None,
        }
    return {
        "codings": sum(1 for r in data.records if r.code),
        "assisted": int(
            session.scalar(
                select(func.count(Annotation.id)).where(
                    Annotation.project_id == project.id, Annotation.suggestion_accepted.is_(True)
                )
            )
            or 0
        ),
        "passages_left_out": len(assisted_pairs),
        "per_code": per_code,
    }
