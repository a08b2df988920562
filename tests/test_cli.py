"""`python -m openai_async chat ...` in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    return subprocess.run(
        [sys.executable, "-m", "openai_async", *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_chat_without_a_key_streams_from_the_local_server():
    result = run_cli("chat", "Hello", env={"PYTHONWARNINGS": "error"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from the openai_async local server. You said: Hello\n"
    assert "OPENAI_API_KEY is not set" in result.stderr
    assert "local server" in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_with_a_system_message_and_model():
    result = run_cli("chat", "Hi", "--model", "gpt-4o", "--system", "Be brief", env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("You said: Hi")


def test_connection_error_is_one_line_without_traceback():
    result = run_cli(
        "chat",
        "Hello",
        env={
            "OPENAI_API_KEY": "sk-x",
            "OPENAI_BASE_URL": f"http://127.0.0.1:{closed_port()}/v1",
        },
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("openai_async: APIConnectionError:")


def test_bad_configuration_is_one_line_without_traceback():
    result = run_cli("chat", "Hello", env={"OPENAI_API_KEY": "sk-x", "OPENAI_BASE_URL": "ftp://x"})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("openai_async: ConfigurationError:")


def test_usage_error_exits_2():
    result = run_cli(env={})
    assert result.returncode == 2
    assert "usage:" in result.stderr
