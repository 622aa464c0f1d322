"""The Dockerfile: hadolint-clean, pinned, the model built into the image, non-root.

No container engine runs here, so the image is not built in tests: hadolint lints it,
and these tests read it for what matters to an operator (docs/deploy.md says so).
"""

from __future__ import annotations

import fnmatch
import http.server
import json
import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from careline.settings import PROJECT_ROOT

DOCKERFILE = PROJECT_ROOT / "Dockerfile"
DOCKERIGNORE = PROJECT_ROOT / ".dockerignore"
HEALTHCHECK_SCRIPT = PROJECT_ROOT / "deploy" / "docker" / "healthcheck.py"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    arguments: str


@dataclass(frozen=True)
class Stage:
    name: str
    base: str
    instructions: tuple[Instruction, ...]

    def all(self, keyword: str) -> list[str]:
        return [i.arguments for i in self.instructions if i.keyword == keyword]


def instructions(text: str) -> list[Instruction]:
    """Instructions with continuation lines joined and comments dropped."""
    found, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        pending += " " + stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            keyword, _, arguments = pending.strip().partition(" ")
            found.append(Instruction(keyword.upper(), arguments.strip()))
            pending = ""
    return found


def stages(text: str) -> list[Stage]:
    result: list[Stage] = []
    current: list[Instruction] = []
    base = name = ""
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            if base:
                result.append(Stage(name, base, tuple(current)))
            words = instruction.arguments.split()
            base, name, current = words[0], words[2] if len(words) > 2 else "", []
        else:
            current.append(instruction)
    result.append(Stage(name, base, tuple(current)))
    return result


@pytest.fixture(scope="module")
def dockerfile() -> list[Stage]:
    return stages(DOCKERFILE.read_text())


def test_hadolint_finds_nothing(hadolint: Path) -> None:
    result = subprocess.run([str(hadolint), "--no-color", str(DOCKERFILE)],
                            capture_output=True, text=True)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_hadolint_does_fail_a_bad_dockerfile(hadolint: Path, tmp_path: Path) -> None:
    """The linter really runs its rules here: an unpinned base image is refused."""
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install requests\n")
    result = subprocess.run([str(hadolint), "--no-color", str(bad)],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "DL3007" in result.stdout  # "latest" is not a pinned tag


def test_every_hadolint_ignore_says_why() -> None:
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore" in line:
            previous = lines[number - 1].strip() if number else ""
            assert previous.startswith("#") and "hadolint" not in previous, (
                f"line {number + 1}: an ignored hadolint rule needs a comment saying why")


def test_external_base_images_are_pinned_by_tag_and_digest(dockerfile: list[Stage]) -> None:
    names = {stage.name for stage in dockerfile}
    external = [stage.base for stage in dockerfile if stage.base not in names]
    assert external, "no base image found"
    for image in external:
        assert DIGEST.search(image), f"{image} is not pinned by digest"
        tag = image.split("@")[0].rpartition(":")[2]
        assert re.fullmatch(r"3\.10\.\d+-slim-\w+", tag), f"{image}: not an exact Python 3.10 tag"


def test_the_model_is_trained_in_a_build_stage_and_carried_by_the_image(
        dockerfile: list[Stage]) -> None:
    by_name = {stage.name: stage for stage in dockerfile}
    model, runtime = by_name["model"], dockerfile[-1]
    assert any("careline model" in run for run in model.all("RUN"))
    copies = runtime.all("COPY")
    assert any(c.startswith("--from=model ") and c.split()[1] == "/app/models" for c in copies)
    # never at container start: the runtime stage trains nothing and runs the model it holds
    runtime_text = " ".join(i.arguments for i in runtime.instructions)
    assert "careline model" not in runtime_text and "rasa train" not in runtime_text
    command = json.loads(runtime.all("CMD")[-1])
    assert command[command.index("--model") + 1] == "models"


def test_the_runtime_runs_as_an_unprivileged_user_with_a_health_check(
        dockerfile: list[Stage]) -> None:
    runtime = dockerfile[-1]
    user = runtime.all("USER")[-1].split(":")[0]
    assert user not in ("root", "0") and int(user) >= 1000
    health = runtime.all("HEALTHCHECK")
    assert health and "healthcheck.py" in health[-1]
    # build tools and sources of the other stages stay behind: only these are copied
    assert {c.split()[0] for c in runtime.all("COPY") if c.startswith("--from=")} == {
        "--from=builder", "--from=model"}


def test_no_secret_is_baked_into_the_image() -> None:
    for instruction in instructions(DOCKERFILE.read_text()):
        if instruction.keyword in ("ENV", "ARG"):
            assert not re.search(r"(TOKEN|SECRET|PASSWORD|AUTH)\w*=", instruction.arguments), (
                instruction)


def test_the_default_command_and_every_copied_file_exist(dockerfile: list[Stage]) -> None:
    import importlib.util

    command = json.loads(dockerfile[-1].all("CMD")[-1])
    assert command[:2] == ["python", "-m"] and importlib.util.find_spec(command[2])
    for stage in dockerfile:
        for copy in stage.all("COPY"):
            words = [w for w in copy.split() if not w.startswith("--")]
            if copy.startswith("--from="):
                continue
            for source in words[:-1]:
                assert (PROJECT_ROOT / source).exists(), source
                assert sent_to_the_builder(source), f"{source} is excluded by .dockerignore"


def sent_to_the_builder(path: str) -> bool:
    """.dockerignore's rule for ``path``: the last pattern matching it or a parent wins."""
    patterns = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()
                if line.strip() and not line.startswith("#")]
    parts = Path(path).parts
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for pattern in patterns:
        negated = pattern.startswith("!")
        glob = pattern.lstrip("!").rstrip("/")
        if any(fnmatch.fnmatchcase(candidate, glob) or
               (glob.startswith("**/") and fnmatch.fnmatchcase(candidate.rsplit("/", 1)[-1],
                                                               glob[3:]))
               for candidate in candidates):
            included = negated
    return included


def test_dockerignore_keeps_local_state_and_secrets_out() -> None:
    for path in (".venv/bin/python", ".careline/secrets/rasa-token", ".git/config",
                 "models/careline.tar.gz", "tests/conftest.py", ".env",
                 "careline/__pycache__/settings.cpython-310.pyc"):
        assert not sent_to_the_builder(path), path
    assert sent_to_the_builder("careline/settings.py")


class _Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200 if self.path == "/health" else 503)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def health_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _check(*args: str, env: dict[str, str] | None = None) -> int:
    return subprocess.run([sys.executable, str(HEALTHCHECK_SCRIPT), *args], env=env,
                          capture_output=True, timeout=30).returncode


def test_container_health_check_follows_the_service_health_endpoint(health_server: str) -> None:
    assert _check(f"{health_server}/health") == 0
    assert _check(f"{health_server}/starting") == 1  # 503 while the model loads
    assert _check(env={"HEALTHCHECK_URL": f"{health_server}/health", "PATH": "/usr/bin"}) == 0


def test_container_health_check_fails_when_nothing_listens() -> None:
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago, now closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert _check(f"http://127.0.0.1:{port}/health") == 1


def build_context(into: Path) -> Path:
    """Copy what `docker build` would send (the files .dockerignore lets through)."""
    import shutil

    for path in PROJECT_ROOT.rglob("*"):
        relative = path.relative_to(PROJECT_ROOT)
        if relative.parts[0] in (".git", ".venv", "models", ".careline") or not path.is_file():
            continue
        if sent_to_the_builder(relative.as_posix()):
            (into / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, into / relative)
    return into


def test_the_build_context_holds_what_every_process_imports(tmp_path: Path) -> None:
    """Each service's entry point imports from the context alone, with Careline's root
    there, as in the image (/app); a runtime file left out by .dockerignore fails here."""
    context = build_context(tmp_path / "context")
    for path in ("endpoints.yml", "credentials.yml", "careline/handoff/policy.yml",
                 "careline/desk/canned_responses.yml", "actions/__init__.py"):
        assert (context / path).exists(), path
    assert not (context / "tests").exists() and not (context / "docs").exists()
    script = (
        "import importlib, careline.settings as s, pathlib;"
        "assert s.PROJECT_ROOT == pathlib.Path.cwd(), s.PROJECT_ROOT;"
        "[importlib.import_module(m) for m in ('careline.runtime.rasa_server',"
        " 'careline.runtime.action_server', 'careline.channels.twilio_gateway',"
        " 'careline.insight.consumer_service', 'careline.desk.app', 'careline.handoff.worker',"
        " 'careline.db.migrate', 'actions')];"
        "from careline.cli.main import build_parser; build_parser()"
    )
    result = subprocess.run([sys.executable, "-c", script], cwd=context,
                            env={"PYTHONPATH": str(context), "PATH": "/usr/bin:/bin",
                                 "HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]


def test_the_image_leaves_out_exactly_the_test_tools() -> None:
    """The builder's filter names pins requirements.txt really has, keeps everything
    else, and no runtime code (careline/, actions/) imports what it leaves out."""
    text = DOCKERFILE.read_text()
    match = re.search(r"grep -v -E '\^\(([\w|-]+)\)=='", text)
    assert match, "the builder installs requirements.txt without leaving the test tools out"
    left_out = match.group(1).split("|")
    pins = [line.split("==")[0] for line in (PROJECT_ROOT / "requirements.txt").read_text()
            .splitlines() if "==" in line and not line.startswith("#")]
    assert set(left_out) <= set(pins), "the filter names a package requirements.txt lacks"
    assert "rasa" in pins and "rasa" not in left_out
    modules = {name.replace("-", "_").split("_")[0] if name.startswith("pytest") else
               name.replace("-", "_") for name in left_out}
    for path in [*PROJECT_ROOT.joinpath("careline").rglob("*.py"),
                 *PROJECT_ROOT.joinpath("actions").rglob("*.py")]:
        source = path.read_text()
        for module in modules:
            assert not re.search(rf"^\s*(import|from) {module}\b", source, re.M), (path, module)
