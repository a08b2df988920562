"""Batch API files without the network: JSONL request files split at the limits, and
result files merged back into input order (no I/O beyond temporary files)."""

from __future__ import annotations

import base64
import struct
from pathlib import Path
from typing import Any

import orjson
import pytest

from openai_async import APIResponseValidationError, InvalidRequestError
from openai_async.lib.batch_jobs import (
    MAX_EMBEDDING_INPUTS,
    BatchRequest,
    ResultMerger,
    result_type,
    write_batch_files,
)
from openai_async.models import ChatCompletion, CreateEmbeddingResponse


def chat(i: int, model: str = "gpt-4o-mini") -> dict[str, Any]:
    return {"model": model, "messages": [{"role": "user", "content": f"question {i}"}]}


def lines(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_requests_become_jsonl_lines_with_a_custom_id_each(tmp_path):
    requests = [chat(0), BatchRequest(chat(1), custom_id="mine"), chat(2)]
    (shard,) = write_batch_files(requests, endpoint="/v1/chat/completions", directory=tmp_path)
    assert shard.first_index == 0 and shard.custom_ids == ["request-0", "mine", "request-2"]
    assert shard.size == shard.path.stat().st_size
    assert lines(shard.path) == [
        {"custom_id": cid, "method": "POST", "url": "/v1/chat/completions", "body": chat(i)}
        for i, cid in enumerate(shard.custom_ids)
    ]
    shard.remove()
    assert list(tmp_path.iterdir()) == []


def test_files_are_split_at_the_request_and_byte_limits(tmp_path):
    shards = list(
        write_batch_files(
            (chat(i) for i in range(25)),
            endpoint="/v1/chat/completions",
            directory=tmp_path,
            max_requests=10,
        )
    )
    assert [len(s.custom_ids) for s in shards] == [10, 10, 5]
    assert [s.first_index for s in shards] == [0, 10, 20]
    line = (
        len(
            orjson.dumps(
                {
                    "custom_id": "request-10",
                    "method": "POST",
                    "url": "/v1/chat/completions",
                    "body": chat(10),
                }
            )
        )
        + 1
    )
    shards = list(
        write_batch_files(
            (chat(i) for i in range(10, 20)),
            endpoint="/v1/chat/completions",
            directory=tmp_path,
            max_bytes=3 * line,
        )
    )
    assert [len(s.custom_ids) for s in shards] == [3, 3, 3, 1]
    assert all(s.size <= 3 * line for s in shards)


def test_embedding_batches_are_split_at_50000_inputs(tmp_path):
    body = {"model": "text-embedding-3-small", "input": ["a"] * 20_000}
    shards = list(write_batch_files([body] * 5, endpoint="/v1/embeddings", directory=tmp_path))
    assert [len(s.custom_ids) for s in shards] == [2, 2, 1]  # 40,000 + 20,000 > 50,000
    assert MAX_EMBEDDING_INPUTS == 50_000


@pytest.mark.parametrize(
    ("requests", "message"),
    [
        ([chat(0), {"messages": []}], "request 1 has no model"),
        ([chat(0), chat(1, model="gpt-4o")], "request 1 is for 'gpt-4o'"),
        ([{**chat(0), "stream": True}], "request 0 asks for a stream"),
        (
            [BatchRequest(chat(0), "x"), BatchRequest(chat(1), "x")],
            "request 1 repeats the custom_id",
        ),
        ([chat(0), {"model": "gpt-4o-mini", "x": object()}], "request 1 cannot be encoded"),
        ([chat(0), {"model": "gpt-4o-mini", "x": "y" * 500}], "request 1 takes"),
    ],
)
def test_bad_requests_name_their_index_and_leave_no_file(tmp_path, requests, message):
    with pytest.raises(InvalidRequestError, match=message):
        list(
            write_batch_files(
                requests, endpoint="/v1/chat/completions", directory=tmp_path, max_bytes=300
            )
        )
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidRequestError, match="endpoint must be one of"):
        list(write_batch_files([chat(0)], endpoint="/v1/images", directory=tmp_path))  # type: ignore[arg-type]


def test_stopping_early_keeps_the_files_handed_out(tmp_path):
    files = write_batch_files(
        (chat(i) for i in range(5)),
        endpoint="/v1/chat/completions",
        directory=tmp_path,
        max_requests=2,
    )
    first = next(files)
    files.close()
    assert list(tmp_path.iterdir()) == [first.path]  # the caller removes it once uploaded
    first.remove()


def completion(custom_id: str, text: str) -> bytes:
    body = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
    }
    line = {
        "id": f"batch_req_{custom_id}",
        "custom_id": custom_id,
        "response": {"status_code": 200, "request_id": f"req_{custom_id}", "body": body},
        "error": None,
    }
    return orjson.dumps(line) + b"\n"


def test_results_come_back_in_input_order_failures_apart():
    ids = ["a", "b", "c", "d", "e"]
    merger = ResultMerger(ids, result_type("/v1/chat/completions"))
    output = completion("e", "E") + completion("a", "A") + completion("c", "C")
    errors = orjson.dumps(
        {
            "id": "batch_req_b",
            "custom_id": "b",
            "response": {
                "status_code": 400,
                "request_id": "req_b",
                "body": {
                    "error": {
                        "message": "bad",
                        "type": "invalid_request_error",
                        "code": "bad_input",
                    }
                },
            },
            "error": None,
        }
    )
    for i in range(0, len(output), 7):  # bytes as they arrive, cut anywhere
        merger.feed(output[i : i + 7])
    merger.end_of_file()
    merger.feed(errors)  # no final newline
    merger.end_of_file()
    outcome = merger.finish()
    assert [r.custom_id for r in outcome.results] == ["a", "c", "e"]
    assert [r.index for r in outcome.results] == [0, 2, 4]
    first = outcome.results[0]
    assert isinstance(first.response, ChatCompletion)
    assert first.response.choices[0].message.content == "A" and first.request_id == "req_a"
    assert [(f.custom_id, f.status_code, f.code, f.message) for f in outcome.failed] == [
        ("b", 400, "bad_input", "bad"),
        ("d", None, "missing", "no result line for this request"),
    ]
    assert len(outcome) == 5


def test_an_error_object_line_and_base64_embeddings():
    merger = ResultMerger(["x", "y"], result_type("/v1/embeddings"))
    vector = base64.b64encode(struct.pack("<2f", 0.5, -1.0)).decode()
    body = {
        "object": "list",
        "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": vector}],
        "usage": {"prompt_tokens": 1, "total_tokens": 1},
    }
    merger.add_line(
        orjson.dumps(
            {"custom_id": "x", "response": {"status_code": 200, "body": body}, "error": None}
        )
    )
    merger.add_line(
        orjson.dumps(
            {
                "custom_id": "y",
                "response": None,
                "error": {"code": "batch_expired", "message": "expired"},
            }
        )
    )
    outcome = merger.finish()
    (result,) = outcome.results
    assert isinstance(result.response, CreateEmbeddingResponse)
    assert result.response.data[0].embedding == [0.5, -1.0]
    assert [(f.code, f.message, f.status_code) for f in outcome.failed] == [
        ("batch_expired", "expired", None)
    ]


def test_lines_that_cannot_be_merged_are_clear_errors():
    merger = ResultMerger(["a"], result_type("/v1/chat/completions"))
    with pytest.raises(APIResponseValidationError, match="not JSON"):
        merger.add_line(b"{torn")
    with pytest.raises(APIResponseValidationError, match="unknown or repeated custom_id 'zz'"):
        merger.add_line(completion("zz", "?"))
    merger.add_line(completion("a", "A"))
    with pytest.raises(APIResponseValidationError, match="repeated"):
        merger.add_line(completion("a", "A"))
    bad = orjson.dumps({"custom_id": "b", "response": {"status_code": 200, "body": {"choices": 5}}})
    with pytest.raises(APIResponseValidationError, match="does not match"):
        ResultMerger(["b"], result_type("/v1/chat/completions")).add_line(bad)
    with pytest.raises(InvalidRequestError, match="unique"):
        ResultMerger(["a", "a"], dict)
