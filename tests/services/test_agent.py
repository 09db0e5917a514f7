"""The agent's use cases: one conversation per workflow, follow-ups editing its current definition, a saved
workflow as the starting point, and the chat engine chosen by the settings."""

from __future__ import annotations

import pytest

from seglab.agent import PlanningError
from seglab.errors import NotFoundError
from seglab.services import agent, workflows
from seglab.store import Workspace

from ..agent.chat_stub import chat_stub, recorded


def _blocks(definition):
    return [step["type"].removeprefix("roboflow_core/").split("@")[0] for step in definition["steps"]]


def test_follow_ups_edit_the_current_definition_of_their_workflow(ws):
    first = agent.plan_request(ws, "segment the objects with segment anything and draw masks", workflow="a")
    assert first.before is None
    assert _blocks(first.plan.definition) == ["segment_anything", "mask_visualization"]
    second = agent.plan_request(ws, "count them", workflow="a")
    assert second.before == first.plan.definition
    assert _blocks(second.plan.definition) == ["segment_anything", "mask_visualization", "property_definition"]
    other = agent.plan_request(ws, "segment with SAM and draw boxes")
    assert other.workflow == agent.DEFAULT_WORKFLOW
    assert other.before is None

    conversation = agent.get_conversation(ws, "a")
    assert conversation.definition == second.plan.definition
    assert [(m["role"], m["text"]) for m in conversation.messages] == [
        ("user", "segment the objects with segment anything and draw masks"),
        ("assistant", first.plan.summary),
        ("user", "count them"),
        ("assistant", second.plan.summary),
    ]
    assert conversation.messages[3]["steps"][2]["change"] == "added"
    assert conversation.messages[3]["before"] == first.plan.definition
    with pytest.raises(NotFoundError, match="does not exist"):
        workflows.get_workflow(ws, "a")  # planning never saves a workflow by itself


def test_a_saved_workflow_starts_its_conversation_and_reset_goes_back_to_it(ws):
    saved = agent.plan_request(ws, "segment with segment anything and draw masks", workflow="scratch").plan.definition
    workflows.save_workflow(ws, "shapes", saved)
    assert agent.get_conversation(ws, "shapes").definition == saved
    reply = agent.plan_request(ws, "draw polygons instead", workflow="shapes")
    assert reply.before == saved
    assert _blocks(reply.plan.definition) == ["segment_anything", "polygon_visualization"]
    assert workflows.get_workflow(ws, "shapes").spec == saved

    assert agent.reset_conversation(ws, "shapes") is True
    assert agent.reset_conversation(ws, "shapes") is False
    assert agent.get_conversation(ws, "shapes").messages == []
    handed = agent.plan_request(ws, "draw labels", workflow="shapes", definition=reply.plan.definition)
    assert handed.before == reply.plan.definition


def test_a_request_that_fails_leaves_the_conversation_as_it_was(ws):
    agent.plan_request(ws, "segment with segment anything", workflow="w")
    with pytest.raises(PlanningError, match="there is no model 4"):
        agent.plan_request(ws, "use model 4", workflow="w")
    assert len(agent.get_conversation(ws, "w").messages) == 2


def test_the_chat_engine_gets_the_conversation_so_far(seglab_home, monkeypatch):
    replies = recorded("cars_with_repair") + recorded("use_asl_instead")
    with chat_stub(replies) as stub:
        monkeypatch.setenv("SEGLAB_AGENT_URL", stub.url)
        monkeypatch.setenv("SEGLAB_AGENT_MODEL", "qwen2.5-coder:7b")
        ws = Workspace()
        try:
            first = agent.plan_request(ws, "segment cars and draw masks", workflow="cars")
            second = agent.plan_request(ws, "use my ASL model instead", workflow="cars")
        finally:
            ws.close()
    assert first.plan.engine == second.plan.engine == "llm (qwen2.5-coder:7b)"
    assert second.plan.definition["steps"][0]["model_id"] == "asl-alphabet/2"
    follow_up = stub.received[2]["messages"]
    assert follow_up[1:] == [
        {"role": "user", "content": "segment cars and draw masks"},
        {"role": "assistant", "content": "Segment cars with cars/1 and draw their masks."},
        {"role": "user", "content": "use my ASL model instead"},
    ]
    assert '"model_id": "cars/1"' in follow_up[0]["content"], "the current definition is in the prompt"
