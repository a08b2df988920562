"""The command line's jobs end to end: each command in a subprocess against the local
server (the bundled one, or one run by the test to script faults and read requests),
output files checked, and Ctrl-C (SIGINT) mid-run followed by a resumed run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import orjson
import pytest

from openai_async.testing import Fault, LocalServer
from openai_async.testing._fake import embedding
from tests.conftest import API_KEY

ROOT = Path(__file__).resolve().parent.parent
MODEL = "text-embedding-3-small"


def command(*args: str) -> list[str]:
    return [sys.executable, "-W", "error", "-m", "openai_async", *args]


def environment(server: LocalServer | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if server is not None:
        env.update(OPENAI_API_KEY=API_KEY, OPENAI_BASE_URL=server.base_url)
    return env


def cli(
    *args: str, cwd: Path, server: LocalServer | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command(*args),
        env=environment(server),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def interrupt_when(
    args: list[str],
    cwd: Path,
    server: LocalServer,
    seen: str,
    ready: Callable[[], bool] = lambda: True,
) -> subprocess.CompletedProcess[str]:
    """Start the command, send SIGINT once a line of its stderr contains ``seen`` and
    ``ready()`` holds."""
    process = subprocess.Popen(
        command(*args),
        env=environment(server),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines = []
    while seen not in (line := process.stderr.readline()):
        assert line, f"exited before {seen!r}:\n{''.join(lines)}"
        lines.append(line)
    while not ready():
        time.sleep(0.01)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(process.args, process.returncode, out, "".join(lines) + err)


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr


# -- chat --------------------------------------------------------------------------------


def test_chat_json_reads_the_prompt_from_stdin(tmp_path):
    result = cli("chat", "--json", cwd=tmp_path, stdin="Hello there\n")
    assert result.returncode == 0, result.stderr
    completion = orjson.loads(result.stdout)
    assert completion["object"] == "chat.completion"
    assert completion["choices"][0]["message"]["content"].endswith("You said: Hello there")
    assert "bundled local server" in result.stderr


def test_chat_interactive_keeps_the_history(tmp_path, threaded_server):
    result = cli("chat", "-i", "--system", "Be brief", cwd=tmp_path, server=threaded_server,
                 stdin="first\n\nsecond\n")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Hello from the openai_async local server. You said: first",
        "Hello from the openai_async local server. You said: second",
    ]
    sent = [
        r.json()["messages"] for r in threaded_server.requests if r.path.endswith("/completions")
    ]
    assert [[m["role"] for m in messages] for messages in sent] == [
        ["system", "user"],
        ["system", "user", "assistant", "user"],
    ]
    assert sent[1][2]["content"] == "Hello from the openai_async local server. You said: first"
    assert "bundled" not in result.stderr


# -- embed -------------------------------------------------------------------------------


def test_embed_to_npy_in_input_order(tmp_path):
    texts = [f"line {i}" for i in range(30)]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    result = cli("embed", "in.txt", "--model", MODEL, "--out", "v.npy", "--dimensions", "8",
                 "--batch-size", "4", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    matrix = np.load(tmp_path / "v.npy")
    assert matrix.dtype == np.float32 and matrix.shape == (30, 8)
    expected = np.array([embedding(t.encode(), 8) for t in texts], dtype=np.float32)
    np.testing.assert_allclose(matrix, expected, rtol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "v.npy"]  # no checkpoint
    assert "OPENAI_API_KEY is not set" in result.stderr
    assert "wrote 30 vectors to v.npy" in result.stderr


def test_embed_jsonl_field_to_jsonl_keeps_a_named_checkpoint(tmp_path):
    rows = [{"id": i, "body": f"doc {i}"} for i in range(5)]
    (tmp_path / "docs.jsonl").write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    result = cli("embed", "docs.jsonl", "--field", "body", "--model", MODEL, "--out", "v.jsonl",
                 "--checkpoint", "job.ckpt", "--batch-size", "2", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = [orjson.loads(line) for line in (tmp_path / "v.jsonl").read_text().splitlines()]
    assert [line["index"] for line in lines] == list(range(5))
    assert lines[3]["embedding"] == pytest.approx(embedding(b"doc 3", len(lines[3]["embedding"])))
    assert (tmp_path / "job.ckpt").stat().st_size > 0


def test_embed_bad_input_is_one_line_before_any_request(tmp_path, threaded_server):
    (tmp_path / "docs.jsonl").write_text('{"text": "a"}\n{"title": "b"}\n')
    result = cli("embed", "docs.jsonl", "--model", MODEL, "--out", "v.npy", cwd=tmp_path,
                 server=threaded_server)  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "openai_async: InvalidRequestError: docs.jsonl:2: no string field 'text'"
    )
    assert threaded_server.requests == []
    for args in (["missing.txt", "--out", "v.npy"], ["docs.jsonl", "--out", "v.csv"]):
        result = cli("embed", *args, "--model", MODEL, cwd=tmp_path)
        assert result.returncode == 1
        no_traceback(result)
        assert len(result.stderr.strip().splitlines()) <= 2  # the local-server note, the error


def test_embed_interrupted_then_resumed_sends_only_the_unfinished_batch(tmp_path, threaded_server):
    texts = [f"text {i}" for i in range(20)]
    (tmp_path / "in.txt").write_text("\n".join(texts) + "\n")
    args = ["embed", "in.txt", "--model", MODEL, "--out", "v.npy", "--dimensions", "4",
            "--batch-size", "4", "--concurrency", "2", "--progress"]  # fmt: skip
    threaded_server.add_fault(Fault.delay(3600, path="/embeddings"))  # one batch never ends
    result = interrupt_when(args, tmp_path, threaded_server, "embedded 16/20")
    assert result.returncode == 130, result.stderr
    no_traceback(result)
    assert "v.npy.ckpt: run the same command to resume" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "v.npy.ckpt"]

    threaded_server.reset()
    result = cli(*args, cwd=tmp_path, server=threaded_server)
    assert result.returncode == 0, result.stderr
    sent = [r.json()["input"] for r in threaded_server.requests if r.path == "/v1/embeddings"]
    assert len(sent) == 1 and len(sent[0]) == 4  # the 16 others came from the checkpoint
    expected = np.array([embedding(t.encode(), 4) for t in texts], dtype=np.float32)
    np.testing.assert_allclose(np.load(tmp_path / "v.npy"), expected, rtol=1e-6)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.txt", "v.npy"]


# -- batch -------------------------------------------------------------------------------


def write_requests(path: Path) -> None:
    lines = [
        {"model": MODEL, "input": "plain body", "dimensions": 4},
        {"custom_id": "mine", "method": "POST", "url": "/v1/embeddings",
         "body": {"model": MODEL, "input": "api line", "dimensions": 4}},
        {"model": MODEL, "input": "third", "dimensions": 4},
    ]  # fmt: skip
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def read_results(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_batch_run_writes_results_in_input_order(tmp_path):
    write_requests(tmp_path / "requests.jsonl")
    result = cli("batch", "run", "requests.jsonl", "--endpoint", "/v1/embeddings",
                 "--out", "results.jsonl", "--poll-interval", "0.01", cwd=tmp_path)  # fmt: skip
    assert result.returncode == 0, result.stderr
    results = read_results(tmp_path / "results.jsonl")
    assert [(r["index"], r["custom_id"], r["status_code"]) for r in results] == [
        (0, "request-0", 200),
        (1, "mine", 200),
        (2, "request-2", 200),
    ]
    vector = results[1]["response"]["data"][0]["embedding"]
    assert vector == pytest.approx(embedding(b"api line", 4))


def test_batch_failures_are_written_and_exit_1(tmp_path, threaded_server):
    threaded_server.batch_api.fail_custom_ids = {"mine"}
    write_requests(tmp_path / "requests.jsonl")
    result = cli("batch", "run", "requests.jsonl", "--endpoint", "/v1/embeddings", "--out",
                 "results.jsonl", "--poll-interval", "0.01", cwd=tmp_path, server=threaded_server)  # fmt: skip
    assert result.returncode == 1
    assert "1 of 3 requests failed: see results.jsonl" in result.stderr
    results = read_results(tmp_path / "results.jsonl")
    assert results[1]["status_code"] == 400 and "refused" in results[1]["error"]["message"]
    assert "response" in results[0] and "response" in results[2]


def test_batch_interrupted_then_resumed_by_id(tmp_path, threaded_server):
    write_requests(tmp_path / "requests.jsonl")
    # The first poll of the batch never answers (file_1 is its input, so it is batch_2).
    threaded_server.add_fault(Fault.delay(3600, path="/batches/batch_2"))
    args = ["batch", "run", "requests.jsonl", "--endpoint", "/v1/embeddings",
            "--out", "results.jsonl", "--poll-interval", "0.01", "--progress"]  # fmt: skip
    polled = lambda: any(r.path == "/v1/batches/batch_2" for r in threaded_server.requests)  # noqa: E731
    result = interrupt_when(args, tmp_path, threaded_server, "batch_2 validating", polled)
    assert result.returncode == 130, result.stderr
    no_traceback(result)
    assert "openai-async batch resume batch_2 --out" in result.stderr
    assert not (tmp_path / "results.jsonl").exists()

    result = cli("batch", "resume", "batch_2", "--out", "results.jsonl", "--poll-interval", "0.01",
                 "--progress", cwd=tmp_path, server=threaded_server)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "3/3 requests done (batch_2 completed)" in result.stderr
    results = read_results(tmp_path / "results.jsonl")
    assert [r["custom_id"] for r in results] == ["request-0", "mine", "request-2"]


def test_batch_bad_request_line_fails_before_any_batch(tmp_path, threaded_server):
    (tmp_path / "requests.jsonl").write_text('{"model": "m", "input": "x"}\n[1, 2]\n')
    result = cli("batch", "run", "requests.jsonl", "--endpoint", "/v1/embeddings", "--out", "r.jsonl",
                 cwd=tmp_path, server=threaded_server)  # fmt: skip
    assert result.returncode == 1
    assert "InvalidRequestError: requests.jsonl:2: not a JSON object" in result.stderr
    assert not any(r.path == "/v1/batches" for r in threaded_server.requests)


# -- models and files ----------------------------------------------------------------------


def test_models_list(tmp_path):
    result = cli("models", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "gpt-4o-mini" in result.stdout.splitlines()
    result = cli("models", "list", "--json", cwd=tmp_path)
    assert orjson.loads(result.stdout.splitlines()[0])["object"] == "model"


def test_files_upload_list_download(tmp_path, threaded_server):
    (tmp_path / "data.jsonl").write_bytes(b'{"a": 1}\n' * 1000)
    result = cli("files", "upload", "data.jsonl", "--purpose", "batch", cwd=tmp_path,
                 server=threaded_server)  # fmt: skip
    assert result.returncode == 0, result.stderr
    file_id = result.stdout.strip()
    listed = cli("files", "list", cwd=tmp_path, server=threaded_server)
    assert listed.stdout.splitlines() == [f"{file_id}\t9000\tbatch\tdata.jsonl"]
    got = cli(
        "files", "download", file_id, "--out", "copy.jsonl", cwd=tmp_path, server=threaded_server
    )
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "copy.jsonl").read_bytes() == (tmp_path / "data.jsonl").read_bytes()
    got = cli("files", "download", file_id, cwd=tmp_path, server=threaded_server)
    assert got.stdout.encode() == (tmp_path / "data.jsonl").read_bytes()
    missing = cli("files", "download", "file-nope", cwd=tmp_path, server=threaded_server)
    assert missing.returncode == 1
    assert missing.stderr.startswith("openai_async: NotFoundError:")
    no_traceback(missing)
