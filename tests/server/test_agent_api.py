"""The agent's app API: plan in a workflow's conversation, read it back, start over; errors in the app's shape."""

from __future__ import annotations

from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.settings import Settings

from ..serve_process import free_port


def test_plan_follow_up_read_and_reset_a_conversation(client):
    answer = client.post(
        "/api/v1/agent", json={"request": "segment with segment anything and draw masks", "workflow": "demo"}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["workflow"] == "demo"
    assert body["engine"] == "offline"
    assert body["before"] is None
    assert [(s["name"], s["change"]) for s in body["steps"]] == [
        ("segment_anything", "added"),
        ("mask_visualization", "added"),
    ]
    assert body["steps"][1]["wiring"] == "image ← the input 'image'; predictions ← segment_anything.predictions"
    assert client.post("/api/v1/workflows/validate", json={"specification": body["definition"]}).json()["valid"]

    follow = client.post("/api/v1/agent", json={"request": "draw polygons instead", "workflow": "demo"}).json()
    assert follow["before"] == body["definition"]
    assert follow["removed"] == ["mask_visualization"]
    assert follow["messages"] == 4

    conversation = client.get("/api/v1/agent/conversations/demo").json()
    assert conversation["definition"] == follow["definition"]
    assert [m["role"] for m in conversation["messages"]] == ["user", "assistant", "user", "assistant"]
    assert client.delete("/api/v1/agent/conversations/demo").json() == {"workflow": "demo", "deleted": True}
    assert client.get("/api/v1/agent/conversations/demo").json()["messages"] == []


def test_a_request_it_cannot_plan_is_a_400_with_the_reason(client):
    answer = client.post("/api/v1/agent", json={"request": "make me a sandwich"})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "planning_failed"
    assert "the built-in planner understands" in error["message"]
    assert client.post("/api/v1/agent", json={"request": ""}).status_code == 422


def test_an_unreachable_chat_endpoint_is_a_503(seglab_home):
    settings = Settings(agent_url=f"http://127.0.0.1:{free_port()}/v1", agent_model="m")
    app = create_app(settings)
    with TestClient(app) as client:
        answer = client.post("/api/v1/agent", json={"request": "segment cars"})
        offline = client.post("/api/v1/agent", json={"request": "segment with sam", "engine": "offline"})
    app.state.workspace.close()
    assert answer.status_code == 503
    assert answer.json()["error"]["code"] == "agent_unavailable"
    assert "cannot reach the chat endpoint" in answer.json()["message"]
    assert offline.status_code == 200
    assert offline.json()["engine"] == "offline"


def test_a_question_about_a_saved_workflow_names_the_step(client):
    planned = client.post(
        "/api/v1/agent", json={"request": "segment with segment anything and draw masks", "workflow": "asked"}
    ).json()
    assert client.put("/api/v1/workflows/asked", json={"specification": planned["definition"]}).status_code == 200
    client.delete("/api/v1/agent/conversations/asked")  # the question starts from the saved workflow

    answer = client.post("/api/v1/agent", json={"request": "which block draws the masks?", "workflow": "asked"}).json()
    assert answer["question"] is True
    assert answer["summary"].startswith("mask_visualization (roboflow_core/mask_visualization@v1)")
    assert [s["name"] for s in answer["steps"]] == ["mask_visualization"]
    assert answer["definition"] == planned["definition"]
