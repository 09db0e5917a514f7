"""``continue_if``: the steps it names run only when its condition holds; otherwise they (and everything that
depends on them) are skipped and their outputs are ``null``."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.kinds import Kind
from seglab.workflows.query_language import QueryError, StatementGroup, evaluate

StepSelector = Annotated[str, Field(pattern=r"^\$steps\.[A-Za-z0-9_][A-Za-z0-9_\-]*$")]

CONTINUE = "continue"
"""The output the executor reads: whether the named steps run."""


class ContinueIfManifest(StepManifest):
    type: Literal["roboflow_core/continue_if@v1", "ContinueIf"]
    condition_statement: StatementGroup
    evaluation_parameters: Annotated[dict[str, Selector | Any], Accepts()] = Field(default_factory=dict)
    next_steps: Annotated[list[StepSelector], Accepts(steps=True)]
    stop_delay: Annotated[float | Selector, Accepts((Kind.FLOAT,))] = 0.0
    """Roboflow's: keep a video's branch open this many seconds after the condition fails. Images are independent
    runs here, so it changes nothing."""


class ContinueIf(Block):
    manifest = ContinueIfManifest
    outputs: ClassVar[dict[str, tuple[Kind, ...]]] = {}
    description = "Run the next steps only when a condition holds"

    def run(self, step: Any, context: StepContext) -> dict[str, Any]:
        try:
            passed = bool(step.next_steps) and evaluate(step.condition_statement, dict(step.evaluation_parameters))
        except (QueryError, TypeError, ValueError, KeyError) as error:
            raise context.fail(str(error), error) from error
        return {CONTINUE: passed}
