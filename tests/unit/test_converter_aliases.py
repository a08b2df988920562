"""JSON keys that are not Python names: read into renamed attributes and written back."""

import logging
from typing import Literal

import attrs

from openai_async._converter import converter, dumps, loads
from openai_async._models import BaseModel, UnknownVariant
from openai_async.models import moderations


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class Keyed(BaseModel):
    from_: str = attrs.field(metadata={"json": "from"})
    self_harm_intent: bool | None = attrs.field(default=None, metadata={"json": "self-harm/intent"})
    plain: int | None = None


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class KindA(BaseModel):
    kind: Literal["a"] = attrs.field(metadata={"json": "kind-of"})


@attrs.define(slots=True, kw_only=True, repr=False, eq=False)
class KindB(BaseModel):
    kind: Literal["b"] = attrs.field(metadata={"json": "kind-of"})
    size: int | None = None


def test_structure_reads_the_json_keys():
    obj = converter.structure({"from": "a", "self-harm/intent": True, "plain": 1}, Keyed)
    assert (obj.from_, obj.self_harm_intent, obj.plain) == ("a", True, 1)
    assert obj.model_extra == {}  # the JSON keys are known fields, not extras


def test_python_names_are_not_json_keys():
    obj = converter.structure({"from": "a", "from_": "x", "self_harm_intent": False}, Keyed)
    assert obj.self_harm_intent is None
    assert obj.model_extra == {"from_": "x", "self_harm_intent": False}


def test_a_missing_required_json_key_is_named(caplog):
    # The attribute name is not the JSON key: "from_" is an unknown key, "from" is missing.
    with caplog.at_level(logging.DEBUG, logger="openai_async"):
        obj = converter.structure({"from_": "a"}, Keyed)
    assert obj.from_ is None
    assert obj.model_extra == {"from_": "a"}
    assert "['from']" in caplog.text


def test_unstructure_writes_the_json_keys_back():
    obj = Keyed(from_="a", self_harm_intent=True)
    assert obj.to_dict() == {"from": "a", "self-harm/intent": True}  # `plain` never given
    assert obj.to_dict(use_api_names=False) == {"from_": "a", "self_harm_intent": True}
    assert obj.model_dump() == {"from_": "a", "self_harm_intent": True, "plain": None}
    assert converter.unstructure(obj) == obj.model_dump(by_alias=True)
    assert converter.unstructure(obj) == {"from": "a", "self-harm/intent": True, "plain": None}
    assert loads(dumps(obj)) == {"from": "a", "self-harm/intent": True}


def test_round_trip_keeps_renamed_and_unknown_keys():
    data = {"from": "a", "self-harm/intent": False, "plain": 2, "new": [1]}
    obj = converter.structure(data, Keyed)
    assert obj.to_dict() == data
    assert converter.structure(obj.to_dict(), Keyed) == obj


def test_a_union_is_resolved_by_the_json_key_of_its_discriminator():
    values = [{"kind-of": "a"}, {"kind-of": "b", "size": 3}, {"kind-of": "c"}]
    out = converter.structure(values, list[KindA | KindB | UnknownVariant])
    assert isinstance(out[0], KindA)
    assert isinstance(out[1], KindB) and out[1].size == 3
    assert out[2] == UnknownVariant({"kind-of": "c"})
    assert [converter.unstructure(o) for o in out[:2]] == [
        {"kind-of": "a"},
        {"kind-of": "b", "size": 3},
    ]


def test_generated_moderation_categories_keep_their_slashed_keys():
    cls = moderations.CreateModerationResponseResultsItemCategories
    keys = [a.metadata.get("json", a.name) for a in attrs.fields(cls)]
    assert "self-harm/intent" in keys and "hate/threatening" in keys
    data = {key: key.startswith("self-harm") for key in keys}
    obj = converter.structure(data, cls)
    assert obj.self_harm_intent is True
    assert obj.hate_threatening is False
    assert obj.model_extra == {}
    assert obj.to_dict() == data
