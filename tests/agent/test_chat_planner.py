"""The chat engine against a chat-completions stub on loopback answering recorded replies: the prompt it sends,
a repair round after a compile error, and clear errors when the endpoint is unusable."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from seglab.agent import (
    AgentUnavailableError,
    ChatPlanner,
    OfflinePlanner,
    PlanningError,
    PlanRequest,
    Turn,
    chat_url,
    planner_for,
)
from seglab.settings import Settings

from ..serve_process import free_port
from .chat_stub import chat_stub, completion, recorded


def test_a_compile_error_goes_back_to_the_model_and_its_repair_is_the_plan(models):
    with chat_stub(recorded("cars_with_repair")) as stub:
        planner = ChatPlanner(stub.url, "qwen2.5-coder:7b", "sk-test")
        plan = planner.plan(PlanRequest("segment cars and draw them with a coloured mask", None, (), models))

    first, repair = stub.received
    assert first["model"] == "qwen2.5-coder:7b"
    assert stub.headers[0]["Authorization"] == "Bearer sk-test"
    system = first["messages"][0]
    assert system["role"] == "system"
    assert "roboflow_core/mask_visualization@v1" in system["content"], "the catalogue comes from the registry"
    assert "predictions (required): selector; a selector here points at instance_segmentation" in system["content"]
    assert "- cars/1 (model 2): classes car, truck, bus" in system["content"]
    assert "none yet: write a new one" in system["content"]
    assert first["messages"][-1] == {"role": "user", "content": "segment cars and draw them with a coloured mask"}

    assert repair["messages"][: len(first["messages"])] == first["messages"]
    answered, feedback = repair["messages"][-2:]
    assert answered["role"] == "assistant"
    assert "mask_visualisation" in answered["content"]
    assert feedback["role"] == "user"
    assert "WorkflowSyntaxError" in feedback["content"]
    assert "masks.type: unknown block type 'roboflow_core/mask_visualisation@v1'" in feedback["content"]

    assert plan.definition["steps"][1]["type"] == "roboflow_core/mask_visualization@v1"
    assert plan.engine == "llm (qwen2.5-coder:7b)"
    assert plan.summary == "Segment cars with cars/1 and draw their masks."
    assert [(s.name, s.change, s.reason) for s in plan.steps] == [
        ("model", "added", "cars/1 is the model trained on cars"),
        ("masks", "added", "draws a coloured mask per car"),
    ]
    assert plan.notes
    assert "WorkflowSyntaxError" in plan.notes[0]


def test_a_follow_up_sends_the_current_definition_and_the_conversation(models):
    current = json.loads(recorded("cars_with_repair")[1]["choices"][0]["message"]["content"])["definition"]
    history = (Turn("user", "segment cars and draw masks"), Turn("assistant", "Segment cars with cars/1."))
    with chat_stub(recorded("use_asl_instead")) as stub:
        plan = ChatPlanner(stub.url, "m").plan(PlanRequest("use my ASL model instead", current, history, models))
    (sent,) = stub.received
    assert "Authorization" not in stub.headers[0]
    assert json.dumps(current, indent=1) in sent["messages"][0]["content"]
    assert sent["messages"][1:] == [
        {"role": "user", "content": "segment cars and draw masks"},
        {"role": "assistant", "content": "Segment cars with cars/1."},
        {"role": "user", "content": "use my ASL model instead"},
    ]
    assert plan.definition["steps"][0]["model_id"] == "asl-alphabet/2"
    assert [(s.name, s.change) for s in plan.steps] == [("model", "changed"), ("masks", "unchanged")]
    assert plan.notes == []


def test_after_its_repairs_are_spent_it_fails_with_the_last_error(models):
    with chat_stub(recorded("never_valid")) as stub:
        planner = ChatPlanner(stub.url, "m", repairs=2)
        with pytest.raises(PlanningError, match="still invalid after 2 repairs: WorkflowSyntaxError"):
            planner.plan(PlanRequest("segment cars", None, (), models))
    assert len(stub.received) == 3
    assert "not usable: there is no JSON object" in stub.received[1]["messages"][-1]["content"]


@pytest.mark.parametrize(
    ("reply", "status", "message"),
    [
        ("<html>Welcome to nginx</html>", 200, "not JSON .*OpenAI-compatible"),
        ({"error": {"message": "model 'x' not found"}}, 404, "answered 404: .*model 'x' not found"),
        ({"object": "list", "data": []}, 200, r"did not answer a chat completion"),
    ],
)
def test_an_endpoint_that_does_not_speak_chat_completions_is_named(reply, status, message):
    with chat_stub([reply], status=status) as stub, pytest.raises(AgentUnavailableError, match=message):
        ChatPlanner(stub.url, "x").plan(PlanRequest("segment cars"))


def test_an_unreachable_endpoint_is_named():
    url = f"http://127.0.0.1:{free_port()}/v1"
    with pytest.raises(AgentUnavailableError, match=f"cannot reach the chat endpoint {url}/chat/completions"):
        ChatPlanner(url, "x", timeout=5).plan(PlanRequest("segment cars"))


def test_a_bare_definition_in_the_reply_is_accepted(models):
    definition = json.loads(recorded("cars_with_repair")[1]["choices"][0]["message"]["content"])["definition"]
    with chat_stub([completion(json.dumps(definition))]) as stub:
        plan = ChatPlanner(stub.url, "x").plan(PlanRequest("segment cars", None, (), models))
    assert plan.definition == definition
    assert plan.summary.startswith("a workflow of 2 steps")


@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({}, OfflinePlanner),
        ({"agent_engine": "offline", "agent_url": "http://h/v1", "agent_model": "m"}, OfflinePlanner),
        ({"agent_url": "http://h/v1", "agent_model": "m"}, ChatPlanner),
        ({"agent_engine": "llm"}, pytest.raises(PlanningError, match="needs SEGLAB_AGENT_URL")),
        ({"agent_url": "http://h/v1"}, pytest.raises(PlanningError, match="needs SEGLAB_AGENT_MODEL")),
    ],
)
def test_the_engine_follows_the_settings(environment, expected):
    settings = Settings(**environment)
    if isinstance(expected, type):
        assert isinstance(planner_for(settings), expected)
    else:
        with expected:
            planner_for(settings)


def test_the_key_is_a_secret_and_urls_get_the_chat_path():
    settings = Settings(agent_url="http://h/v1/", agent_model="m", agent_key=SecretStr("sk-1"))
    assert "sk-1" not in repr(settings)
    planner = planner_for(settings)
    assert isinstance(planner, ChatPlanner)
    assert planner.key == "sk-1"
    assert planner.url == chat_url("http://h/v1/") == "http://h/v1/chat/completions"
    assert chat_url("http://h/v1/chat/completions") == "http://h/v1/chat/completions"


def test_a_question_sends_the_last_run_and_an_unchanged_definition_is_an_answer(models):
    current = json.loads(recorded("cars_with_repair")[1]["choices"][0]["message"]["content"])["definition"]
    last_run = {"model": {"predictions": {"count": 3, "classes": {"car": 3}}}}
    # the reply a chat model gives a question: the definition as it was, the answer in the summary
    reply = {"definition": current, "summary": "masks draws the masks (its opacity field sets how strongly)"}
    with chat_stub([completion(json.dumps(reply))]) as stub:
        request = PlanRequest("which block draws the masks?", current, (), models, last_run=last_run)
        plan = ChatPlanner(stub.url, "m").plan(request)
    (sent,) = stub.received
    assert json.dumps(last_run) in sent["messages"][0]["content"]
    assert plan.question
    assert plan.summary == reply["summary"]
