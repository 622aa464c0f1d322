import subprocess
import sys

import pytest

from careline.cli.main import build_parser


def _commands():
    parser = build_parser()
    action = next(a for a in parser._actions if a.dest == "command")
    return sorted(action.choices)


def test_top_level_help_lists_every_command():
    result = subprocess.run([sys.executable, "-m", "careline.cli.main", "--help"],
                            capture_output=True, text=True, check=True)
    for command in _commands():
        assert command in result.stdout


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command):
    result = subprocess.run([sys.executable, "-m", "careline.cli.main", command, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "usage: careline" in result.stdout
