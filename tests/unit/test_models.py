"""Response models of chat completions, completions, embeddings and models (no I/O).

JSON marked "spec example" is copied from the operation / schema ``x-oaiMeta`` examples of
the OpenAPI spec; edits needed to make it valid JSON or to match the schema are noted.
"""

from __future__ import annotations

import ast
import copy
import inspect
import itertools
import logging
import pickle
import typing
from typing import Any, Literal, get_args

import attrs
import pytest

import openai_async.models as models_pkg
from openai_async._converter import converter, loads
from openai_async._models import BaseModel, UnknownVariant
from openai_async.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionDeleted,
    ChatCompletionList,
    ChatCompletionMessage,
    ChatCompletionMessageCustomToolCall,
    ChatCompletionMessageToolCall,
    ChatCompletionMessageToolCallChunk,
    ChatCompletionModeration,
    ChatCompletionModerationError,
    ChatCompletionModerationResults,
    ChatCompletionRequestMessage,
    ChatCompletionRequestUserMessage,
    ChatCompletionResponseMessage,
    ChatCompletionResponseMessageAnnotationsItem,
    ChatCompletionStreamResponseDelta,
    ChatCompletionTokenLogprob,
    ChatCompletionToolChoiceOption,
    Completion,
    CompletionUsage,
    CompletionUsageCompletionTokensDetails,
    CreateChatCompletionResponse,
    CreateChatCompletionStreamResponse,
    CreateCompletionResponse,
    CreateEmbeddingResponse,
    DeleteModelResponse,
    Embedding,
    ListModelsResponse,
    Model,
    ModelDeleted,
    ModerationResultBody,
)
from openai_async.models import chat as chat_module

# --- spec examples -----------------------------------------------------------------

# spec example: POST /chat/completions "Default"
CHAT_DEFAULT = """{
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-5.4",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Hello! How can I assist you today?",
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {
      "cached_tokens": 0,
      "audio_tokens": 0
    },
    "completion_tokens_details": {
      "reasoning_tokens": 0,
      "audio_tokens": 0,
      "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0
    }
  },
  "service_tier": "default"
}"""

# spec example: POST /chat/completions "Functions". Edit: the example omits the message's
# `refusal`, which the schema requires (nullable); added as null.
CHAT_FUNCTIONS = r"""{
  "id": "chatcmpl-abc123",
  "object": "chat.completion",
  "created": 1699896916,
  "model": "gpt-4o-mini",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": null,
        "refusal": null,
        "tool_calls": [
          {
            "id": "call_abc123",
            "type": "function",
            "function": {
              "name": "get_current_weather",
              "arguments": "{\n\"location\": \"Boston, MA\"\n}"
            }
          }
        ]
      },
      "logprobs": null,
      "finish_reason": "tool_calls"
    }
  ],
  "usage": {
    "prompt_tokens": 82,
    "completion_tokens": 17,
    "total_tokens": 99,
    "completion_tokens_details": {
      "reasoning_tokens": 0,
      "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0
    }
  }
}"""

# spec example: POST /chat/completions "Logprobs", shortened to its first and third
# tokens. Edits: the example omits `refusal` in the message and in `logprobs`, both
# required (nullable) by the schema; added as null.
CHAT_LOGPROBS = """{
  "id": "chatcmpl-123",
  "object": "chat.completion",
  "created": 1702685778,
  "model": "gpt-4o-mini",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Hello! How can I assist you today?",
        "refusal": null
      },
      "logprobs": {
        "content": [
          {
            "token": "Hello",
            "logprob": -0.31725305,
            "bytes": [72, 101, 108, 108, 111],
            "top_logprobs": [
              {
                "token": "Hello",
                "logprob": -0.31725305,
                "bytes": [72, 101, 108, 108, 111]
              },
              {
                "token": "Hi",
                "logprob": -1.3190403,
                "bytes": [72, 105]
              }
            ]
          },
          {
            "token": " How",
            "logprob": -0.000054669687,
            "bytes": [32, 72, 111, 119],
            "top_logprobs": [
              {
                "token": " How",
                "logprob": -0.000054669687,
                "bytes": [32, 72, 111, 119]
              },
              {
                "token": "<|end|>",
                "logprob": -10.953937,
                "bytes": null
              }
            ]
          }
        ],
        "refusal": null
      },
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 9,
    "completion_tokens": 9,
    "total_tokens": 18,
    "completion_tokens_details": {
      "reasoning_tokens": 0,
      "accepted_prediction_tokens": 0,
      "rejected_prediction_tokens": 0
    }
  },
  "system_fingerprint": null
}"""

# spec example: CreateChatCompletionStreamResponse (the "...." line between chunks dropped)
CHAT_STREAM = [
    '{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}],"obfuscation":"r4N7vQ2m"}',
    '{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}],"obfuscation":"p9K3xT6w"}',
    '{"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini", "system_fingerprint": "fp_44709d6fcb", "choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}],"obfuscation":""}',
]

# spec example: GET /chat/completions. Edit: the example omits the message's `refusal`
# (required, nullable); added as null. Its many undeclared fields are kept on purpose.
CHAT_LIST = """{
  "object": "list",
  "data": [
    {
      "object": "chat.completion",
      "id": "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2",
      "model": "gpt-5.4",
      "created": 1738960610,
      "request_id": "req_ded8ab984ec4bf840f37566c1011c417",
      "tool_choice": null,
      "usage": {
        "total_tokens": 31,
        "completion_tokens": 18,
        "prompt_tokens": 13
      },
      "seed": 4944116822809979520,
      "top_p": 1.0,
      "temperature": 1.0,
      "presence_penalty": 0.0,
      "frequency_penalty": 0.0,
      "system_fingerprint": "fp_50cad350e4",
      "input_user": null,
      "service_tier": "default",
      "tools": null,
      "metadata": {},
      "choices": [
        {
          "index": 0,
          "message": {
            "content": "Mind of circuits hum,  \\nLearning patterns in silence\u2014  \\nFuture's quiet spark.",
            "refusal": null,
            "role": "assistant",
            "tool_calls": null,
            "function_call": null
          },
          "finish_reason": "stop",
          "logprobs": null
        }
      ],
      "response_format": null
    }
  ],
  "first_id": "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2",
  "last_id": "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2",
  "has_more": false
}"""

# spec example: POST /completions "No streaming"
COMPLETION = r"""{
  "id": "cmpl-uqkvlQyYK7bGYrRHQ0eXlWi7",
  "object": "text_completion",
  "created": 1589478378,
  "model": "VAR_completion_model_id",
  "system_fingerprint": "fp_44709d6fcb",
  "choices": [
    {
      "text": "\n\nThis is indeed a test",
      "index": 0,
      "logprobs": null,
      "finish_reason": "length"
    }
  ],
  "usage": {
    "prompt_tokens": 5,
    "completion_tokens": 7,
    "total_tokens": 12
  }
}"""

# spec example: POST /completions "Streaming". Edit: the example is not valid JSON (a
# comma missing after "model", a trailing comma after "system_fingerprint"); fixed.
COMPLETION_STREAM_CHUNK = """{
  "id": "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe",
  "object": "text_completion",
  "created": 1690759702,
  "choices": [
    {
      "text": "This",
      "index": 0,
      "logprobs": null,
      "finish_reason": null
    }
  ],
  "model": "gpt-3.5-turbo-instruct",
  "system_fingerprint": "fp_44709d6fcb"
}"""

# spec example: POST /embeddings. Edit: the example elides the vector ("....") and has a
# trailing comma; three floats kept.
EMBEDDINGS = """{
  "object": "list",
  "data": [
    {
      "object": "embedding",
      "embedding": [
        0.0023064255,
        -0.009327292,
        -0.0028842222
      ],
      "index": 0
    }
  ],
  "model": "text-embedding-ada-002",
  "usage": {
    "prompt_tokens": 8,
    "total_tokens": 8
  }
}"""

# spec example: GET /models. Edit: trailing comma after the last model removed.
MODELS_LIST = """{
  "object": "list",
  "data": [
    {
      "id": "model-id-0",
      "object": "model",
      "created": 1686935002,
      "owned_by": "organization-owner",
      "shutdown_date": null
    },
    {
      "id": "model-id-1",
      "object": "model",
      "created": 1686935002,
      "owned_by": "organization-owner",
      "shutdown_date": null
    },
    {
      "id": "model-id-2",
      "object": "model",
      "created": 1686935002,
      "owned_by": "openai",
      "shutdown_date": "2026-10-23"
    }
  ]
}"""

# spec example: GET /models/{model}
MODEL = """{
  "id": "VAR_chat_model_id",
  "object": "model",
  "created": 1686935002,
  "owned_by": "openai",
  "shutdown_date": "2026-10-23"
}"""

# spec example: DELETE /models/{model}
MODEL_DELETED = """{
  "id": "ft:gpt-4o-mini:acemeco:suffix:abc123",
  "object": "model",
  "deleted": true
}"""


# --- realistic payloads without a spec example -----------------------------------------


def _chat(message: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1741569952,
        "model": "gpt-5.4",
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        **extra,
    }


def _chunk(choices: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-123",
        "object": "chat.completion.chunk",
        "created": 1694268190,
        "model": "gpt-4o-mini",
        "choices": choices,
        **extra,
    }


RICH_MESSAGE: dict[str, Any] = {
    "role": "assistant",
    "content": "Paris is sunny [1].",
    "refusal": None,
    "annotations": [
        {
            "type": "url_citation",
            "url_citation": {
                "start_index": 15,
                "end_index": 18,
                "url": "https://example.com/weather",
                "title": "Weather in Paris",
            },
        }
    ],
    "tool_calls": [
        {
            "id": "call_1",
            "type": "function",
            "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
        },
        {"id": "call_2", "type": "custom", "custom": {"name": "sql", "input": "SELECT 1"}},
    ],
    "audio": {
        "id": "audio_abc",
        "expires_at": 1741573552,
        "data": "UklGRg==",
        "transcript": "Paris is sunny.",
    },
}

MODERATION: dict[str, Any] = {
    "input": {
        "type": "moderation_results",
        "model": "omni-moderation-latest",
        "results": [
            {
                "type": "moderation_result",
                "model": "omni-moderation-latest",
                "flagged": False,
                "categories": {"violence": False, "self-harm/intent": False},
                "category_scores": {"violence": 0.0001, "self-harm/intent": 0},
                "category_applied_input_types": {"violence": ["text", "image"]},
            }
        ],
    },
    "output": {"type": "error", "code": "moderation_unavailable", "message": "try later"},
}


def s(data: Any, cls: type[Any]) -> Any:
    return converter.structure(data, cls)


# --- chat completions -------------------------------------------------------------


def test_chat_completion_default_example() -> None:
    obj = s(loads(CHAT_DEFAULT), CreateChatCompletionResponse)
    assert isinstance(obj, CreateChatCompletionResponse)
    assert obj.id == "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT"
    assert obj.object == "chat.completion"
    assert obj.created == 1741569952
    assert obj.service_tier == "default"
    (choice,) = obj.choices
    assert choice.index == 0
    assert choice.finish_reason == "stop"
    assert choice.logprobs is None
    assert isinstance(choice.message, ChatCompletionResponseMessage)
    assert choice.message.content == "Hello! How can I assist you today?"
    assert choice.message.refusal is None
    assert choice.message.annotations == []
    assert choice.message.tool_calls is None
    assert isinstance(obj.usage, CompletionUsage)
    assert (obj.usage.prompt_tokens, obj.usage.completion_tokens, obj.usage.total_tokens) == (
        19,
        10,
        29,
    )
    assert obj.usage.prompt_tokens_details is not None
    assert obj.usage.prompt_tokens_details.cached_tokens == 0
    assert obj.usage.prompt_tokens_details.image_tokens is None
    details = obj.usage.completion_tokens_details
    assert isinstance(details, CompletionUsageCompletionTokensDetails)
    assert details.rejected_prediction_tokens == 0
    assert details.text_tokens is None
    assert obj.model_extra == {}


def test_chat_completion_function_tool_call_example() -> None:
    obj = s(loads(CHAT_FUNCTIONS), ChatCompletion)
    choice = obj.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls is not None
    (call,) = choice.message.tool_calls
    assert isinstance(call, ChatCompletionMessageToolCall)
    assert call.id == "call_abc123"
    assert call.type == "function"
    assert call.function.name == "get_current_weather"
    assert loads(call.function.arguments) == {"location": "Boston, MA"}
    assert obj.usage is not None
    assert obj.usage.prompt_tokens_details is None


def test_chat_completion_logprobs_example() -> None:
    obj = s(loads(CHAT_LOGPROBS), ChatCompletion)
    logprobs = obj.choices[0].logprobs
    assert logprobs is not None
    assert logprobs.refusal is None
    assert logprobs.content is not None
    first, second = logprobs.content
    assert isinstance(first, ChatCompletionTokenLogprob)
    assert first.token == "Hello"
    assert first.logprob == pytest.approx(-0.31725305)
    assert first.bytes == [72, 101, 108, 108, 111]
    assert [t.token for t in first.top_logprobs] == ["Hello", "Hi"]
    assert second.top_logprobs[1].token == "<|end|>"
    assert second.top_logprobs[1].bytes is None
    assert obj.system_fingerprint is None


def test_message_with_custom_tool_call_annotation_and_audio() -> None:
    obj = s(_chat(RICH_MESSAGE), ChatCompletion)
    message = obj.choices[0].message
    assert message.tool_calls is not None
    function_call, custom_call = message.tool_calls
    assert isinstance(function_call, ChatCompletionMessageToolCall)
    assert function_call.function.arguments == '{"city": "Paris"}'
    assert isinstance(custom_call, ChatCompletionMessageCustomToolCall)
    assert custom_call.custom.name == "sql"
    assert custom_call.custom.input == "SELECT 1"
    assert message.annotations is not None
    (annotation,) = message.annotations
    assert isinstance(annotation, ChatCompletionResponseMessageAnnotationsItem)
    assert annotation.type == "url_citation"
    assert annotation.url_citation.url == "https://example.com/weather"
    assert (annotation.url_citation.start_index, annotation.url_citation.end_index) == (15, 18)
    assert message.audio is not None
    assert message.audio.transcript == "Paris is sunny."
    assert message.audio.expires_at == 1741573552


def test_refusal_message() -> None:
    message = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    obj = s(_chat(message), ChatCompletion)
    assert obj.choices[0].message.refusal == "I can't help with that."
    assert obj.choices[0].message.content is None


def test_deprecated_function_call_is_kept() -> None:
    message = {
        "role": "assistant",
        "content": None,
        "refusal": None,
        "function_call": {"name": "f", "arguments": "{}"},
    }
    obj = s(_chat(message), ChatCompletion)
    function_call = obj.choices[0].message.function_call
    assert function_call is not None
    assert (function_call.name, function_call.arguments) == ("f", "{}")


def test_moderation_union_is_resolved_by_type() -> None:
    obj = s(_chat(RICH_MESSAGE, moderation=MODERATION), ChatCompletion)
    assert isinstance(obj.moderation, ChatCompletionModeration)
    assert isinstance(obj.moderation.input, ChatCompletionModerationResults)
    (result,) = obj.moderation.input.results
    assert isinstance(result, ModerationResultBody)
    assert result.categories == {"violence": False, "self-harm/intent": False}
    assert result.category_applied_input_types == {"violence": ["text", "image"]}
    assert isinstance(obj.moderation.output, ChatCompletionModerationError)
    assert obj.moderation.output.code == "moderation_unavailable"


def test_chat_completion_list_example_keeps_undeclared_fields() -> None:
    page = s(loads(CHAT_LIST), ChatCompletionList)
    assert page.object == "list"
    assert page.has_more is False
    assert page.first_id == page.last_id == "chatcmpl-AyPNinnUqUDYo9SAdA52NobMflmj2"
    (completion,) = page.data
    assert isinstance(completion, CreateChatCompletionResponse)
    assert completion.metadata == {}
    assert completion.model_extra["seed"] == 4944116822809979520
    assert completion.model_extra["request_id"] == "req_ded8ab984ec4bf840f37566c1011c417"
    assert completion.model_extra["tools"] is None
    message = completion.choices[0].message
    assert message.tool_calls is None
    assert message.function_call is None
    assert message.content is not None
    assert message.content.startswith("Mind of circuits hum,")
    assert completion.usage is not None
    assert completion.usage.completion_tokens_details is None


def test_chat_completion_deleted() -> None:
    data = {"object": "chat.completion.deleted", "id": "chatcmpl-1", "deleted": True}
    obj = s(data, ChatCompletionDeleted)
    assert (obj.object, obj.id, obj.deleted) == ("chat.completion.deleted", "chatcmpl-1", True)


# --- chat completion chunks ---------------------------------------------------------


def test_stream_chunks_example() -> None:
    first, second, last = (s(loads(c), ChatCompletionChunk) for c in CHAT_STREAM)
    assert isinstance(first, CreateChatCompletionStreamResponse)
    assert first.object == "chat.completion.chunk"
    assert first.obfuscation == "r4N7vQ2m"
    assert first.system_fingerprint == "fp_44709d6fcb"
    assert first.usage is None
    assert first.choices[0].delta.role == "assistant"
    assert first.choices[0].delta.content == ""
    assert first.choices[0].finish_reason is None
    assert first.choices[0].logprobs is None
    assert second.choices[0].delta.role is None
    assert second.choices[0].delta.content == "Hello"
    assert last.choices[0].finish_reason == "stop"
    assert last.obfuscation == ""


def test_empty_stream_delta_has_every_field_none() -> None:
    delta = s({}, ChatCompletionStreamResponseDelta)
    assert isinstance(delta, ChatCompletionStreamResponseDelta)
    for field in attrs.fields(ChatCompletionStreamResponseDelta):
        assert getattr(delta, field.name) is None, field.name


def test_stream_tool_call_deltas() -> None:
    start = _chunk(
        [
            {
                "index": 0,
                "delta": {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "index": 0,
                            "id": "call_1",
                            "type": "function",
                            "function": {"name": "get_weather", "arguments": ""},
                        }
                    ],
                },
                "logprobs": None,
                "finish_reason": None,
            }
        ]
    )
    more = _chunk(
        [
            {
                "index": 0,
                "delta": {"tool_calls": [{"index": 0, "function": {"arguments": '{"city":'}}]},
                "finish_reason": None,
            }
        ]
    )
    first = s(start, ChatCompletionChunk).choices[0].delta.tool_calls[0]
    assert isinstance(first, ChatCompletionMessageToolCallChunk)
    assert (first.index, first.id, first.type) == (0, "call_1", "function")
    assert first.function is not None
    assert (first.function.name, first.function.arguments) == ("get_weather", "")
    choice = s(more, ChatCompletionChunk).choices[0]
    assert choice.logprobs is None
    following = choice.delta.tool_calls[0]
    assert (following.index, following.id, following.type) == (0, None, None)
    assert following.function.name is None
    assert following.function.arguments == '{"city":'


def test_stream_usage_chunk_has_no_choices() -> None:
    data = _chunk(
        [], usage={"prompt_tokens": 9, "completion_tokens": 12, "total_tokens": 21}, obfuscation="x"
    )
    chunk = s(data, ChatCompletionChunk)
    assert chunk.choices == []
    assert chunk.usage is not None
    assert chunk.usage.total_tokens == 21


def test_stream_refusal_and_logprobs_delta() -> None:
    logprob = {"token": "I", "logprob": -0.1, "bytes": [73], "top_logprobs": []}
    data = _chunk(
        [
            {
                "index": 0,
                "delta": {"refusal": "I"},
                "logprobs": {"content": None, "refusal": [logprob]},
                "finish_reason": None,
            }
        ]
    )
    choice = s(data, ChatCompletionChunk).choices[0]
    assert choice.delta.refusal == "I"
    assert choice.delta.content is None
    assert choice.logprobs is not None
    assert choice.logprobs.content is None
    assert choice.logprobs.refusal is not None
    assert choice.logprobs.refusal[0].bytes == [73]


# --- completions, embeddings, models -------------------------------------------------


def test_completion_example() -> None:
    obj = s(loads(COMPLETION), Completion)
    assert isinstance(obj, CreateCompletionResponse)
    assert obj.object == "text_completion"
    assert obj.system_fingerprint == "fp_44709d6fcb"
    (choice,) = obj.choices
    assert choice.text == "\n\nThis is indeed a test"
    assert choice.finish_reason == "length"
    assert choice.logprobs is None
    assert obj.usage is not None
    assert obj.usage.total_tokens == 12


def test_completion_stream_chunk_example() -> None:
    # The schema declares finish_reason non-nullable, but streamed chunks carry null.
    obj = s(loads(COMPLETION_STREAM_CHUNK), Completion)
    assert obj.choices[0].text == "This"
    assert obj.choices[0].finish_reason is None
    assert obj.usage is None


def test_completion_logprobs() -> None:
    data = loads(COMPLETION)
    data["choices"][0]["logprobs"] = {
        "tokens": ["\n", "This"],
        "token_logprobs": [-0.5, -1],
        "top_logprobs": [{"\n": -0.5, " ": -2.25}, {"This": -1}],
        "text_offset": [0, 2],
    }
    logprobs = s(data, Completion).choices[0].logprobs
    assert logprobs is not None
    assert logprobs.tokens == ["\n", "This"]
    assert logprobs.token_logprobs == [-0.5, -1]
    assert logprobs.top_logprobs == [{"\n": -0.5, " ": -2.25}, {"This": -1}]
    assert logprobs.text_offset == [0, 2]


def test_embeddings_example() -> None:
    obj = s(loads(EMBEDDINGS), CreateEmbeddingResponse)
    assert obj.object == "list"
    assert obj.model == "text-embedding-ada-002"
    (embedding,) = obj.data
    assert isinstance(embedding, Embedding)
    assert embedding.object == "embedding"
    assert embedding.index == 0
    assert embedding.embedding == [0.0023064255, -0.009327292, -0.0028842222]
    assert (obj.usage.prompt_tokens, obj.usage.total_tokens) == (8, 8)


def test_models_examples() -> None:
    page = s(loads(MODELS_LIST), ListModelsResponse)
    assert page.object == "list"
    assert [m.id for m in page.data] == ["model-id-0", "model-id-1", "model-id-2"]
    assert all(isinstance(m, Model) for m in page.data)
    assert [m.shutdown_date for m in page.data] == [None, None, "2026-10-23"]
    model = s(loads(MODEL), Model)
    assert (model.id, model.object, model.created, model.owned_by) == (
        "VAR_chat_model_id",
        "model",
        1686935002,
        "openai",
    )
    missing_date = s({"id": "m", "object": "model", "created": 1, "owned_by": "o"}, Model)
    assert missing_date.shutdown_date is None


def test_model_deleted_example() -> None:
    obj = s(loads(MODEL_DELETED), ModelDeleted)
    assert isinstance(obj, DeleteModelResponse)
    assert (obj.id, obj.object, obj.deleted) == (
        "ft:gpt-4o-mini:acemeco:suffix:abc123",
        "model",
        True,
    )


# --- forward compatibility ------------------------------------------------------------


def test_unknown_fields_are_kept_and_written_back() -> None:
    data = _chat(
        {**RICH_MESSAGE, "reasoning_content": "thinking..."},
        provider="openrouter",
        usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "cost": 0.5},
    )
    obj = s(data, ChatCompletion)
    assert obj.model_extra == {"provider": "openrouter"}
    assert obj.provider == "openrouter"  # undeclared fields read like attributes
    message = obj.choices[0].message
    assert message.model_extra == {"reasoning_content": "thinking..."}
    assert obj.usage is not None
    assert obj.usage.model_extra == {"cost": 0.5}
    out = obj.to_dict()
    assert out["provider"] == "openrouter"
    assert out["choices"][0]["message"]["reasoning_content"] == "thinking..."
    assert out["usage"]["cost"] == 0.5


def test_unknown_enum_values_arrive_as_strings() -> None:
    data = _chat({"role": "assistant", "content": "hi", "refusal": None}, service_tier="ultra")
    data["choices"][0]["finish_reason"] = "something_new"
    obj = s(data, ChatCompletion)
    assert obj.choices[0].finish_reason == "something_new"
    assert obj.service_tier == "ultra"
    chunk = s(
        _chunk([{"index": 0, "delta": {"role": "critic"}, "finish_reason": "paused"}]),
        ChatCompletionChunk,
    )
    assert chunk.choices[0].delta.role == "critic"
    assert chunk.choices[0].finish_reason == "paused"


def test_unknown_tool_call_type_is_an_unknown_variant() -> None:
    new_call = {"id": "call_3", "type": "mcp", "mcp": {"server": "x", "input": "{}"}}
    message = {**RICH_MESSAGE, "tool_calls": [*RICH_MESSAGE["tool_calls"], new_call]}
    obj = s(_chat(message), ChatCompletion)
    tool_calls = obj.choices[0].message.tool_calls
    assert tool_calls is not None
    assert [type(c) for c in tool_calls] == [
        ChatCompletionMessageToolCall,
        ChatCompletionMessageCustomToolCall,
        UnknownVariant,
    ]
    unknown = tool_calls[2]
    assert isinstance(unknown, UnknownVariant)
    assert unknown.raw == new_call
    assert unknown.type == "mcp"
    assert obj.to_dict()["choices"][0]["message"]["tool_calls"][2] == new_call


def test_unknown_moderation_type_is_an_unknown_variant() -> None:
    moderation = {**MODERATION, "output": {"type": "skipped", "reason": "too long"}}
    obj = s(_chat(RICH_MESSAGE, moderation=moderation), ChatCompletion)
    assert obj.moderation is not None
    assert obj.moderation.output == UnknownVariant({"type": "skipped", "reason": "too long"})


def test_missing_optional_fields_are_none() -> None:
    minimal = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "m",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "logprobs": None,
                "message": {"role": "assistant", "content": "hi", "refusal": None},
            }
        ],
    }
    obj = s(minimal, ChatCompletion)
    for name in ("metadata", "service_tier", "system_fingerprint", "usage", "moderation"):
        assert getattr(obj, name) is None, name
    message = obj.choices[0].message
    for name in ("tool_calls", "annotations", "function_call", "audio"):
        assert getattr(message, name) is None, name
    usage = s({"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}, CompletionUsage)
    assert usage.completion_tokens_details is None
    assert usage.prompt_tokens_details is None


@pytest.mark.parametrize(
    ("cls", "data", "missing"),
    [
        (ChatCompletion, loads(CHAT_DEFAULT), "id"),
        (ChatCompletion, loads(CHAT_DEFAULT), "choices"),
        (ChatCompletionChunk, loads(CHAT_STREAM[0]), "created"),
        (CreateEmbeddingResponse, loads(EMBEDDINGS), "usage"),
        (Model, loads(MODEL), "owned_by"),
        (ModelDeleted, loads(MODEL_DELETED), "deleted"),
        (ChatCompletionMessageToolCall, RICH_MESSAGE["tool_calls"][0], "function"),
        (ChatCompletionMessageToolCallChunk, {"index": 0, "id": "call_1"}, "index"),
    ],
)
def test_missing_required_field_arrives_as_none_and_is_logged(
    cls: type[Any], data: dict[str, Any], missing: str, caplog: pytest.LogCaptureFixture
) -> None:
    # Policy: a server that leaves out a required field (llama.cpp omits Model.created,
    # the spec's own examples omit others) does not fail the whole response.
    complete = s(data, cls)
    broken = {k: v for k, v in data.items() if k != missing}
    with caplog.at_level(logging.DEBUG, logger="openai_async"):
        obj = s(broken, cls)
    assert getattr(obj, missing) is None
    assert getattr(complete, missing) is not None
    assert f"{cls.__name__} arrived without required field(s) ['{missing}']" in caplog.text


def test_missing_required_nested_field_arrives_as_none() -> None:
    data = loads(CHAT_DEFAULT)
    del data["choices"][0]["message"]["role"]
    assert s(data, ChatCompletion).choices[0].message.role is None


ROUND_TRIP = {
    "chat-default": (ChatCompletion, loads(CHAT_DEFAULT)),
    "chat-functions": (ChatCompletion, loads(CHAT_FUNCTIONS)),
    "chat-logprobs": (ChatCompletion, loads(CHAT_LOGPROBS)),
    "chat-rich": (ChatCompletion, _chat(RICH_MESSAGE, moderation=MODERATION, extra={"x": [1]})),
    "chat-list": (ChatCompletionList, loads(CHAT_LIST)),
    "chunk-first": (ChatCompletionChunk, loads(CHAT_STREAM[0])),
    "chunk-last": (ChatCompletionChunk, loads(CHAT_STREAM[2])),
    "completion": (Completion, loads(COMPLETION)),
    "embeddings": (CreateEmbeddingResponse, loads(EMBEDDINGS)),
    "models": (ListModelsResponse, loads(MODELS_LIST)),
    "model-deleted": (ModelDeleted, loads(MODEL_DELETED)),
}


@pytest.mark.parametrize(("cls", "data"), ROUND_TRIP.values(), ids=ROUND_TRIP.keys())
def test_to_dict_round_trip(cls: type[BaseModel], data: dict[str, Any]) -> None:
    obj = s(data, cls)
    out = obj.to_dict()
    assert out == data  # every key received is written back, nothing else
    again = s(out, cls)
    assert again == obj
    assert again.to_dict() == out  # also compares the undeclared fields, which == ignores
    # model_dump() writes every field: absent optional ones come back as null.
    full = obj.model_dump(by_alias=True)
    assert s(full, cls) == obj
    assert obj.to_dict(exclude_none=True) == _drop_none(data) == _drop_none(full)


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


# --- package shape ------------------------------------------------------------------


def test_friendly_aliases() -> None:
    assert ChatCompletion is CreateChatCompletionResponse
    assert ChatCompletionChunk is CreateChatCompletionStreamResponse
    assert ChatCompletionMessage is ChatCompletionResponseMessage
    assert Completion is CreateCompletionResponse
    assert ModelDeleted is DeleteModelResponse
    assert models_pkg.Model is Model
    assert models_pkg.Model.__module__ == "openai_async.models.models"


def test_all_is_sorted_and_complete() -> None:
    names = models_pkg.__all__
    assert names == sorted(names)
    assert len(names) == len(set(names))
    for module_name in ("chat", "completions", "embeddings", "models", "shared"):
        module = getattr(models_pkg, module_name)
        assert module.__all__ == sorted(module.__all__)
        public = {
            n
            for n, v in vars(module).items()
            if not n.startswith("_") and getattr(v, "__module__", None) == module.__name__
        }
        assert public <= set(module.__all__), module_name
        assert set(module.__all__) <= set(names), module_name
    for name in names:
        assert hasattr(models_pkg, name), name


def _response_classes() -> list[type[Any]]:
    found: list[type[Any]] = []
    for name in models_pkg.__all__:
        value = getattr(models_pkg, name)
        if isinstance(value, type) and attrs.has(value) and value not in found:
            found.append(value)
    return found


@pytest.mark.parametrize("cls", _response_classes(), ids=lambda c: c.__name__)
def test_response_class_shape(cls: type[Any]) -> None:
    assert BaseModel in cls.__mro__
    assert all("__slots__" in vars(base) for base in cls.__mro__[:-1])  # no __dict__
    hints = typing.get_type_hints(cls)
    for field in attrs.fields(cls):
        assert field.kw_only, field.name
        allows_none = type(None) in get_args(hints[field.name])
        if field.default is attrs.NOTHING:
            continue  # required
        assert field.default is None, field.name
        assert allows_none, field.name
    with pytest.raises(TypeError, match="positional"):
        cls(0)  # keyword-only


def test_required_nullable_fields_default_to_none() -> None:
    # Compatible servers (and the spec's own examples) omit required-but-nullable
    # fields such as `refusal`; they arrive as None instead of failing the response.
    fields = attrs.fields_dict(ChatCompletionResponseMessage)
    for name in ("content", "refusal"):
        assert fields[name].default is None
    assert attrs.fields_dict(ChatCompletionResponseMessage)["role"].default is attrs.NOTHING
    message = converter.structure(
        {"role": "assistant", "content": "hi"}, ChatCompletionResponseMessage
    )
    assert message.refusal is None
    choice = attrs.fields_dict(models_pkg.CreateChatCompletionStreamResponseChoicesItem)
    assert choice["finish_reason"].default is None
    assert choice["index"].default is attrs.NOTHING


def test_class_and_attribute_docstrings() -> None:
    assert (ChatCompletion.__doc__ or "").startswith("Represents a chat completion response")
    tree = ast.parse(inspect.getsource(chat_module))
    docs: dict[str, Any] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == "CreateChatCompletionResponse":
            body = node.body
            for stmt, following in itertools.pairwise(body):
                if (
                    isinstance(stmt, ast.AnnAssign)
                    and isinstance(stmt.target, ast.Name)
                    and isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                ):
                    docs[stmt.target.id] = following.value.value
    assert docs["id"] == "A unique identifier for the chat completion."
    assert docs["system_fingerprint"].startswith("Deprecated. This fingerprint")


@pytest.mark.parametrize(
    "duplicate",
    [copy.copy, copy.deepcopy, lambda o: pickle.loads(pickle.dumps(o))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_undeclared_fields_survive_copy_and_pickle(duplicate: Any) -> None:
    obj = s(loads(MODEL) | {"permission": []}, Model)
    assert duplicate(obj).model_extra == {"permission": []}


# --- request parameter types ------------------------------------------------------------


def test_request_typeddicts_required_and_optional_keys() -> None:
    assert ChatCompletionRequestUserMessage.__required_keys__ == {"content", "role"}
    assert ChatCompletionRequestUserMessage.__optional_keys__ == {"name"}
    assistant = chat_module.ChatCompletionRequestAssistantMessage
    assert assistant.__required_keys__ == {"role"}
    assert "tool_calls" in assistant.__optional_keys__
    tool = chat_module.ChatCompletionRequestToolMessage
    assert tool.__required_keys__ == {"role", "content", "tool_call_id"}
    assert models_pkg.ChatCompletionStreamOptions.__optional_keys__ == {
        "include_usage",
        "include_obfuscation",
    }
    # TypedDicts are plain dicts at run time
    message: ChatCompletionRequestUserMessage = {"role": "user", "content": "hi"}
    assert message == {"role": "user", "content": "hi"}


def test_request_unions() -> None:
    roles = {
        typing.get_type_hints(member)["role"] for member in get_args(ChatCompletionRequestMessage)
    }
    assert {get_args(r)[0] for r in roles} == {
        "developer",
        "system",
        "user",
        "assistant",
        "tool",
        "function",
    }
    members = get_args(ChatCompletionToolChoiceOption)
    assert Literal["none", "auto", "required"] in members
    assert models_pkg.ChatCompletionNamedToolChoice in members
    # the request-side tool call is a TypedDict, distinct from the response class
    assert not attrs.has(models_pkg.ChatCompletionMessageToolCallParam)
    assert UnknownVariant not in get_args(
        get_args(models_pkg.ChatCompletionMessageToolCallsParam)[0]
    )


def test_a_required_list_left_out_survives_the_dumps() -> None:
    # `top_logprobs` is a required list; a server that leaves it out gets None (policy).
    # to_dict() leaves it out as the JSON did; model_dump() writes the None rather than fail.
    token = converter.structure(
        {"token": "a", "logprob": -0.1}, models_pkg.ChatCompletionTokenLogprob
    )
    assert token.top_logprobs is None
    assert "top_logprobs" not in token.to_dict()
    assert token.model_dump()["top_logprobs"] is None
    assert '"top_logprobs":null' in token.model_dump_json()
