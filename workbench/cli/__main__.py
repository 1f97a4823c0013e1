"""`python -m workbench.cli`: the `workbench` command (how `serve` starts its embedded worker)."""

from workbench.cli import main

main()
