"""Nested models built inline by a stream's structure function (``stream_structure_hook``):
the same results as building each level by its own hook (unknown keys, keys left out, bad
values, recursion)."""

from __future__ import annotations

import copy
import logging
import pickle
from typing import Any

import attrs
import pytest

from openai_async._converter import _INLINE_DEPTH, converter, stream_structure_hook
from openai_async._models import BaseModel
from openai_async.models import chat

_define = attrs.define(slots=True, kw_only=True, repr=False, eq=False)


@_define
class Leaf(BaseModel):
    name: str
    note: str | None = None
    kind: str = "leaf"


@_define
class Branch(BaseModel):
    leaf: Leaf | None = None
    leaves: list[Leaf] | None = None
    size: int | None = None


@_define
class Root(BaseModel):
    id: str
    branch: Branch | None = None
    branches: list[Branch] | None = None


@_define
class Node(BaseModel):  # a recursive schema: never inlined into itself
    value: int | None = None
    children: list[Node] | None = None
    parent: Node | None = None


def _chain(depth: int) -> type[BaseModel]:
    """Classes nested ``depth`` deep: more levels than are built inline."""
    inner: type[BaseModel] = Leaf
    for i in range(depth):
        inner = attrs.make_class(
            f"Level{i}",
            {"inner": attrs.field(type=inner | None, default=None)},
            bases=(BaseModel,),
            slots=True,
            kw_only=True,
            repr=False,
            eq=False,
        )
    return inner


def structure(value: Any, cls: type[Any]) -> Any:
    return stream_structure_hook(cls)(value, cls)


def _nest(depth: int, leaf: dict[str, Any]) -> dict[str, Any]:
    value = leaf
    for _ in range(depth):
        value = {"inner": value}
    return value


JSON: dict[str, Any] = {
    "id": "r",
    "new_root_key": 1,
    "branch": {"leaf": {"name": "a", "shape": "round"}, "size": None},
    "branches": [
        {"leaves": [{"name": "b", "note": "x", "kind": "k"}, {"name": "c"}]},
        {"leaf": None, "extra": [1, 2]},
    ],
}


def test_inlined_levels_keep_unknown_keys_and_the_keys_left_out() -> None:
    root = structure(copy.deepcopy(JSON), Root)
    assert root.model_extra == {"new_root_key": 1}
    assert root.model_fields_set == {"id", "branch", "branches", "new_root_key"}
    branch = root.branch
    assert branch is not None and branch.leaf is not None
    assert branch.model_fields_set == {"leaf", "size"}  # null counts as given
    assert branch.leaf.model_extra == {"shape": "round"}
    assert branch.leaf.model_fields_set == {"name", "shape"}
    assert branch.leaf.kind == "leaf"  # a default for a key left out
    assert root.branches is not None
    first, second = root.branches
    assert first.leaves is not None
    assert [leaf.name for leaf in first.leaves] == ["b", "c"]
    assert first.leaves[0].model_fields_set == {"name", "note", "kind"}
    assert first.leaves[1].model_fields_set == {"name"}
    assert second.model_extra == {"extra": [1, 2]}
    assert second.model_fields_set == {"leaf", "extra"}
    # What the JSON had, exactly, back out at every level.
    assert root.to_dict() == JSON
    assert root.model_dump(exclude_unset=True) == JSON


def test_inlined_results_equal_the_per_level_hooks() -> None:
    root = structure(copy.deepcopy(JSON), Root)
    branch_hook = converter.get_structure_hook(Branch)
    for got, raw in zip(root.branches or [], JSON["branches"], strict=True):
        alone = branch_hook(copy.deepcopy(raw), Branch)
        assert got.to_dict() == alone.to_dict()
        assert got.model_fields_set == alone.model_fields_set


def test_the_fields_set_survive_pickle_and_copy() -> None:
    root = structure(copy.deepcopy(JSON), Root)
    for clone in (pickle.loads(pickle.dumps(root)), copy.deepcopy(root)):
        assert clone.to_dict() == JSON
        assert clone.branch is not None and clone.branch.leaf is not None
        assert clone.branch.leaf.model_fields_set == {"name", "shape"}


def test_a_required_key_left_out_of_an_inlined_level_is_named(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.DEBUG, logger="openai_async"):
        root = structure({"id": "r", "branch": {"leaf": {"note": "n"}}}, Root)
    assert root.branch is not None and root.branch.leaf is not None
    assert root.branch.leaf.name is None
    assert "Leaf arrived without required field(s) ['name']" in caplog.text


@pytest.mark.parametrize(
    ("json", "message"),
    [
        ({"id": "r", "branch": "text"}, "expected a JSON object for Branch, got str"),
        ({"id": "r", "branch": {"leaf": [1]}}, "expected a JSON object for Leaf, got list"),
        ({"id": "r", "branches": [{"leaves": "abc"}]}, "Branch.leaves: expected a JSON array"),
        ({"id": "r", "branches": [None]}, "expected a JSON object for Branch, got NoneType"),
    ],
)
def test_a_wrong_value_at_an_inlined_level_raises(json: dict[str, Any], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        structure(json, Root)


def test_levels_deeper_than_the_inline_limit_use_their_own_hooks() -> None:
    depth = _INLINE_DEPTH + 3
    cls = _chain(depth)
    leaf = {"name": "deep", "surprise": True}
    obj: Any = structure(_nest(depth, leaf), cls)
    assert obj.to_dict() == _nest(depth, leaf)
    for _ in range(depth):
        obj = obj.inner
    assert (obj.name, obj.model_extra) == ("deep", {"surprise": True})


def test_a_recursive_schema_builds_at_any_depth() -> None:
    raw = {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "x": 0}]}]}
    node = structure(copy.deepcopy(raw), Node)
    assert node.children is not None and node.children[0].children is not None
    assert node.children[0].children[0].model_extra == {"x": 0}
    assert node.to_dict() == raw


def test_a_mapping_that_is_not_a_dict_is_read_at_an_inlined_level() -> None:
    from types import MappingProxyType

    raw = {"id": "r", "branch": MappingProxyType({"leaf": MappingProxyType({"name": "m"})})}
    root = structure(raw, Root)
    assert root.branch is not None and root.branch.leaf is not None
    assert root.branch.leaf.name == "m"


def test_a_stream_chunk_is_one_function_call() -> None:
    # The chat chunk's choices and delta are built inside the chunk's own function.
    hook = stream_structure_hook(chat.CreateChatCompletionStreamResponse)
    names = hook.__code__.co_names
    assert "_cl1" in names and "_cl2" in names  # the choice and delta classes
    # The converter's own hook (single responses) calls the nested hooks instead: less
    # to compile at the first response.
    plain = converter.get_structure_hook(chat.CreateChatCompletionStreamResponse)
    assert "_cl1" not in plain.__code__.co_names
    assert (
        plain is not hook and stream_structure_hook(chat.CreateChatCompletionStreamResponse) is hook
    )
    chunk = hook(
        {"id": "c", "choices": [{"index": 0, "delta": {"content": "hi"}, "finish_reason": None}]},
        None,
    )
    assert chunk.choices[0].delta.content == "hi"
    assert chunk.choices[0].delta.model_fields_set == {"content"}
