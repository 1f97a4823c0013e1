"""The codebook's services in one place: the name the other areas import them by.

Each use case lives in a module of its own job (reading the stored codebook, versions, field
rules, editing codes, reshaping the tree, installing whole codebooks, the stance scale); this
module only gathers their public names, so ``codes.add_code`` and friends stay one import away.
"""

from __future__ import annotations

from workbench.codebooks.editing import (
    add_code,
    delete_code,
    edit_code,
    restore_code,
)
from workbench.codebooks.fields import EDITABLE, MEANING_FIELDS, TEXT_FIELDS, normalise_colour
from workbench.codebooks.install import ensure_seed_codebook, install_spec
from workbench.codebooks.restructure import merge_codes, move_code, split_code
from workbench.codebooks.stance import parse_scale, set_stance_scale
from workbench.codebooks.store import (
    all_codes,
    code_paths,
    current_version,
    deleted_codes,
    live_codes,
    stance_scale,
    to_spec,
    tree_order,
    usage_counts,
    versions,
)

__all__ = [
    "EDITABLE",
    "MEANING_FIELDS",
    "TEXT_FIELDS",
    "add_code",
    "all_codes",
    "code_paths",
    "current_version",
    "delete_code",
    "deleted_codes",
    "edit_code",
    "ensure_seed_codebook",
    "install_spec",
    "live_codes",
    "merge_codes",
    "move_code",
    "normalise_colour",
    "parse_scale",
    "restore_code",
    "set_stance_scale",
    "split_code",
    "stance_scale",
    "to_spec",
    "tree_order",
    "usage_counts",
    "versions",
]
