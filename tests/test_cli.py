import json

from typer.testing import CliRunner

from seglab import __version__
from seglab.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_info_json(seglab_home):
    result = runner.invoke(app, ["info", "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.output)
    assert info["home"] == str(seglab_home.resolve())
    assert info["version"] == __version__


def test_info_table(seglab_home):
    result = runner.invoke(app, ["info"], env={"COLUMNS": "400"})
    assert result.exit_code == 0
    assert str(seglab_home.resolve()) in result.output


def test_no_arguments_shows_help():
    result = runner.invoke(app, [])
    assert "serve" in result.output
