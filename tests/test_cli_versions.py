import json

from typer.testing import CliRunner

from seglab.cli import app

runner = CliRunner()


def _run(*arguments):
    return runner.invoke(app, list(arguments), env={"COLUMNS": "200"})


def test_version_create_list_show_export(project, tmp_path):
    created = _run(
        "version",
        "create",
        project,
        "--resize",
        "48x48:fill",
        "--augment",
        "flip,rotate=10",
        "--multiplier",
        "2",
        "--json",
    )
    assert created.exit_code == 0, created.output
    version = json.loads(created.output)
    assert version["statistics"]["images_per_split"] == {"test": 1, "train": 2, "valid": 1}
    listed = json.loads(_run("version", "list", project, "--json").output)
    assert [v["number"] for v in listed] == [1]
    assert "pets/1" in _run("version", "list", project).output
    shown = json.loads(_run("version", "show", "pets/1", "--json").output)
    assert shown["content_hash"] == version["content_hash"]
    exported = _run("version", "export", "pets/1", str(tmp_path / "out"), "--format", "yolo")
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "out" / "data.yaml").is_file()


def test_background_version_and_job_commands(project):
    queued = json.loads(_run("version", "create", project, "--background", "--json").output)
    assert queued["status"] == "queued"
    assert json.loads(_run("job", "list", "--json").output)[0]["id"] == queued["id"]
    assert json.loads(_run("job", "show", str(queued["id"]), "--json").output)["kind"] == "version.create"
    assert "cancelled" in _run("job", "cancel", str(queued["id"])).output


def test_bad_recipes_fail_in_one_line(project):
    for arguments, message in [
        (("--augment", "zoom"), "unknown augmentation 'zoom'"),
        (("--resize", "big"), "640x640:fit"),
        (("--split", "1,2"), "three numbers"),
        (("--remap", "cat"), "--remap takes old=new"),
        (("--multiplier", "0"), "invalid recipe"),
    ]:
        result = _run("version", "create", project, *arguments)
        assert result.exit_code == 1, (arguments, result.output)
        assert message in result.output
        assert "Traceback" not in result.output


def test_a_queued_version_refuses_a_ray_address_of_its_own(project):
    """Where a job renders is its worker's SEGLAB_RAY_ADDRESS: --ray beside --background would be silently ignored."""
    refused = _run("version", "create", project, "--background", "--ray", "auto", "--json")
    assert refused.exit_code != 0
    assert "SEGLAB_RAY_ADDRESS" in json.loads(refused.output)["message"]
    assert json.loads(_run("job", "list", "--json").output) == []
