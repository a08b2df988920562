"""The official SDK's model surface on our attrs models (no I/O): ``model_fields_set``,
``model_dump()`` / ``model_dump_json()``, ``to_dict()`` / ``to_json()``, ``construct()``,
``model_copy()``, ``model_fields``, ``_request_id``."""

from __future__ import annotations

import copy
import importlib.util
import json
import pickle
import sys
from pathlib import Path
from typing import Any

import attrs
import pytest

from openai_async._converter import converter, loads
from openai_async._models import BaseModel, UnknownVariant
from openai_async.models import (
    ChatCompletion,
    ChatCompletionChunk,
    ChatCompletionMessageToolCall,
    CompletionUsage,
    CreateModerationResponseResultsItemCategories,
)


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class Keyed(BaseModel):
    from_: str = attrs.field(metadata={"json": "from"})
    self_harm_intent: bool | None = attrs.field(default=None, metadata={"json": "self-harm/intent"})
    plain: int | None = None


def completion(**message: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "created": 1,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "hi", "refusal": None, **message},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }


TOOL_CALLS = [
    {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}},
    {"id": "call_2", "type": "mcp", "mcp": {"server": "x", "note": None}},
]


def s(data: dict[str, Any], cls: type[Any] = ChatCompletion) -> Any:
    return converter.structure(data, cls)


# --- model_fields_set --------------------------------------------------------------


def test_fields_set_are_the_keys_the_json_had_null_included() -> None:
    obj = s(completion())
    assert obj.model_fields_set == {"id", "object", "created", "model", "choices", "usage"}
    message = obj.choices[0].message
    assert message.model_fields_set == {"role", "content", "refusal"}  # refusal was null
    assert message.refusal is None and message.audio is None  # ... audio was left out
    assert obj.choices[0].model_fields_set == {"index", "message", "logprobs", "finish_reason"}


def test_every_key_present_means_every_field_set() -> None:
    usage = s({"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}, CompletionUsage)
    assert usage.model_fields_set == {"prompt_tokens", "completion_tokens", "total_tokens"}
    full = {f: None for f in CompletionUsage.model_fields} | {"total_tokens": 3}
    assert s(full, CompletionUsage).model_fields_set == set(CompletionUsage.model_fields)


def test_unknown_fields_are_in_the_fields_set() -> None:
    obj = s(completion() | {"provider": "x"})
    assert "provider" in obj.model_fields_set
    assert obj.model_extra == {"provider": "x"}


def test_a_required_field_left_out_is_not_set() -> None:
    data = completion()
    del data["created"]
    obj = s(data)
    assert obj.created is None
    assert "created" not in obj.model_fields_set
    assert "created" not in obj.to_dict()


def test_assigning_a_value_sets_a_field() -> None:
    message = s(completion()).choices[0].message
    message.audio = {"id": "a"}  # type: ignore[assignment]
    assert "audio" in message.model_fields_set
    assert message.to_dict()["audio"] == {"id": "a"}


def test_fields_set_uses_attribute_names_for_renamed_keys() -> None:
    obj = s({"from": "a", "self-harm/intent": None}, Keyed)
    assert obj.model_fields_set == {"from_", "self_harm_intent"}


def test_built_by_hand_the_fields_given_a_value_are_set() -> None:
    obj = Keyed(from_="a", plain=2)
    assert obj.model_fields_set == {"from_", "plain"}
    assert obj.to_dict() == {"from": "a", "plain": 2}
    assert obj._request_id is None and obj.request_id is None


# --- model_dump / to_dict ----------------------------------------------------------


def test_model_dump_defaults_every_field_by_attribute_name() -> None:
    obj = s({"from": "a", "new": [1, None]}, Keyed)
    assert obj.model_dump() == {
        "from_": "a",
        "self_harm_intent": None,
        "plain": None,
        "new": [1, None],
    }
    assert obj.model_dump(by_alias=True) == {
        "from": "a",
        "self-harm/intent": None,
        "plain": None,
        "new": [1, None],
    }
    assert obj.model_dump(exclude_unset=True) == {"from_": "a", "new": [1, None]}
    assert obj.model_dump(exclude_none=True) == {"from_": "a", "new": [1, None]}


def test_to_dict_gives_back_exactly_the_json() -> None:
    data = completion(tool_calls=TOOL_CALLS) | {"provider": "x", "service_tier": None}
    obj = s(data)
    assert obj.to_dict() == data
    assert obj.to_dict(mode="json") == data
    assert obj.to_dict(exclude_none=True)["choices"][0]["message"] == {
        "role": "assistant",
        "content": "hi",
        "tool_calls": [TOOL_CALLS[0], {"id": "call_2", "type": "mcp", "mcp": {"server": "x"}}],
    }
    assert "service_tier" not in obj.to_dict(exclude_none=True)
    full = obj.to_dict(exclude_unset=False)
    assert full["metadata"] is None and full["choices"][0]["message"]["audio"] is None


def test_dumps_walk_lists_of_models_unions_and_unknown_variants() -> None:
    obj = s(completion(tool_calls=TOOL_CALLS))
    calls = obj.choices[0].message.tool_calls
    assert [type(c) for c in calls] == [ChatCompletionMessageToolCall, UnknownVariant]
    dumped = obj.model_dump()["choices"][0]["message"]["tool_calls"]
    assert dumped == [TOOL_CALLS[0], TOOL_CALLS[1]]
    assert [c.model_dump(exclude_none=True) for c in calls][1] == {
        "id": "call_2",
        "type": "mcp",
        "mcp": {"server": "x"},
    }
    assert calls[1].to_dict() == TOOL_CALLS[1]
    assert json.loads(calls[1].to_json()) == TOOL_CALLS[1]


def test_a_dump_is_a_copy() -> None:
    data = completion(tool_calls=TOOL_CALLS) | {"provider": {"name": "x"}}
    obj = s(data)
    out = obj.model_dump()
    out["choices"][0]["message"]["tool_calls"][1]["mcp"]["server"] = "changed"
    out["provider"]["name"] = "changed"
    assert obj.to_dict() == data


def test_exclude_defaults_leaves_out_fields_equal_to_their_default() -> None:
    obj = s({"from": "a", "plain": None, "self-harm/intent": True}, Keyed)
    assert obj.model_dump(exclude_defaults=True) == {"from_": "a", "self_harm_intent": True}


def test_include_and_exclude_take_pydantics_forms() -> None:
    obj = s(completion(tool_calls=TOOL_CALLS) | {"provider": "x"})
    assert obj.model_dump(include={"id", "provider"}) == {"id": "chatcmpl-1", "provider": "x"}
    assert "usage" not in obj.model_dump(exclude={"usage"})
    picked = obj.model_dump(
        include={"choices": {"__all__": {"message": {"content", "tool_calls"}}}},
        exclude={"choices": {0: {"message": {"tool_calls": {1}}}}},
    )
    assert picked == {"choices": [{"message": {"content": "hi", "tool_calls": [TOOL_CALLS[0]]}}]}
    assert obj.model_dump(include={"usage": {"total_tokens": True}}, by_alias=True) == {
        "usage": {"total_tokens": 3}
    }
    with pytest.raises(TypeError, match="include / exclude must be a set or a dict"):
        obj.model_dump(include="id")  # type: ignore[arg-type]


def test_include_everything_equals_the_generated_dump() -> None:
    # include / exclude take the generic walk; without them a generated function runs.
    obj = s(completion(tool_calls=TOOL_CALLS) | {"provider": {"a": None}, "service_tier": None})
    everything = set(ChatCompletion.model_fields) | {"provider"}
    for options in (
        {},
        {"by_alias": True},
        {"exclude_unset": True},
        {"exclude_none": True},
        {"exclude_defaults": True},
        {"exclude_unset": True, "exclude_none": True, "by_alias": True},
    ):
        assert obj.model_dump(include=everything, **options) == obj.model_dump(**options)
        assert obj.model_dump(exclude=set(), **options) == obj.model_dump(**options)


def test_mode_json_gives_json_values() -> None:
    obj = Keyed(from_="a", plain=2)
    obj.plain = (1, 2)  # type: ignore[assignment]  # not JSON: a tuple
    assert obj.model_dump(mode="json")["plain"] == [1, 2]
    assert obj.model_dump()["plain"] == (1, 2)  # python mode: as assigned


def test_json_text_indent_and_ascii() -> None:
    obj = s({"from": "é"}, Keyed)
    assert obj.model_dump_json() == '{"from_":"é","self_harm_intent":null,"plain":null}'
    assert obj.to_json() == '{\n  "from": "é"\n}'
    assert obj.to_json(indent=None) == '{"from":"é"}'
    assert obj.to_json(indent=4) == '{\n    "from": "é"\n}'
    assert obj.to_json(indent=None, use_api_names=False) == '{"from_":"é"}'
    assert obj.model_dump_json(ensure_ascii=True, exclude_unset=True) == '{"from_":"\\u00e9"}'


def test_options_that_cannot_be_honoured_raise() -> None:
    obj = s(completion())
    with pytest.raises(TypeError, match="fallback"):
        obj.model_dump(fallback=str)
    with pytest.raises(ValueError, match="mode must be 'python' or 'json'"):
        obj.model_dump(mode="xml")
    with pytest.raises(ValueError, match="warnings must be"):
        obj.model_dump(warnings="loud")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword"):
        obj.model_dump(not_an_option=True)  # type: ignore[call-arg]
    # accepted: they change nothing for models without custom serializers
    assert obj.model_dump(round_trip=True, context={}, serialize_as_any=True) == obj.model_dump()


def test_generated_models_keep_slashed_keys_in_to_dict() -> None:
    cls = CreateModerationResponseResultsItemCategories
    data = {key: False for key in (f.alias or n for n, f in cls.model_fields.items())}
    obj = s(data, cls)
    assert obj.to_dict() == data
    assert "self_harm_intent" in obj.model_dump() and "self-harm/intent" not in obj.model_dump()


# --- construct / copy / fields -------------------------------------------------------


def test_construct_builds_nested_models_without_validation() -> None:
    data = completion(tool_calls=TOOL_CALLS)
    for build in (ChatCompletion.construct, ChatCompletion.model_construct):
        obj = build(**data, provider="x")
        assert obj == s(data)
        assert isinstance(obj.choices[0].message.tool_calls[1], UnknownVariant)
        assert obj.model_extra == {"provider": "x"}
        assert obj.model_fields_set == {*data, "provider"}
    odd = ChatCompletion.construct(id=5, choices="not a list")
    assert (odd.id, odd.choices, odd.model) == (5, "not a list", None)
    assert odd.model_fields_set == {"id", "choices"}


def test_construct_takes_attribute_names_models_and_a_fields_set() -> None:
    usage = CompletionUsage.construct(prompt_tokens=1)
    obj = ChatCompletion.model_construct({"model"}, id="x", usage=usage)
    assert obj.usage is usage
    assert obj.model_fields_set == {"id", "usage", "model"}
    keyed = Keyed.construct(from_="a", **{"self-harm/intent": True})
    assert (keyed.from_, keyed.self_harm_intent) == ("a", True)
    assert keyed.to_dict() == {"from": "a", "self-harm/intent": True}


def test_model_copy_shallow_deep_and_update() -> None:
    obj = s(completion() | {"provider": {"a": 1}})
    shallow = obj.model_copy()
    assert shallow == obj and shallow is not obj
    assert shallow.choices is obj.choices and shallow.to_dict() == obj.to_dict()
    deep = obj.model_copy(deep=True)
    assert deep.choices is not obj.choices and deep.choices[0].message == obj.choices[0].message
    assert deep.model_extra == obj.model_extra and deep.model_extra is not obj.model_extra
    updated = obj.model_copy(update={"metadata": None, "new": 1})
    assert "metadata" in updated.model_fields_set and "metadata" not in obj.model_fields_set
    assert updated.to_dict()["metadata"] is None and updated.new == 1


def test_model_fields_maps_names_to_field_info() -> None:
    fields = ChatCompletion.model_fields
    assert list(fields)[:2] == ["id", "choices"]
    assert fields["id"].is_required() and not fields["usage"].is_required()
    assert fields["usage"].default is None and fields["usage"].alias is None
    assert Keyed.model_fields["from_"].alias == "from"
    assert s(completion()).model_fields is fields  # also from an instance


def test_pickle_and_copy_keep_the_fields_set_and_extras() -> None:
    obj = s(completion() | {"provider": "x"})
    for again in (pickle.loads(pickle.dumps(obj)), copy.copy(obj), copy.deepcopy(obj)):
        assert again.model_fields_set == obj.model_fields_set
        assert again.to_dict() == obj.to_dict()


def test_chunk_round_trip_through_to_json() -> None:
    data = {
        "id": "c",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": "x"}, "finish_reason": None}],
    }
    chunk = s(data, ChatCompletionChunk)
    assert loads(chunk.to_json()) == data
    assert s(chunk.to_dict(), ChatCompletionChunk).model_fields_set == chunk.model_fields_set


def test_model_validate_and_model_validate_json_structure() -> None:
    data = completion(tool_calls=TOOL_CALLS)
    assert ChatCompletion.model_validate(data) == s(data)
    text = json.dumps(data)
    assert ChatCompletion.model_validate_json(text).to_dict() == data
    assert ChatCompletion.model_validate_json(text.encode()) == s(data)
    with pytest.raises(TypeError, match="expected a JSON object"):
        ChatCompletion.model_validate_json("[1]")


def test_the_generator_renames_fields_that_would_hide_a_base_member() -> None:
    path = Path(__file__).parents[2] / "scripts" / "gen_models.py"
    spec = importlib.util.spec_from_file_location("gen_models_for_surface", path)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = gen  # dataclasses look their module up
    spec.loader.exec_module(gen)
    public = {name for name in dir(BaseModel) if not name.startswith("_")}
    assert public <= gen.BASE_MEMBERS
    assert gen.py_name("model_dump") == "model_dump_"
