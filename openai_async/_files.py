"""Multipart uploads: what a file parameter accepts, and the neutral form description the
transport turns into a request body for each attempt. No network here: files on disk are
only checked (they are opened per attempt by the transport); file objects that are not
files on disk (``BytesIO``, pipes) are read once."""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import IO, Any, Union

from ._exceptions import InvalidRequestError
from ._types import NotGiven

__all__ = ["FileContent", "FilePart", "FileTypes", "Form", "build_form"]

#: A file's content: a path (``str`` or ``os.PathLike``), bytes, or a binary file object.
FileContent = Union[str, "os.PathLike[str]", bytes, IO[bytes]]
#: What a file parameter accepts: content, or ``(filename, content[, content_type])``.
FileTypes = Union[
    FileContent, tuple[Union[str, None], FileContent], tuple[Union[str, None], FileContent, str]
]

_DEFAULT_NAME = "upload"


class FilePart:
    """One file of a form: read from ``path`` (from ``offset``) per attempt, or ``data``."""

    __slots__ = ("content_type", "data", "filename", "name", "offset", "path")

    def __init__(
        self,
        name: str,
        filename: str,
        content_type: str,
        *,
        path: str | None = None,
        offset: int = 0,
        data: bytes | None = None,
    ) -> None:
        self.name = name
        self.filename = filename
        self.content_type = content_type
        self.path = path
        self.offset = offset
        self.data = data

    def __repr__(self) -> str:
        return f"FilePart({self.name!r}, filename={self.filename!r})"


class Form:
    """A multipart/form-data body: text fields and files, in order (no file is open)."""

    __slots__ = ("fields", "files")

    def __init__(self, fields: list[tuple[str, str]], files: list[FilePart]) -> None:
        self.fields = fields
        self.files = files

    def __repr__(self) -> str:
        return f"Form(fields={[k for k, _ in self.fields]}, files={self.files})"


def build_form(
    body: Mapping[str, Any] | None, extra_body: Mapping[str, Any] | None, files: Sequence[str]
) -> Form:
    """The form of a request: ``files`` names the keys holding files, the rest are fields.

    Files given as paths must exist now (``FileNotFoundError`` before any request);
    arrays become repeated ``key[]`` fields and objects ``key[sub]`` fields.
    """
    merged = {**(body or {}), **(extra_body or {})}
    fields: list[tuple[str, str]] = []
    parts: list[FilePart] = []
    for key, value in merged.items():
        if isinstance(value, NotGiven) or value is None:
            continue
        if key in files:
            if isinstance(value, list):  # a tuple is one file: (filename, content[, type])
                parts.extend(_file(f"{key}[]", item) for item in value)
            else:
                parts.append(_file(key, value))
        else:
            fields.extend(_flatten(key, value))
    return Form(fields, parts)


def _flatten(key: str, value: Any) -> Iterator[tuple[str, str]]:
    if value is None or isinstance(value, NotGiven):
        return
    if isinstance(value, bool):
        yield key, "true" if value else "false"
    elif isinstance(value, (str, int, float)):
        yield key, str(value)
    elif isinstance(value, Mapping):
        for sub, item in value.items():
            yield from _flatten(f"{key}[{sub}]", item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(f"{key}[]", item)
    else:
        raise InvalidRequestError(
            f"the form field {key!r} cannot be sent as multipart: {type(value).__name__}"
        )


def _file(name: str, value: Any) -> FilePart:
    filename: str | None = None
    content_type: str | None = None
    if isinstance(value, tuple):
        if len(value) not in (2, 3) or not (value[0] is None or isinstance(value[0], str)):
            raise InvalidRequestError(
                f"the file {name!r} must be content or (filename, content[, content_type])"
            )
        filename, content_type, value = value[0], (value[2] if len(value) == 3 else None), value[1]
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not os.path.isfile(path):
            raise FileNotFoundError(errno.ENOENT, "no such file to upload", path)
        part = FilePart(name, filename or os.path.basename(path), "", path=path)
    elif isinstance(value, (bytes, bytearray, memoryview)):
        part = FilePart(name, filename or _DEFAULT_NAME, "", data=bytes(value))
    elif hasattr(value, "read"):
        part = _file_object(name, filename, value)
    else:
        raise InvalidRequestError(
            f"the file {name!r} must be a path, bytes or a binary file object, "
            f"not {type(value).__name__}"
        )
    part.content_type = content_type or _guess_type(part.filename)
    return part


def _file_object(name: str, filename: str | None, value: Any) -> FilePart:
    """A file on disk is reopened by path for each attempt (streamed, never read into
    memory here); other file objects (``BytesIO``, pipes) are read once."""
    path = getattr(value, "name", None)
    if isinstance(path, str) and os.path.isfile(path):
        try:
            offset = value.tell()
        except (OSError, ValueError):
            offset = 0
        return FilePart(name, filename or os.path.basename(path), "", path=path, offset=offset)
    data = value.read()
    if not isinstance(data, bytes):
        raise InvalidRequestError(f"the file {name!r} must be opened in binary mode ('rb')")
    return FilePart(name, filename or _DEFAULT_NAME, "", data=data)


def _guess_type(filename: str) -> str:
    import mimetypes  # reads the system's type tables: only when uploading

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"
