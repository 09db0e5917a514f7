"""Undo and redo in the editor are the server's: ten mixed edits undone and redone, each step checked on the server.

The editor's Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y and its undo/redo buttons call `POST /images/{id}/undo|redo`, which
restore stored revisions: every field comes back, a deleted annotation under its own id, and another person's
edits on the same image are left alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from .polling import poll_until
from .test_editor_tools_e2e import Screen, _grey_project, _rectangle

pytestmark = pytest.mark.slow

Snapshot = dict[int, tuple[Any, ...]]


def test_ten_mixed_edits_undo_and_redo_exactly_on_the_server(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    api, image_id, _ = _grey_project(shared_server, tmp_path, unique_name, "cat")
    httpx.post(f"{api}/projects/{unique_name}/categories", json={"name": "dog"}).raise_for_status()

    def snapshot() -> Snapshot:
        """Everything stored about the image's annotations but their revision bookkeeping, by id."""
        return {
            a["id"]: (a["category_id"], json.dumps(a["geometry"]), a["source"], a["confidence"], a["attributes"])
            for a in httpx.get(f"{api}/images/{image_id}/annotations").json()
        }

    def wait_for(condition: Callable[[Snapshot], bool], what: str) -> Snapshot:
        return poll_until(snapshot, condition, what)

    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)
    states: list[Snapshot] = [snapshot()]

    def edit(name: str, act: Callable[[], None]) -> None:
        act()
        states.append(wait_for(lambda s: s != states[-1], f"the edit {name!r}"))

    edit("draw a polygon", lambda: screen.polygon(*_rectangle(100, 100, 250, 250)))
    page.keyboard.press("v")
    screen.click(150, 150)  # a drawing is left unselected: select it
    edit("move a vertex", lambda: screen.drag((250, 250), (280, 270)))
    edit("change its class", lambda: page.keyboard.press("2"))
    page.keyboard.press("p")
    edit("draw another", lambda: screen.polygon(*_rectangle(350, 100, 500, 250)))
    page.keyboard.press("v")
    screen.click(425, 175)
    page.keyboard.press("m")  # "add a part": the brush paints onto it only when asked to
    page.keyboard.press("b")
    edit("brush onto it", lambda: screen.drag((425, 240), (425, 330)))
    page.keyboard.press("v")
    edit("move it", lambda: screen.drag((425, 175), (425, 195)))
    screen.click(150, 150)  # selects the first
    edit("add a vertex", lambda: page.mouse.dblclick(*screen.at(175, 102)))
    page.keyboard.press("e")
    edit("erase across it", lambda: screen.drag((175, 60), (175, 300)))
    page.keyboard.press("Control+c")
    edit("paste a copy", lambda: page.keyboard.press("Control+v"))
    page.keyboard.press("v")
    screen.click(470, 200)  # selects the second
    edit("delete it", lambda: page.keyboard.press("Delete"))

    assert len(states) == 11
    first, second = sorted(states[1])[0], sorted(states[4])[1]
    assert len(json.loads(states[8][first][1])["parts"]) == 2, "the eraser split the first annotation"
    assert second not in states[10], "the second annotation was deleted"

    # someone else adds an annotation meanwhile: the editor's undos never touch it
    theirs = httpx.post(
        f"{api}/images/{image_id}/annotations",
        json={
            "category_id": states[1][first][0],
            "geometry": {"type": "polygon", "parts": [{"exterior": [10, 10, 60, 10, 60, 60], "holes": []}]},
        },
        headers={"X-Seglab-User": "bo"},
    ).json()["id"]

    def mine(state: Snapshot) -> Snapshot:
        return {key: value for key, value in state.items() if key != theirs}

    for step in range(10, 0, -1):
        page.keyboard.press("Control+z")
        wait_for(lambda s, step=step: mine(s) == states[step - 1] and theirs in s, f"the state before edit {step}")
    page.keyboard.press("Control+z")
    expect(page.get_by_test_id("message")).to_contain_text("nothing to undo")
    assert mine(snapshot()) == states[0]

    redo_with = ["Control+Shift+z", "Control+y", "button"]
    for step in range(1, 11):
        how = redo_with[step % 3]
        if how == "button":
            page.get_by_role("button", name="redo", exact=True).click()
        else:
            page.keyboard.press(how)
        wait_for(lambda s, step=step: mine(s) == states[step] and theirs in s, f"the state after edit {step} ({how})")

    # the deleted annotation came back under its id with every field, and went again on redo; bo's undo is bo's
    assert second in states[9]
    undone = httpx.post(f"{api}/images/{image_id}/undo", headers={"X-Seglab-User": "bo"}).json()
    assert undone["deleted"] == [theirs]
    assert snapshot() == states[10]


# React calls a DevTools hook on every commit (also in production builds): counting them shows what re-renders.
COUNT_REACT_COMMITS = """
window.__commits = 0;
window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
  supportsFiber: true, isDisabled: false, renderers: new Map(),
  inject() { return 1; }, checkDCE() {}, onScheduleFiberRoot() {},
  onCommitFiberUnmount() {}, onPostCommitFiberRoot() {},
  onCommitFiberRoot() { window.__commits += 1; },
};
"""


def test_pointer_moves_redraw_the_canvas_without_rendering_react(page, shared_server, unique_name, tmp_path):
    """The cursor, a stroke and a pan live in the editor's store: the canvas redraws, the panel does not re-render."""
    from playwright.sync_api import expect

    _, image_id, _ = _grey_project(shared_server, tmp_path, unique_name, "thing")
    page.add_init_script(COUNT_REACT_COMMITS)
    page.goto(f"{shared_server}/images/{image_id}")
    expect(page.get_by_test_id("stage")).to_be_visible()
    expect(page.get_by_test_id("loading")).to_have_count(0)  # loaded, and fitted to the stage in the same step
    screen = Screen(page)
    page.keyboard.press("b")
    expect(page.get_by_label("brush size")).to_be_visible()

    def counts() -> tuple[int, int]:
        return page.evaluate("() => [window.__commits, performance.getEntriesByName('seglab-draw').length]")

    commits, draws = counts()
    assert commits > 0, "the commit counter sees React's renders"
    for step in range(30):  # the brush cursor follows the mouse
        page.mouse.move(*screen.at(100 + 10 * step, 200))
    page.mouse.down(button="right")  # a pan
    for step in range(10):
        page.mouse.move(*screen.at(400 - 10 * step, 200 + 5 * step))
    page.mouse.up(button="right")
    page.wait_for_function(f"() => performance.getEntriesByName('seglab-draw').length >= {draws + 20}")
    assert counts()[0] == commits, "a pointer move re-rendered React"
    page.keyboard.press("]")  # a change the panel shows does render it
    expect(page.get_by_label("brush size")).to_have_value("16")
    assert counts()[0] > commits
