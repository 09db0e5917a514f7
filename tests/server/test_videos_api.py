"""Videos over HTTP: the upload keeps the video, the frame strip's marks, propagation as a job, interpolation."""

from __future__ import annotations

from seglab.geometry import mask_to_polygon
from seglab.services.jobs import run_job
from seglab.store import segmentation_to_json

from ..videos import shapes_frame, write_video


def test_upload_strip_propagate_and_interpolate(client, tmp_path):
    client.post("/api/v1/projects", json={"name": "clip", "categories": ["disc"]}).raise_for_status()
    video = write_video(tmp_path / "clip.mp4", frames=12)
    with video.open("rb") as handle:
        uploaded = client.post(
            "/api/v1/projects/clip/images", files={"files": ("clip.mp4", handle, "video/mp4")}, data={"fps": "10"}
        )
    assert uploaded.status_code == 201, uploaded.text
    frames = uploaded.json()["added"]
    assert [f["frame_index"] for f in frames] == list(range(12))
    (listed,) = client.get("/api/v1/projects/clip/videos").json()
    assert (listed["file_name"], listed["frame_count"], listed["frames"]) == ("clip.mp4", 12, 12)
    assert {f["video_id"] for f in frames} == {listed["id"]}
    only = client.get(f"/api/v1/projects/clip/images?video_id={listed['id']}&limit=5").json()
    assert (only["total"], [i["frame_index"] for i in only["items"]]) == (12, [0, 1, 2, 3, 4])
    runs = client.get("/api/v1/projects/clip/images/video-runs?status=unannotated").json()
    assert runs == [{"video_id": listed["id"], "offset": 0, "count": 12}]  # the grid's header over these 12

    category = client.get("/api/v1/projects/clip").json()["categories"][0]["id"]
    geometry = segmentation_to_json(mask_to_polygon(shapes_frame(0)[1], 0.5))
    seed = client.post(
        f"/api/v1/images/{frames[0]['id']}/annotations", json={"category_id": category, "geometry": geometry}
    ).json()
    job = client.post(f"/api/v1/images/{frames[0]['id']}/propagate", json={"annotation_ids": [seed["id"]], "frames": 5})
    assert job.status_code == 202, job.text
    run_job(client.app.state.workspace, job.json()["id"])
    done = client.get(f"/api/v1/jobs/{job.json()['id']}").json()
    assert (done["status"], done["result"]["proposals"]) == ("succeeded", 5)
    (counted,) = client.get("/api/v1/projects/clip/videos").json()
    assert (counted["annotated"], counted["reviewed"]) == (6, 0)  # the seed and its 5 propagated frames

    strip = client.get(f"/api/v1/images/{frames[3]['id']}/video").json()
    assert strip["video"]["id"] == listed["id"]
    assert strip["propagators"] == ["flow"]  # no SAM weights here
    assert [(f["annotations"], f["pending"]) for f in strip["frames"][:7]] == [(1, 0)] + [(1, 1)] * 5 + [(0, 0)]
    on_five = client.get(f"/api/v1/images/{frames[5]['id']}/annotations").json()[0]
    assert (on_five["track_id"], on_five["source"]) == (seed["id"], "propagate:flow")

    end = client.post(
        f"/api/v1/images/{frames[10]['id']}/annotations",
        json={"category_id": category, "geometry": geometry, "track_id": seed["id"]},
    ).json()
    interpolated = client.post(
        f"/api/v1/annotations/{on_five['id']}/interpolate", json={"to_annotation_id": end["id"]}
    ).json()
    assert interpolated == {"frames": 4, "proposals": 4, "replaced": 0}
    to_next = client.post(f"/api/v1/annotations/{on_five['id']}/interpolate").json()  # no body
    assert to_next == {"frames": 4, "proposals": 4, "replaced": 4}  # the track's next keyframe: frame 10
    refused = client.get(f"/api/v1/images/{frames[0]['id'] + 1000}/video")
    assert refused.status_code == 404
