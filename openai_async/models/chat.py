"""Chat Completions API: response models and request parameter types."""

from __future__ import annotations

from typing import Any, Literal, TypeAlias, TypedDict

import attrs

from .._models import BaseModel, UnknownVariant
from .shared import CompletionUsage, Metadata, ModerationResultBody, PromptCacheBreakpointParam

__all__ = [
    "ChatCompletion",
    "ChatCompletionAllowedTools",
    "ChatCompletionAllowedToolsChoice",
    "ChatCompletionChunk",
    "ChatCompletionDeleted",
    "ChatCompletionList",
    "ChatCompletionMessage",
    "ChatCompletionMessageCustomToolCall",
    "ChatCompletionMessageCustomToolCallCustom",
    "ChatCompletionMessageCustomToolCallCustomParam",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageToolCall",
    "ChatCompletionMessageToolCallChunk",
    "ChatCompletionMessageToolCallChunkFunction",
    "ChatCompletionMessageToolCallFunction",
    "ChatCompletionMessageToolCallFunctionParam",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionMessageToolCalls",
    "ChatCompletionMessageToolCallsParam",
    "ChatCompletionModeration",
    "ChatCompletionModerationError",
    "ChatCompletionModerationResults",
    "ChatCompletionNamedToolChoice",
    "ChatCompletionNamedToolChoiceCustom",
    "ChatCompletionNamedToolChoiceCustomCustom",
    "ChatCompletionNamedToolChoiceFunction",
    "ChatCompletionRequestAssistantMessage",
    "ChatCompletionRequestAssistantMessageAudio",
    "ChatCompletionRequestAssistantMessageContentPart",
    "ChatCompletionRequestAssistantMessageFunctionCall",
    "ChatCompletionRequestDeveloperMessage",
    "ChatCompletionRequestFunctionMessage",
    "ChatCompletionRequestMessage",
    "ChatCompletionRequestMessageContentPartAudio",
    "ChatCompletionRequestMessageContentPartAudioInputAudio",
    "ChatCompletionRequestMessageContentPartFile",
    "ChatCompletionRequestMessageContentPartFileFile",
    "ChatCompletionRequestMessageContentPartImage",
    "ChatCompletionRequestMessageContentPartImageImageUrl",
    "ChatCompletionRequestMessageContentPartRefusal",
    "ChatCompletionRequestMessageContentPartText",
    "ChatCompletionRequestSystemMessage",
    "ChatCompletionRequestSystemMessageContentPart",
    "ChatCompletionRequestToolMessage",
    "ChatCompletionRequestToolMessageContentPart",
    "ChatCompletionRequestUserMessage",
    "ChatCompletionRequestUserMessageContentPart",
    "ChatCompletionResponseMessage",
    "ChatCompletionResponseMessageAnnotationsItem",
    "ChatCompletionResponseMessageAnnotationsItemUrlCitation",
    "ChatCompletionResponseMessageAudio",
    "ChatCompletionResponseMessageFunctionCall",
    "ChatCompletionStreamResponseDelta",
    "ChatCompletionStreamResponseDeltaFunctionCall",
    "ChatCompletionTokenLogprob",
    "ChatCompletionTokenLogprobTopLogprobsItem",
    "ChatCompletionToolChoiceOption",
    "CreateChatCompletionResponse",
    "CreateChatCompletionResponseChoicesItem",
    "CreateChatCompletionResponseChoicesItemLogprobs",
    "CreateChatCompletionStreamResponse",
    "CreateChatCompletionStreamResponseChoicesItem",
    "CreateChatCompletionStreamResponseChoicesItemLogprobs",
    "ServiceTier",
]


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionResponse(BaseModel):
    """Represents a chat completion response returned by model, based on the provided input."""

    id: str
    """A unique identifier for the chat completion."""

    choices: list[CreateChatCompletionResponseChoicesItem]
    """A list of chat completion choices. Can be more than one if `n` is greater than 1."""

    created: int
    """The Unix timestamp (in seconds) of when the chat completion was created."""

    model: str
    """The model used for the chat completion."""

    metadata: Metadata | None = None

    service_tier: ServiceTier | None = None

    system_fingerprint: str | None = None
    """Deprecated. This fingerprint represents the backend configuration that the model runs with."""

    object: Literal["chat.completion"]
    """The object type, which is always `chat.completion`."""

    usage: CompletionUsage | None = None

    moderation: ChatCompletionModeration | None = None
    """Moderation results for the request input and generated output, if moderated
    completions were requested.
    """


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionResponseChoicesItem(BaseModel):
    finish_reason: Literal["stop", "length", "tool_calls", "content_filter", "function_call"]
    """The reason the model stopped generating tokens. This will be `stop` if the model hit a natural stop point or a provided stop sequence,
    `length` if the maximum number of tokens specified in the request was reached,
    `content_filter` if content was omitted due to a flag from our content filters,
    `tool_calls` if the model called a tool, or `function_call` (deprecated) if the model called a function.
    Read the [Model Spec](https://model-spec.openai.com/2025-12-18.html) for more.
    """

    index: int
    """The index of the choice in the list of choices."""

    message: ChatCompletionResponseMessage

    logprobs: CreateChatCompletionResponseChoicesItemLogprobs | None = None
    """Log probability information for the choice."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionResponseMessage(BaseModel):
    """A chat completion message generated by the model."""

    content: str | None = None
    """The contents of the message."""

    refusal: str | None = None
    """The refusal message generated by the model."""

    tool_calls: ChatCompletionMessageToolCalls | None = None

    annotations: list[ChatCompletionResponseMessageAnnotationsItem] | None = None
    """Annotations for the message, when applicable, as when using the
    [web search tool](/docs/guides/tools-web-search?api-mode=chat).
    """

    role: Literal["assistant"]
    """The role of the author of this message."""

    function_call: ChatCompletionResponseMessageFunctionCall | None = None
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""

    audio: ChatCompletionResponseMessageAudio | None = None
    """If the audio output modality is requested, this object contains data
    about the audio response from the model. [Learn more](/docs/guides/audio).
    """


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageToolCall(BaseModel):
    """A call to a function tool created by the model."""

    id: str
    """The ID of the tool call."""

    type: Literal["function"]
    """The type of the tool. Currently, only `function` is supported."""

    function: ChatCompletionMessageToolCallFunction
    """The function that the model called."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageToolCallFunction(BaseModel):
    """The function that the model called."""

    name: str
    """The name of the function to call."""

    arguments: str
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageCustomToolCall(BaseModel):
    """A call to a custom tool created by the model."""

    id: str
    """The ID of the tool call."""

    type: Literal["custom"]
    """The type of the tool. Always `custom`."""

    custom: ChatCompletionMessageCustomToolCallCustom
    """The custom tool that the model called."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageCustomToolCallCustom(BaseModel):
    """The custom tool that the model called."""

    name: str
    """The name of the custom tool to call."""

    input: str
    """The input for the custom tool call generated by the model."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionResponseMessageAnnotationsItem(BaseModel):
    """A URL citation when using web search."""

    type: Literal["url_citation"]
    """The type of the URL citation. Always `url_citation`."""

    url_citation: ChatCompletionResponseMessageAnnotationsItemUrlCitation
    """A URL citation when using web search."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionResponseMessageAnnotationsItemUrlCitation(BaseModel):
    """A URL citation when using web search."""

    end_index: int
    """The index of the last character of the URL citation in the message."""

    start_index: int
    """The index of the first character of the URL citation in the message."""

    url: str
    """The URL of the web resource."""

    title: str
    """The title of the web resource."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionResponseMessageFunctionCall(BaseModel):
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""

    arguments: str
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""

    name: str
    """The name of the function to call."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionResponseMessageAudio(BaseModel):
    """If the audio output modality is requested, this object contains data
    about the audio response from the model. [Learn more](/docs/guides/audio).
    """

    id: str
    """Unique identifier for this audio response."""

    expires_at: int
    """The Unix timestamp (in seconds) for when this audio response will
    no longer be accessible on the server for use in multi-turn
    conversations.
    """

    data: str
    """Base64 encoded audio bytes generated by the model, in the format
    specified in the request.
    """

    transcript: str
    """Transcript of the audio generated by the model."""


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionResponseChoicesItemLogprobs(BaseModel):
    """Log probability information for the choice."""

    content: list[ChatCompletionTokenLogprob] | None = None
    """A list of message content tokens with log probability information."""

    refusal: list[ChatCompletionTokenLogprob] | None = None
    """A list of message refusal tokens with log probability information."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionTokenLogprob(BaseModel):
    token: str
    """The token."""

    logprob: float
    """The log probability of this token, if it is within the top 20 most likely tokens. Otherwise, the value `-9999.0` is used to signify that the token is very unlikely."""

    bytes: list[int] | None = None
    """A list of integers representing the UTF-8 bytes representation of the token. Useful in instances where characters are represented by multiple tokens and their byte representations must be combined to generate the correct text representation. Can be `null` if there is no bytes representation for the token."""

    top_logprobs: list[ChatCompletionTokenLogprobTopLogprobsItem]
    """List of the most likely tokens and their log probability, at this token position. The number of entries may be fewer than the requested `top_logprobs`."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionTokenLogprobTopLogprobsItem(BaseModel):
    token: str
    """The token."""

    logprob: float
    """The log probability of this token, if it is within the top 20 most likely tokens. Otherwise, the value `-9999.0` is used to signify that the token is very unlikely."""

    bytes: list[int] | None = None
    """A list of integers representing the UTF-8 bytes representation of the token. Useful in instances where characters are represented by multiple tokens and their byte representations must be combined to generate the correct text representation. Can be `null` if there is no bytes representation for the token."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionModeration(BaseModel):
    """Moderation results or errors for the request input and generated output."""

    input: ChatCompletionModerationResults | ChatCompletionModerationError | UnknownVariant
    """Moderation for the request input."""

    output: ChatCompletionModerationResults | ChatCompletionModerationError | UnknownVariant
    """Moderation for the generated output."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionModerationResults(BaseModel):
    """Successful moderation results for the request input or generated output."""

    type: Literal["moderation_results"]
    """The object type, which is always `moderation_results`."""

    model: str
    """The moderation model used to generate the results."""

    results: list[ModerationResultBody]
    """A list of moderation results."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionModerationError(BaseModel):
    """An error produced while attempting moderation."""

    type: Literal["error"]
    """The object type, which is always `error`."""

    code: str
    """The error code."""

    message: str
    """The error message."""


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionStreamResponse(BaseModel):
    """Represents a streamed chunk of a chat completion response returned
    by the model, based on the provided input.
    [Learn more](/docs/guides/streaming-responses).
    """

    id: str
    """A unique identifier for the chat completion. Each chunk has the same ID."""

    choices: list[CreateChatCompletionStreamResponseChoicesItem]
    """A list of chat completion choices. Can contain more than one elements if `n` is greater than 1. Can also be empty for the
    last chunk if you set `stream_options: {"include_usage": true}`.
    """

    created: int
    """The Unix timestamp (in seconds) of when the chat completion was created. Each chunk has the same timestamp."""

    model: str
    """The model to generate the completion."""

    obfuscation: str | None = None
    """An obfuscation string added to normalize the size of streamed chunks as a
    mitigation to certain side-channel attacks. The field is included by
    default and omitted when `stream_options.include_obfuscation` is `false`.
    """

    service_tier: ServiceTier | None = None

    system_fingerprint: str | None = None
    """Deprecated. This fingerprint represents the backend configuration that the model runs with.
    Can be used in conjunction with the `seed` request parameter to understand when backend changes have been made that might impact determinism.
    """

    object: Literal["chat.completion.chunk"]
    """The object type, which is always `chat.completion.chunk`."""

    usage: CompletionUsage | None = None
    """An optional field that will only be present when you set
    `stream_options: {"include_usage": true}` in your request. When present, it
    contains a null value **except for the last chunk** which contains the
    token usage statistics for the entire request.
    """

    moderation: ChatCompletionModeration | None = None
    """Moderation results for the request input and generated output. Present
    on the moderation chunk when moderated completions are requested.
    """


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionStreamResponseChoicesItem(BaseModel):
    delta: ChatCompletionStreamResponseDelta

    logprobs: CreateChatCompletionStreamResponseChoicesItemLogprobs | None = None
    """Log probability information for the choice."""

    finish_reason: (
        Literal["stop", "length", "tool_calls", "content_filter", "function_call"] | None
    ) = None
    """The reason the model stopped generating tokens. This will be `stop` if the model hit a natural stop point or a provided stop sequence,
    `length` if the maximum number of tokens specified in the request was reached,
    `content_filter` if content was omitted due to a flag from our content filters,
    `tool_calls` if the model called a tool, or `function_call` (deprecated) if the model called a function.
    """

    index: int
    """The index of the choice in the list of choices."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionStreamResponseDelta(BaseModel):
    """A chat completion delta generated by streamed model responses."""

    content: str | None = None
    """The contents of the chunk message."""

    function_call: ChatCompletionStreamResponseDeltaFunctionCall | None = None
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""

    tool_calls: list[ChatCompletionMessageToolCallChunk] | None = None

    role: Literal["developer", "system", "user", "assistant", "tool"] | None = None
    """The role of the author of this message."""

    refusal: str | None = None
    """The refusal message generated by the model."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionStreamResponseDeltaFunctionCall(BaseModel):
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""

    arguments: str | None = None
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""

    name: str | None = None
    """The name of the function to call."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageToolCallChunk(BaseModel):
    index: int

    id: str | None = None
    """The ID of the tool call."""

    type: Literal["function"] | None = None
    """The type of the tool. Currently, only `function` is supported."""

    function: ChatCompletionMessageToolCallChunkFunction | None = None


@attrs.define(slots=True, kw_only=True)
class ChatCompletionMessageToolCallChunkFunction(BaseModel):
    name: str | None = None
    """The name of the function to call."""

    arguments: str | None = None
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""


@attrs.define(slots=True, kw_only=True)
class CreateChatCompletionStreamResponseChoicesItemLogprobs(BaseModel):
    """Log probability information for the choice."""

    content: list[ChatCompletionTokenLogprob] | None = None
    """A list of message content tokens with log probability information."""

    refusal: list[ChatCompletionTokenLogprob] | None = None
    """A list of message refusal tokens with log probability information."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionList(BaseModel):
    """An object representing a list of Chat Completions."""

    object: Literal["list"]
    """The type of this object. It is always set to "list"."""

    data: list[CreateChatCompletionResponse]
    """An array of chat completion objects."""

    first_id: str
    """The identifier of the first chat completion in the data array."""

    last_id: str
    """The identifier of the last chat completion in the data array."""

    has_more: bool
    """Indicates whether there are more Chat Completions available."""


@attrs.define(slots=True, kw_only=True)
class ChatCompletionDeleted(BaseModel):
    object: Literal["chat.completion.deleted"]
    """The type of object being deleted."""

    id: str
    """The ID of the chat completion that was deleted."""

    deleted: bool
    """Whether the chat completion was deleted."""


class _ChatCompletionRequestDeveloperMessageRequired(TypedDict):
    content: str | list[ChatCompletionRequestMessageContentPartText]
    """The contents of the developer message."""

    role: Literal["developer"]
    """The role of the messages author, in this case `developer`."""


class ChatCompletionRequestDeveloperMessage(
    _ChatCompletionRequestDeveloperMessageRequired, total=False
):
    """Developer-provided instructions that the model should follow, regardless of
    messages sent by the user. With o1 models and newer, `developer` messages
    replace the previous `system` messages.
    """

    name: str
    """An optional name for the participant. Provides the model information to differentiate between participants of the same role."""


class _ChatCompletionRequestMessageContentPartTextRequired(TypedDict):
    type: Literal["text"]
    """The type of the content part."""

    text: str
    """The text content."""


class ChatCompletionRequestMessageContentPartText(
    _ChatCompletionRequestMessageContentPartTextRequired, total=False
):
    """Learn about [text inputs](/docs/guides/text-generation)."""

    prompt_cache_breakpoint: PromptCacheBreakpointParam


class _ChatCompletionRequestSystemMessageRequired(TypedDict):
    content: str | list[ChatCompletionRequestSystemMessageContentPart]
    """The contents of the system message."""

    role: Literal["system"]
    """The role of the messages author, in this case `system`."""


class ChatCompletionRequestSystemMessage(_ChatCompletionRequestSystemMessageRequired, total=False):
    """Developer-provided instructions that the model should follow, regardless of
    messages sent by the user. With o1 models and newer, use `developer` messages
    for this purpose instead.
    """

    name: str
    """An optional name for the participant. Provides the model information to differentiate between participants of the same role."""


class _ChatCompletionRequestUserMessageRequired(TypedDict):
    content: str | list[ChatCompletionRequestUserMessageContentPart]
    """The contents of the user message."""

    role: Literal["user"]
    """The role of the messages author, in this case `user`."""


class ChatCompletionRequestUserMessage(_ChatCompletionRequestUserMessageRequired, total=False):
    """Messages sent by an end user, containing prompts or additional context
    information.
    """

    name: str
    """An optional name for the participant. Provides the model information to differentiate between participants of the same role."""


class _ChatCompletionRequestMessageContentPartImageRequired(TypedDict):
    type: Literal["image_url"]
    """The type of the content part."""

    image_url: ChatCompletionRequestMessageContentPartImageImageUrl


class ChatCompletionRequestMessageContentPartImage(
    _ChatCompletionRequestMessageContentPartImageRequired, total=False
):
    """Learn about [image inputs](/docs/guides/vision)."""

    prompt_cache_breakpoint: PromptCacheBreakpointParam


class _ChatCompletionRequestMessageContentPartImageImageUrlRequired(TypedDict):
    url: str
    """Either a URL of the image or the base64 encoded image data."""


class ChatCompletionRequestMessageContentPartImageImageUrl(
    _ChatCompletionRequestMessageContentPartImageImageUrlRequired, total=False
):
    detail: Literal["auto", "low", "high"]
    """Specifies the detail level of the image. Learn more in the [Vision guide](/docs/guides/vision#low-or-high-fidelity-image-understanding)."""


class _ChatCompletionRequestMessageContentPartAudioRequired(TypedDict):
    type: Literal["input_audio"]
    """The type of the content part. Always `input_audio`."""

    input_audio: ChatCompletionRequestMessageContentPartAudioInputAudio


class ChatCompletionRequestMessageContentPartAudio(
    _ChatCompletionRequestMessageContentPartAudioRequired, total=False
):
    """Learn about [audio inputs](/docs/guides/audio)."""

    prompt_cache_breakpoint: PromptCacheBreakpointParam


class ChatCompletionRequestMessageContentPartAudioInputAudio(TypedDict):
    data: str
    """Base64 encoded audio data."""

    format: Literal["wav", "mp3"]
    """The format of the encoded audio data. Currently supports "wav" and "mp3"."""


class _ChatCompletionRequestMessageContentPartFileRequired(TypedDict):
    type: Literal["file"]
    """The type of the content part. Always `file`."""

    file: ChatCompletionRequestMessageContentPartFileFile


class ChatCompletionRequestMessageContentPartFile(
    _ChatCompletionRequestMessageContentPartFileRequired, total=False
):
    """Learn about [file inputs](/docs/guides/text) for text generation."""

    prompt_cache_breakpoint: PromptCacheBreakpointParam


class ChatCompletionRequestMessageContentPartFileFile(TypedDict, total=False):
    filename: str
    """The name of the file, used when passing the file to the model as a
    string.
    """

    file_data: str
    """The base64 encoded file data, used when passing the file to the model
    as a string.
    """

    file_id: str
    """The ID of an uploaded file to use as input."""


class _ChatCompletionRequestAssistantMessageRequired(TypedDict):
    role: Literal["assistant"]
    """The role of the messages author, in this case `assistant`."""


class ChatCompletionRequestAssistantMessage(
    _ChatCompletionRequestAssistantMessageRequired, total=False
):
    """Messages sent by the model in response to user messages."""

    content: str | list[ChatCompletionRequestAssistantMessageContentPart] | None
    """The contents of the assistant message. Required unless `tool_calls` or `function_call` is specified."""

    refusal: str | None
    """The refusal message by the assistant."""

    name: str
    """An optional name for the participant. Provides the model information to differentiate between participants of the same role."""

    audio: ChatCompletionRequestAssistantMessageAudio | None
    """Data about a previous audio response from the model.
    [Learn more](/docs/guides/audio).
    """

    tool_calls: ChatCompletionMessageToolCallsParam

    function_call: ChatCompletionRequestAssistantMessageFunctionCall | None
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""


class ChatCompletionRequestMessageContentPartRefusal(TypedDict):
    """Refusal content part"""

    type: Literal["refusal"]
    """The type of the content part."""

    refusal: str
    """The refusal message generated by the model."""


class ChatCompletionRequestAssistantMessageAudio(TypedDict):
    """Data about a previous audio response from the model.
    [Learn more](/docs/guides/audio).
    """

    id: str
    """Unique identifier for a previous audio response from the model."""


class ChatCompletionMessageToolCallParam(TypedDict):
    """A call to a function tool created by the model."""

    id: str
    """The ID of the tool call."""

    type: Literal["function"]
    """The type of the tool. Currently, only `function` is supported."""

    function: ChatCompletionMessageToolCallFunctionParam
    """The function that the model called."""


class ChatCompletionMessageToolCallFunctionParam(TypedDict):
    """The function that the model called."""

    name: str
    """The name of the function to call."""

    arguments: str
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""


class ChatCompletionMessageCustomToolCallParam(TypedDict):
    """A call to a custom tool created by the model."""

    id: str
    """The ID of the tool call."""

    type: Literal["custom"]
    """The type of the tool. Always `custom`."""

    custom: ChatCompletionMessageCustomToolCallCustomParam
    """The custom tool that the model called."""


class ChatCompletionMessageCustomToolCallCustomParam(TypedDict):
    """The custom tool that the model called."""

    name: str
    """The name of the custom tool to call."""

    input: str
    """The input for the custom tool call generated by the model."""


class ChatCompletionRequestAssistantMessageFunctionCall(TypedDict):
    """Deprecated and replaced by `tool_calls`. The name and arguments of a function that should be called, as generated by the model."""

    arguments: str
    """The arguments to call the function with, as generated by the model in JSON format. Note that the model does not always generate valid JSON, and may hallucinate parameters not defined by your function schema. Validate the arguments in your code before calling your function."""

    name: str
    """The name of the function to call."""


class ChatCompletionRequestToolMessage(TypedDict):
    """Tool message"""

    role: Literal["tool"]
    """The role of the messages author, in this case `tool`."""

    content: str | list[ChatCompletionRequestToolMessageContentPart]
    """The contents of the tool message."""

    tool_call_id: str
    """Tool call that this message is responding to."""


class ChatCompletionRequestFunctionMessage(TypedDict):
    """Deprecated. Function message"""

    role: Literal["function"]
    """The role of the messages author, in this case `function`."""

    content: str | None
    """The contents of the function message."""

    name: str
    """The name of the function to call."""


class ChatCompletionAllowedToolsChoice(TypedDict):
    """Constrains the tools available to the model to a pre-defined set."""

    type: Literal["allowed_tools"]
    """Allowed tool configuration type. Always `allowed_tools`."""

    allowed_tools: ChatCompletionAllowedTools


class ChatCompletionAllowedTools(TypedDict):
    """Constrains the tools available to the model to a pre-defined set."""

    mode: Literal["auto", "required"]
    """Constrains the tools available to the model to a pre-defined set."""

    tools: list[dict[str, Any]]
    """A list of tool definitions that the model should be allowed to call."""


class ChatCompletionNamedToolChoice(TypedDict):
    """Specifies a tool the model should use. Use to force the model to call a specific function."""

    type: Literal["function"]
    """For function calling, the type is always `function`."""

    function: ChatCompletionNamedToolChoiceFunction


class ChatCompletionNamedToolChoiceFunction(TypedDict):
    name: str
    """The name of the function to call."""


class ChatCompletionNamedToolChoiceCustom(TypedDict):
    """Specifies a tool the model should use. Use to force the model to call a specific custom tool."""

    type: Literal["custom"]
    """For custom tool calling, the type is always `custom`."""

    custom: ChatCompletionNamedToolChoiceCustomCustom


class ChatCompletionNamedToolChoiceCustomCustom(TypedDict):
    name: str
    """The name of the custom tool to call."""


ChatCompletionMessageToolCalls: TypeAlias = list[
    ChatCompletionMessageToolCall | ChatCompletionMessageCustomToolCall | UnknownVariant
]
"""The tool calls generated by the model, such as function calls."""


ServiceTier: TypeAlias = Literal["auto", "default", "flex", "scale", "priority", "fast"] | None
"""Specifies the processing type used for serving the request.
  - If set to 'auto', then the request will be processed with the service tier configured in the Project settings. Unless otherwise configured, the Project will use 'default'.
  - If set to 'default', then the request will be processed with the standard pricing and performance for the selected model.
  - If set to '[flex](/docs/guides/flex-processing)', then the request will be processed with the Flex Processing service tier.
  - To opt-in to [Fast mode](/api/docs/guides/fast-mode) at the request level, include the `service_tier=fast` or `service_tier=priority` parameter for Responses or Chat Completions. The response will show `service_tier=priority` regardless of if you specify `service_tier=fast` or `priority` in your request.
  - When not set, the default behavior is 'auto'.
"""


ChatCompletionRequestSystemMessageContentPart: TypeAlias = (
    ChatCompletionRequestMessageContentPartText
)


ChatCompletionRequestUserMessageContentPart: TypeAlias = (
    ChatCompletionRequestMessageContentPartText
    | ChatCompletionRequestMessageContentPartImage
    | ChatCompletionRequestMessageContentPartAudio
    | ChatCompletionRequestMessageContentPartFile
)


ChatCompletionRequestAssistantMessageContentPart: TypeAlias = (
    ChatCompletionRequestMessageContentPartText | ChatCompletionRequestMessageContentPartRefusal
)


ChatCompletionMessageToolCallsParam: TypeAlias = list[
    ChatCompletionMessageToolCallParam | ChatCompletionMessageCustomToolCallParam
]
"""The tool calls generated by the model, such as function calls."""


ChatCompletionRequestToolMessageContentPart: TypeAlias = ChatCompletionRequestMessageContentPartText


ChatCompletionRequestMessage: TypeAlias = (
    ChatCompletionRequestDeveloperMessage
    | ChatCompletionRequestSystemMessage
    | ChatCompletionRequestUserMessage
    | ChatCompletionRequestAssistantMessage
    | ChatCompletionRequestToolMessage
    | ChatCompletionRequestFunctionMessage
)


ChatCompletionToolChoiceOption: TypeAlias = (
    Literal["none", "auto", "required"]
    | ChatCompletionAllowedToolsChoice
    | ChatCompletionNamedToolChoice
    | ChatCompletionNamedToolChoiceCustom
)
"""Controls which (if any) tool is called by the model.
`none` means the model will not call any tool and instead generates a message.
`auto` means the model can pick between generating a message or calling one or more tools.
`required` means the model must call one or more tools.
Specifying a particular tool via `{"type": "function", "function": {"name": "my_function"}}` forces the model to call that tool.
"""


ChatCompletion = CreateChatCompletionResponse
ChatCompletionChunk = CreateChatCompletionStreamResponse
ChatCompletionMessage = ChatCompletionResponseMessage
