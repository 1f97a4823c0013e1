"""The codebook's services in one place: the name the other areas import them by.

Each use case lives in a module of its own job (reading the stored codebook, versions, field
rules, editing codes, reshaping the tree, installing whole codebooks, the stance scale); this
module only gathers their public names, so ``codes.add_code`` and friends stay one import away.
"""

from __future__ import annotations

from workbench.codebooks.editing import add_code
from workbench.codebooks.editing import delete_code
from workbench.codebooks.editing import edit_code
from workbench.codebooks.editing import restore_code
from workbench.codebooks.fields import EDITABLE
from workbench.codebooks.fields import MEANING_FIELDS
from workbench.codebooks.fields import TEXT_FIELDS
from workbench.codebooks.fields import normalise_colour
from workbench.codebooks.install import ensure_seed_codebook
from workbench.codebooks.install import install_spec
from workbench.codebooks.restructure import merge_codes
from workbench.codebooks.restructure import move_code
from workbench.codebooks.restructure import split_code
from workbench.codebooks.stance import parse_scale
from workbench.codebooks.stance import set_stance_scale
from workbench.codebooks.store import all_codes
from workbench.codebooks.store import code_paths
from workbench.codebooks.store import current_version
from workbench.codebooks.store import deleted_codes
from workbench.codebooks.store import live_codes
from workbench.codebooks.store import stance_scale
from workbench.codebooks.store import to_spec
from workbench.codebooks.store import tree_order
from workbench.codebooks.store import usage_counts
from workbench.codebooks.store import versions

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
