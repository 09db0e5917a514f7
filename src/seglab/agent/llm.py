"""The chat engine: any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp's server).

The system prompt holds the block catalogue read off the registry, the trained models and the current definition;
the model answers one JSON object (the definition, a summary, a reason per step). The answer is compiled; when
the compiler refuses it, its errors (Roboflow's, per step) go back to the model for another try, up to
``repairs`` times, so a near miss is fixed rather than shown to the user.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from seglab.agent.catalogue import catalogue_text
from seglab.agent.explain import explain_steps, removed_steps, summarise
from seglab.agent.plan import AgentUnavailableError, KnownModel, Plan, PlanningError, PlanRequest
from seglab.tls import ssl_context
from seglab.workflows import BlockRegistry, WorkflowError, compile_workflow, default_registry

_FILTER_EXAMPLE = {
    "type": "roboflow_core/detections_filter@v1",
    "name": "big_cars",
    "predictions": "$steps.model.predictions",
    "operations": [
        {
            "type": "DetectionsFilter",
            "filter_operation": {
                "type": "StatementGroup",
                "operator": "and",
                "statements": [
                    {
                        "type": "BinaryStatement",
                        "left_operand": {
                            "type": "DynamicOperand",
                            "operations": [{"type": "ExtractDetectionProperty", "property_name": "class_name"}],
                        },
                        "comparator": {"type": "in (Sequence)"},
                        "right_operand": {"type": "StaticOperand", "value": ["car"]},
                    },
                    {
                        "type": "BinaryStatement",
                        "left_operand": {
                            "type": "DynamicOperand",
                            "operations": [{"type": "ExtractDetectionProperty", "property_name": "area"}],
                        },
                        "comparator": {"type": "(Number) >="},
                        "right_operand": {"type": "StaticOperand", "value": 500},
                    },
                ],
            },
        }
    ],
}
_COUNT_EXAMPLE = {
    "type": "roboflow_core/property_definition@v1",
    "name": "count",
    "data": "$steps.big_cars.predictions",
    "operations": [{"type": "SequenceLength"}],
}
_ANSWER_SHAPE = (
    '{"definition": {...}, "summary": "one sentence: what you built or changed", '
    '"steps": {"<step name>": "why it is there"}}'
)


@dataclass(frozen=True)
class _Answer:
    definition: dict[str, Any]
    summary: str
    reasons: dict[str, str]


class AnswerError(ValueError):
    """The chat model's reply is not the JSON object asked for."""


def chat_url(base: str) -> str:
    """The chat-completions URL for a base URL (``.../v1``) or a full one."""
    base = base.rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def _models_text(models: Sequence[KnownModel]) -> str:
    if not models:
        return "none trained yet (Segment Anything needs no training)"
    pretrained = ", pretrained on COCO: use it only when no trained model has the class"
    return "\n".join(
        f"- {m.reference} (model {m.id}{pretrained if m.pretrained else ''}): classes {', '.join(m.class_names)}"
        for m in models
    )


def system_prompt(
    registry: BlockRegistry,
    models: Sequence[KnownModel],
    current: dict[str, Any] | None,
    last_run: dict[str, Any] | None = None,
) -> str:
    """Everything the chat model needs to write a definition seglab's compiler accepts, or to answer a question
    about the current one (with what each step gave in its last run)."""
    definition = json.dumps(current, indent=1) if current else "none yet: write a new one"
    run = json.dumps(last_run) if last_run else "it has not run yet"
    return f"""You build seglab workflows: Roboflow Workflows JSON definitions (version "1.0") that run on images.
A definition is {{"version": "1.0", "inputs": [...], "steps": [...], "outputs": [...]}}:
- inputs: {{"type": "WorkflowImage", "name": "image"}} for images; {{"type": "WorkflowParameter", "name": "...", \
"default_value": ...}} for values;
- steps: {{"type": "<block type>", "name": "<unique name>", <fields>}}; a field takes a literal or a selector, \
"$inputs.<name>" or "$steps.<step>.<output>", pointing at data of a kind the field accepts;
- outputs: {{"type": "JsonField", "name": "...", "selector": "$steps.<step>.<output>"}}.

Blocks (use the full type names):
{catalogue_text(registry)}

Roboflow's query language, for `operations` (detections_filter, property_definition), e.g. keep cars of at \
least 500 pixels, then count them:
{json.dumps(_FILTER_EXAMPLE)}
{json.dumps(_COUNT_EXAMPLE)}

Models (a model step's model_id is one of these project/version references, or a pretrained model's name):
{_models_text(models)}

The current definition (change only what the request asks for; keep step names that stay):
{definition}

What each step gave when the current definition last ran (by step and output):
{run}

A question about the workflow ("which block draws the masks?", "why are some cars missing?") is answered in \
"summary", naming the step and the field responsible, with the definition sent back unchanged.

Answer with one JSON object and nothing else: {_ANSWER_SHAPE}"""


def parse_answer(text: str) -> _Answer:
    """The JSON object in a reply (code fences and text around it tolerated); a bare definition is accepted."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        raise AnswerError("there is no JSON object in it")
    try:
        value = json.loads(text[start : end + 1])
    except json.JSONDecodeError as error:
        raise AnswerError(f"its JSON does not parse ({error})") from None
    if isinstance(value, dict) and "definition" not in value and "steps" in value and "outputs" in value:
        value = {"definition": value}
    if not isinstance(value, dict) or not isinstance(value.get("definition"), dict):
        raise AnswerError('it has no "definition" object')
    reasons = value.get("steps")
    reasons = reasons if isinstance(reasons, dict) else {}
    return _Answer(
        definition=value["definition"],
        summary=str(value.get("summary") or ""),
        reasons={str(k): str(v) for k, v in reasons.items() if isinstance(v, str)},
    )


class ChatPlanner:
    """Plans with a chat model; the compiler checks every answer and its errors are sent back for repair."""

    name = "llm"

    def __init__(
        self,
        url: str,
        model: str,
        key: str | None = None,
        *,
        registry: BlockRegistry | None = None,
        repairs: int = 2,
        timeout: float = 120.0,
    ) -> None:
        self.url = chat_url(url)
        self.model = model
        self.key = key
        self.registry = registry or default_registry()
        self.repairs = repairs
        self.timeout = timeout

    def complete(self, messages: list[dict[str, str]]) -> str:
        """One chat-completions call: the reply's text; :class:`AgentUnavailableError` when there is none."""
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        body = {"model": self.model, "messages": messages, "temperature": 0}
        import httpx  # with rich and pygments under it: loaded when the agent first calls the endpoint

        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout, verify=ssl_context())
        except httpx.TimeoutException:
            raise AgentUnavailableError(
                f"the chat endpoint {self.url} did not answer within {self.timeout:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise AgentUnavailableError(f"cannot reach the chat endpoint {self.url}: {error}") from None
        excerpt = " ".join(response.text.split())[:300]
        if response.is_error:
            raise AgentUnavailableError(f"the chat endpoint {self.url} answered {response.status_code}: {excerpt}")
        try:
            return str(response.json()["choices"][0]["message"]["content"])
        except json.JSONDecodeError:
            raise AgentUnavailableError(
                f"the chat endpoint {self.url} answered something that is not JSON (is it an OpenAI-compatible "
                f"URL, such as http://host:port/v1?): {excerpt!r}"
            ) from None
        except (KeyError, IndexError, TypeError):
            raise AgentUnavailableError(
                f"the chat endpoint {self.url} did not answer a chat completion (no choices[0].message.content): "
                f"{excerpt!r}"
            ) from None

    def plan(self, request: PlanRequest) -> Plan:
        prompt = system_prompt(self.registry, request.models, request.current, request.last_run)
        messages = [{"role": "system", "content": prompt}]
        messages += [{"role": turn.role, "content": turn.text} for turn in request.history]
        messages.append({"role": "user", "content": request.text})
        problems: list[str] = []
        for _ in range(self.repairs + 1):
            reply = self.complete(messages)
            messages.append({"role": "assistant", "content": reply})
            try:
                answer = parse_answer(reply)
                compile_workflow(answer.definition, self.registry)
            except AnswerError as error:
                problems.append(f"the reply is not usable: {error}")
                feedback = f"The reply is not usable: {error}. Answer with one JSON object: {_ANSWER_SHAPE}"
            except WorkflowError as error:
                problems.append(f"{error.error_type}: {error.message}")
                feedback = (
                    f"The workflow compiler rejected the definition:\n{error.describe()}\nSend the corrected JSON."
                )
            else:
                return self._plan(request, answer, problems)
            messages.append({"role": "user", "content": feedback})
        raise PlanningError(
            f"the chat model's workflow is still invalid after {self.repairs} repairs: {problems[-1]}",
            problems=problems,
        )

    def _plan(self, request: PlanRequest, answer: _Answer, problems: list[str]) -> Plan:
        steps = explain_steps(request.current, answer.definition, self.registry, answer.reasons)
        removed = removed_steps(request.current, answer.definition)
        fresh = not (request.current or {}).get("steps")
        notes = [f"repaired: {problem}" for problem in problems]
        return Plan(
            definition=answer.definition,
            summary=answer.summary or summarise(steps, removed, fresh=fresh),
            engine=f"{self.name} ({self.model})",
            notes=notes,
            steps=steps,
            removed=removed,
            question=request.current is not None and answer.definition == request.current,
        )
