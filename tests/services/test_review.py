"""The review stage at the service level, on a real SQLite database: every move of an image through a job, who may
make it, and what the image's status and history say afterwards. People are users made with
``accounts.create_user`` acting through ``principal_of`` (signing in is the auth branch's concern)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from seglab.core import ImageStatus
from seglab.errors import ConflictError, ForbiddenError, InvalidInputError
from seglab.services import accounts, annotations, images, review
from seglab.services.accounts import LOCAL_ADMIN, Principal, principal_of
from seglab.store import ImageFilter, Workspace, users
from seglab.store import projects as project_store


@dataclass(frozen=True)
class Team:
    manager: Principal
    annotator: Principal
    reviewer: Principal
    outsider: Principal
    image_ids: list[int]


@pytest.fixture
def team(ws: Workspace, project: str) -> Team:
    """Four people in ``pets``: a project admin, an annotator, a reviewer and a viewer (no passwords: nobody signs
    in here, so no argon2 hashing either)."""
    roles = {"maud": "admin", "anna": "annotator", "rex": "reviewer", "vic": "viewer"}
    people = {}
    with ws.db.transaction() as session:
        project_id = project_store.get_project(session, project).id
    for name, role in roles.items():
        user = accounts.create_user(ws, name, None)
        with ws.db.transaction() as session:
            users.set_member_role(session, project_id, user.id, role)
        people[name] = principal_of(user)
    ids = images.image_ids(ws, project)
    return Team(people["maud"], people["anna"], people["rex"], people["vic"], ids)


def _job(ws: Workspace, team: Team, project: str, image_ids: list[int], name: str = "batch 1") -> int:
    job, _ = review.create_job(
        ws, team.manager, project, name, image_ids=image_ids, annotator="anna", reviewer="rex", instructions="outline"
    )
    return job.id


def test_an_image_goes_annotate_review_reject_fix_approve(ws: Workspace, project: str, team: Team) -> None:
    first, second = team.image_ids[:2]
    job_id = _job(ws, team, project, [first, second])
    job = review.get_job(ws, job_id)
    assert (job.annotator, job.reviewer, job.created_by) == ("anna", "rex", "maud")
    assert job.counts == {"annotate": 2, "in_review": 0, "approved": 0, "rejected": 0}

    queue = review.my_queue(ws, team.annotator)
    assert [e.image_id for e in queue.to_annotate] == [first, second]
    assert review.my_queue(ws, team.reviewer).to_review == []

    assert review.submit(ws, team.annotator, first).state == "in_review"
    assert [e.image_id for e in review.my_queue(ws, team.reviewer).to_review] == [first]
    assert [e.image_id for e in review.my_queue(ws, team.annotator).to_annotate] == [second]

    back = review.reject(ws, team.reviewer, first, "  the tail is missing ")
    assert (back.state, back.comment) == ("annotate", "the tail is missing")
    entry = review.my_queue(ws, team.annotator).to_annotate[0]
    assert (entry.image_id, entry.comment, entry.job_name) == (first, "the tail is missing", "batch 1")
    assert review.get_job(ws, job_id).counts["rejected"] == 1

    review.submit(ws, team.annotator, first)
    status_before = images.get_image(ws, first).status
    assert review.approve(ws, team.reviewer, first).state == "approved"
    assert images.get_image(ws, first).status == ImageStatus.REVIEWED
    assert status_before != ImageStatus.REVIEWED
    assert review.get_job(ws, job_id).counts == {"annotate": 1, "in_review": 0, "approved": 1, "rejected": 0}
    assert review.approved_image_ids(ws, project) == {first}

    events = review.image_review(ws, team.annotator, first).events
    assert [(e.action, e.from_state, e.to_state, e.actor) for e in events] == [
        ("assign", None, "annotate", "maud"),
        ("submit", "annotate", "in_review", "anna"),
        ("reject", "in_review", "annotate", "rex"),
        ("submit", "annotate", "in_review", "anna"),
        ("approve", "in_review", "approved", "rex"),
    ]
    assert events[2].comment == "the tail is missing"


def test_moves_out_of_order_are_conflicts(ws: Workspace, project: str, team: Team) -> None:
    image = team.image_ids[0]
    _job(ws, team, project, [image])
    with pytest.raises(ConflictError, match="not 'in_review'"):
        review.approve(ws, team.reviewer, image)
    with pytest.raises(ConflictError, match="not 'in_review'"):
        review.reject(ws, team.reviewer, image, "why")
    review.submit(ws, team.annotator, image)
    with pytest.raises(ConflictError, match="not 'annotate'"):
        review.submit(ws, team.annotator, image)
    with pytest.raises(InvalidInputError, match="needs a comment"):
        review.reject(ws, team.reviewer, image, "   ")
    with pytest.raises(ConflictError, match="in no annotation job"):
        review.submit(ws, team.annotator, team.image_ids[1])


def test_who_may_do_what(ws: Workspace, project: str, team: Team) -> None:
    image, other = team.image_ids[:2]
    for who in (team.annotator, team.reviewer, team.outsider):
        with pytest.raises(ForbiddenError, match="project admin"):
            review.create_job(ws, who, project, "mine", image_ids=[image])
    job_id = _job(ws, team, project, [image, other])
    with pytest.raises(ForbiddenError, match="only the job's annotator"):
        review.submit(ws, team.reviewer, image)
    with pytest.raises(ForbiddenError, match="only the job's annotator"):
        review.submit(ws, team.outsider, image)
    review.submit(ws, team.annotator, image)
    with pytest.raises(ForbiddenError, match="only the job's reviewer"):
        review.approve(ws, team.annotator, image)  # nobody approves their own work
    with pytest.raises(ForbiddenError, match="only the job's reviewer"):
        review.reject(ws, team.outsider, image, "no")
    for who in (team.annotator, team.reviewer):
        with pytest.raises(ForbiddenError):
            review.delete_job(ws, who, job_id)
        with pytest.raises(ForbiddenError):
            review.update_job(ws, who, job_id, people={"reviewer": "anna"})
    # a project admin, a workspace admin and the single-user mode may make every move
    review.approve(ws, team.manager, image)
    boss = principal_of(accounts.create_user(ws, "boss", None, admin=True))
    review.submit(ws, boss, other)
    review.reject(ws, LOCAL_ADMIN, other, "again")
    # a deploy key (inference scope) manages nothing, even an admin's
    deploy = Principal("boss", boss.user_id, True, scope="inference", method="key")
    with pytest.raises(ForbiddenError):
        review.delete_job(ws, deploy, job_id)
    review.delete_job(ws, team.manager, job_id)


def test_what_the_editor_may_offer(ws: Workspace, project: str, team: Team) -> None:
    image = team.image_ids[0]
    _job(ws, team, project, [image])
    as_annotator = review.image_review(ws, team.annotator, image)
    assert (as_annotator.can_submit, as_annotator.can_review) == (True, False)
    assert review.image_review(ws, team.reviewer, image).can_submit is False
    review.submit(ws, team.annotator, image)
    as_reviewer = review.image_review(ws, team.reviewer, image)
    assert (as_reviewer.can_submit, as_reviewer.can_review) == (False, True)
    assert review.image_review(ws, team.outsider, image).can_review is False
    untouched = review.image_review(ws, team.annotator, team.image_ids[1])
    assert (untouched.job, untouched.item, untouched.events) == (None, None, [])


def test_an_image_is_open_in_one_job_at_a_time(ws: Workspace, project: str, team: Team) -> None:
    first, second, third = team.image_ids[:3]
    old = _job(ws, team, project, [first, second])
    with pytest.raises(ConflictError, match=rf"open in another annotation job \(#{old}\): {first}") as refused:
        review.create_job(ws, team.manager, project, "batch 2", image_ids=[first, third])
    assert refused.value.details["images"] == [first]
    assert [j.id for j in review.list_jobs(ws, project)] == [old]  # all or nothing: no half-made job

    _, assignment = review.create_job(ws, team.manager, project, "batch 2", image_ids=[first, third], move=True)
    assert (assignment.added, assignment.moved) == ([first, third], [first])
    assert review.get_job(ws, old).counts["annotate"] == 1
    assert [e.action for e in review.image_review(ws, team.manager, first).events] == ["assign", "move", "assign"]
    # an approved image may be given to a new job, to be reviewed again; it is no longer approved then
    review.submit(ws, team.annotator, second)
    review.approve(ws, team.reviewer, second)
    again, _ = review.create_job(ws, team.manager, project, "batch 3", image_ids=[second])
    assert review.approved_image_ids(ws, project) == set()
    assert images.get_image(ws, second).status != ImageStatus.REVIEWED
    assert review.add_images(ws, team.manager, again.id, image_ids=[second]).already == [second]


def test_a_job_from_the_grid_filter_and_submit_all_done(ws: Workspace, project: str, team: Team) -> None:
    chosen = ImageFilter(split=images.get_image(ws, team.image_ids[0]).split)
    expected = images.image_ids(ws, project, chosen)
    job, assignment = review.create_job(ws, team.manager, project, "train split", filters=chosen, annotator="anna")
    assert assignment.added == expected
    done = [i for i in expected if images.get_image(ws, i).status in (ImageStatus.ANNOTATED, ImageStatus.NULL)]
    assert done, "the test data has annotated images"
    blank = images.add_image_bytes(ws, project, "blank.png", _png()).added[0].id
    review.add_images(ws, team.manager, job.id, image_ids=[blank])
    assert review.submit_done(ws, team.annotator, job.id) == done
    assert review.job_items(ws, job.id, ["annotate"])[-1].image_id == blank  # nothing drawn: not done
    with pytest.raises(InvalidInputError, match="no image chosen"):
        review.create_job(ws, team.manager, project, "empty", filters=ImageFilter(tag="no such tag"))


def test_reassign_and_people_checks(ws: Workspace, project: str, team: Team) -> None:
    image = team.image_ids[0]
    job_id = _job(ws, team, project, [image])
    with pytest.raises(InvalidInputError, match="no role in this project that lets them annotate"):
        review.update_job(ws, team.manager, job_id, people={"annotator": "vic"})
    accounts.create_user(ws, "newbie", None)
    with pytest.raises(InvalidInputError, match="newbie"):
        review.update_job(ws, team.manager, job_id, people={"reviewer": "newbie"})
    moved = review.update_job(ws, team.manager, job_id, people={"annotator": "rex"}, name="renamed")
    assert (moved.annotator, moved.reviewer, moved.name) == ("rex", "rex", "renamed")
    assert [e.image_id for e in review.my_queue(ws, team.reviewer).to_annotate] == [image]
    assert review.my_queue(ws, team.annotator).to_annotate == []
    with pytest.raises(ForbiddenError):
        review.submit(ws, team.annotator, image)


def test_progress_per_job_and_person_and_deleting_a_job(ws: Workspace, project: str, team: Team) -> None:
    first, second, third = team.image_ids[:3]
    job_id = _job(ws, team, project, [first, second, third])
    review.submit(ws, team.annotator, first)
    review.submit(ws, team.annotator, second)
    review.approve(ws, team.reviewer, second)
    report = review.progress(ws, project)
    assert report.jobs[0].counts == {"annotate": 1, "in_review": 1, "approved": 1, "rejected": 0}
    assert report.people == {
        "anna": {"to_annotate": 1, "to_review": 0, "annotated": 2, "reviewed": 0},
        "rex": {"to_annotate": 0, "to_review": 1, "annotated": 0, "reviewed": 1},
    }
    assert [j.id for j in review.list_jobs(ws, mine=team.annotator)] == [job_id]
    assert review.list_jobs(ws, mine=team.outsider) == []

    review.delete_job(ws, team.manager, job_id)
    assert review.list_jobs(ws, project) == []
    assert images.get_image(ws, second).status == ImageStatus.REVIEWED  # approved work stays reviewed
    events = review.image_review(ws, team.manager, first).events
    assert (events[-1].action, events[-1].job_id, events[-1].job_name) == ("remove", None, "batch 1")
    review.create_job(ws, team.manager, project, "again", image_ids=[first])  # free to assign again


def test_editing_an_approved_image_keeps_it_reviewed_until_reassigned(ws: Workspace, project: str, team: Team) -> None:
    image = team.image_ids[0]
    _job(ws, team, project, [image])
    review.submit(ws, team.annotator, image)
    review.approve(ws, team.reviewer, image)
    stored = annotations.list_annotations(ws, image)
    assert stored, "the test image has annotations"
    annotations.delete_annotation(ws, stored[0].annotation.id, stored[0].revision)
    assert images.get_image(ws, image).status == ImageStatus.REVIEWED


def _png() -> bytes:
    import cv2
    import numpy as np

    ok, data = cv2.imencode(".png", np.full((8, 8, 3), 200, np.uint8))
    assert ok
    return data.tobytes()


def test_a_version_of_only_approved_images(ws: Workspace, project: str, team: Team) -> None:
    from seglab.services import versions
    from seglab.store import versions as version_store

    first, second = team.image_ids[:2]
    _job(ws, team, project, [first, second])
    for image in (first, second):
        review.submit(ws, team.annotator, image)
    review.approve(ws, team.reviewer, second)
    recipe = versions.recipe_from_options(only_approved=True, evaluation_only=True)  # one approved (valid) image
    version = versions.create_version(ws, project, recipe, workers=1)
    assert version.statistics["images"] == 1
    with ws.db.transaction() as session:
        taken, _ = version_store.version_contents(session, version.id)
    assert [image.source_image_id for image in taken] == [second]
    everything = versions.create_version(ws, project, versions.recipe_from_options(), workers=1)
    assert everything.statistics["images"] == len(team.image_ids)


def test_the_database_itself_refuses_a_second_open_job(ws: Workspace, project: str, team: Team) -> None:
    """The rule holds under concurrent requests too: a partial unique index, not only the service's check."""
    from sqlalchemy.exc import IntegrityError

    from seglab.store._models import ReviewItemRow

    image, other = team.image_ids[:2]
    _job(ws, team, project, [image])
    second, _ = review.create_job(ws, team.manager, project, "other", image_ids=[other])
    with ws.db.transaction() as session:
        session.add(ReviewItemRow(job_id=second.id, image_id=image, state="annotate", comment=""))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
