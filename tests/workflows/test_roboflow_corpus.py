"""Roboflow's published definitions (``roboflow_corpus/``, see its PROVENANCE.md): how many compile, and for each
that does not, the reason by name. The floor below only rises: a change that breaks a definition that compiled
fails here."""

from __future__ import annotations

from .corpus_report import outcomes, report

COMPILED_AT_LEAST = 1.0
"""The share of in-scope definitions (those not using blocks seglab leaves out on purpose) that compile."""


def test_the_corpus_compile_rate_does_not_fall_and_every_failure_is_named():
    summary = report()
    print({key: summary[key] for key in ("definitions", "compiled", "in_scope", "in_scope_compiled", "in_scope_rate")})
    for reason, count in summary["reasons"].items():  # type: ignore[union-attr]
        print(f"{count:4d}  {reason}")
    assert float(summary["in_scope_rate"]) >= COMPILED_AT_LEAST  # type: ignore[arg-type]
    assert all(o.reason for o in outcomes() if not o.compiled)


def test_out_of_scope_definitions_say_so():
    refused = [o for o in outcomes() if not o.in_scope]
    assert refused
    assert all(o.reason and o.reason.startswith("out of scope:") for o in refused)


def test_every_alias_of_a_roboflow_block_is_one_roboflow_accepts():
    from seglab.workflows import default_registry

    from .corpus_report import ROBOFLOW_BLOCKS

    for block in default_registry():
        names = block.type_names()
        if names[0].startswith("roboflow_core/") and not names[0].endswith("_visualization@v1"):
            assert set(names) <= ROBOFLOW_BLOCKS, names  # the visualizations' names are built from a constant


def test_the_readmes_block_table_names_every_block_and_exactly_the_short_aliases_accepted():
    import re
    from pathlib import Path

    from seglab.workflows import default_registry

    readme = (Path(__file__).parents[2] / "README.md").read_text()
    table = readme.split("Blocks (full name, then Roboflow's short aliases):", 1)[1].split("\n\n", 2)[1]
    first_cells = [row.split(" | ")[0] for row in table.splitlines() if row.startswith("| `")]
    documented = {
        alias
        for cell in first_cells
        for group in re.findall(r"\(([^)]*)\)", cell)
        for alias in re.findall(r"`([^`]+)`", group)
    }
    blocks = list(default_registry())
    accepted = {name for block in blocks for name in block.type_names() if "/" not in name}
    assert documented == accepted, (sorted(documented - accepted), sorted(accepted - documented))
    names = "\n".join(first_cells)
    undocumented = [b.type_names()[0] for b in blocks if b.type_names()[0].split("/")[1].split("@")[0] not in names]
    assert not undocumented
