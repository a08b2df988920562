"""Generate the sync facade (``openai_async/_sync/``) from the async source.

For every async resource class (a subclass of ``AsyncAPIResource`` in
``openai_async/resources/``) it writes a sync class with the same methods and
signatures, whose bodies forward to the async method through the client's portal;
``AsyncClient`` gives ``Client`` the same way, and ``AsyncAzureClient`` gives ``AzureClient``
(a ``Client`` with Azure's constructor and ``with_options``). Signatures are copied from the source
text, with ``Async*`` names mapped to their sync twins, so mypy sees real signatures.

    python scripts/gen_sync.py            # write openai_async/_sync/
    python scripts/gen_sync.py --check    # exit 1 if the tree on disk differs (whole tree)
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # however this file is loaded
from _codegen import ROOT, header, parser, write_files, write_or_check

PACKAGE = ROOT / "openai_async"
OUT = PACKAGE / "_sync"
HEADER = header(
    "gen_sync.py", "the async source", "change the async code and run `python scripts/gen_sync.py`."
)

# Names in annotations that have a sync twin.
RENAMES = {
    "AsyncStream": "Stream",
    "AsyncPaginator": "SyncPage",
    "AsyncPage": "SyncPage",
    "AsyncClient": "Client",
    "AsyncAzureClient": "AzureClient",
    "AsyncResultIterator": "ResultIterator",
    "BinaryResponse": "SyncBinaryResponse",
    "AsyncAssistantStream": "AssistantStream",
    "AsyncResponseStream": "ResponseStream",
    "AsyncChatCompletionStream": "ChatCompletionStream",
    "AsyncRealtimeConnectionManager": "RealtimeConnectionManager",
}


def sync_name(name: str) -> str:
    if name in RENAMES:
        return RENAMES[name]
    return name[len("Async") :] if name.startswith("Async") else name


def sync_text(source: str, resource_names: set[str]) -> str:
    """Rename async-only names in a piece of source (an annotation or a signature)."""
    names = set(RENAMES) | resource_names
    pattern = re.compile(
        r"\b(" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + r")\b"
    )
    return pattern.sub(lambda m: sync_name(m.group(1)), source)


def _decorators(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [ast.unparse(d) for d in fn.decorator_list]


def _signature(fn: ast.FunctionDef | ast.AsyncFunctionDef, resource_names: set[str]) -> str:
    args = ast.unparse(fn.args)
    ret = ast.unparse(fn.returns) if fn.returns is not None else "None"
    return sync_text(f"def {fn.name}({args}) -> {ret}:", resource_names)


def _forward_args(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    a = fn.args
    parts = [arg.arg for arg in (*a.posonlyargs, *a.args)[1:]]
    parts += [f"{arg.arg}={arg.arg}" for arg in a.kwonlyargs]
    if a.vararg:
        parts.append(f"*{a.vararg.arg}")
    if a.kwarg:
        parts.append(f"**{a.kwarg.arg}")
    return ", ".join(parts)


def _docstring(node: ast.AST, indent: str) -> list[str]:
    doc = ast.get_docstring(node, clean=False)  # type: ignore[arg-type]
    if not doc:
        return []
    return [f'{indent}"""{doc}"""']


def _is_resource_class(node: ast.ClassDef) -> bool:
    return any(ast.unparse(b) in ("AsyncAPIResource", *MIXINS) for b in node.bases)


# The response views of a namespace (``.with_raw_response`` ...): their wrapping functions'
# sync twins, which run the async method through the portal (``openai_async/_raw.py``).
VIEW_SUFFIXES = ("WithRawResponse", "WithStreamingResponse")
VIEW_WRAPPERS = {
    "to_raw_response": "to_sync_raw_response",
    "to_streamed_response": "to_sync_streamed_response",
}


def _is_view_class(node: ast.ClassDef) -> bool:
    return node.name.startswith("Async") and node.name.endswith(VIEW_SUFFIXES)


def _view_lines(cls: ast.ClassDef, resource_names: set[str]) -> list[str]:
    """The sync twin of a response view: the same text, sync names, sync wrappers."""
    text = sync_text(ast.unparse(cls), resource_names)
    for async_wrap, sync_wrap in VIEW_WRAPPERS.items():
        text = re.sub(rf"\b{async_wrap}\(", f"{sync_wrap}(", text)
    return text.replace("``client.", "``client.", 1).splitlines()


def _mixins() -> dict[str, tuple[str, ast.ClassDef, ast.Module]]:
    """Hand-written bases of generated resource classes (``openai_async/lib/``): their
    methods belong to the sync twin too. Name -> (module, class, module tree)."""
    found: dict[str, tuple[str, ast.ClassDef, ast.Module]] = {}
    for path in sorted((PACKAGE / "lib").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and any(
                ast.unparse(b) == "AsyncAPIResource" for b in node.bases
            ):
                found[node.name] = (path.stem, node, tree)
    return found


MIXINS = _mixins()


def _cached_property_class(fn: ast.FunctionDef) -> str | None:
    if "cached_property" in _decorators(fn) and isinstance(fn.returns, (ast.Name, ast.Constant)):
        return fn.returns.id if isinstance(fn.returns, ast.Name) else str(fn.returns.value)
    return None


def _deprecation_warnings(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    """The method's own ``warnings.warn(..., DeprecationWarning, ...)`` statements."""
    found = []
    for node in fn.body:
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "warnings.warn"
            and "DeprecationWarning" in ast.unparse(node.value)
        ):
            found.append(ast.unparse(node))
    return found


def _method_lines(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, resource_names: set[str]
) -> list[str]:
    lines: list[str] = []
    decorators = _decorators(fn)
    sub = _cached_property_class(fn) if isinstance(fn, ast.FunctionDef) else None
    for d in decorators:
        lines.append(f"    @{d}")
    lines.append("    " + _signature(fn, resource_names))
    if "overload" in decorators:
        lines.append("        ...")
        return lines
    lines += [
        sync_text(line, resource_names).replace("``async with``", "``with``")
        for line in _docstring(fn, "        ")
    ]
    returns = ast.unparse(fn.returns) if fn.returns is not None else ""
    if sub is None:
        # A deprecation warned on the portal's thread would point into anyio, where
        # Python's default filters hide it: warn here too, at the caller.
        lines += [f"        {line}" for line in _deprecation_warnings(fn)]
    if sub is not None:
        for node in fn.body:  # a child namespace in another module, loaded on first use
            if isinstance(node, ast.ImportFrom) and node.level == 1:
                names = ", ".join(sync_name(n.name) for n in node.names)
                lines += [f"        from .{node.module} import {names}", ""]
        if sub.endswith(VIEW_SUFFIXES):  # a response view wraps the sync resource itself
            lines.append(f"        return {sync_name(sub)}(self)")
        else:
            lines.append(f"        return {sync_name(sub)}(self._portal, self._async.{fn.name})")
    elif isinstance(fn, ast.AsyncFunctionDef):
        how = "call_direct" if _plain_call(fn) else "call"
        call = f"self._portal.{how}(partial(self._async.{fn.name}, {_forward_args(fn)}))"
        wrap = [(a, s) for a, s in WRAPPED if re.search(rf"\b{a}\b", returns)]
        if not wrap:
            lines.append(f"        return {call}")
        elif returns in (a for a, _ in wrap) or re.fullmatch(rf"{wrap[0][0]}\[.*\]", returns):
            lines.append(f"        return {wrap[0][1]}(self._portal, {call})")
        else:  # a union: wrap what came back
            members = _union_members(returns)
            only_wrapped = all(any(m.startswith(a) for a, _ in wrap) for m in members)
            # Any: partial() of an overloaded method takes its first overload's return type.
            lines.append(f"        result{': Any' if only_wrapped else ''} = {call}")
            for i, (a, s) in enumerate(wrap):
                if only_wrapped and i == len(wrap) - 1:
                    lines.append(f"        return {s}(self._portal, result)")
                    break
                lines += [
                    f"        if isinstance(result, {a}):",
                    f"            return {s}(self._portal, result)",
                ]
            else:
                lines.append("        return result")
    elif "AsyncResultIterator" in returns:
        lines.append(
            f"        return ResultIterator(self._portal, self._async.{fn.name}({_forward_args(fn)}))"
        )
    elif "AsyncPaginator" in returns:
        lines.append(
            f"        return SyncPage.first(self._portal, self._async.{fn.name}({_forward_args(fn)}))"
        )
    elif returns in SYNC_WRAPPED:  # a plain method whose async result has a sync twin
        lines.append(
            f"        return {SYNC_WRAPPED[returns]}(self._portal, self._async.{fn.name}({_forward_args(fn)}))"
        )
    else:
        lines.append(f"        return self._async.{fn.name}({_forward_args(fn)})")
    return lines


_REQUESTS = {"request", "request_json", "request_stream", "request_binary"}
# Helpers of the lib layer that send one request (through the ``start`` function they are
# given) and await nothing else: a method that awaits one of them is a plain call too.
_ONE_REQUEST_HELPERS = {
    "parse_chat_completion",
    "parse_response",
    "response_stream",
    "stream_chat_completion",
}


def _plain_call(fn: ast.AsyncFunctionDef) -> bool:
    """Whether the sync facade may run ``fn`` without its event loop (``call_direct``):
    every run of its body sends at most one request (``self._client.request*``, or a helper
    of ``_ONE_REQUEST_HELPERS``) and awaits nothing else, with no loop, ``with`` or warning.
    The send loop refuses what still needs the event loop (files, hooks) before sending, and
    the portal then runs the call."""
    nodes = list(ast.walk(fn))
    if any(
        isinstance(n, (ast.For, ast.While, ast.AsyncFor, ast.AsyncWith, ast.With)) for n in nodes
    ):
        return False
    if any(isinstance(n, ast.Call) and ast.unparse(n.func) == "warnings.warn" for n in nodes):
        return False
    awaits = [n for n in nodes if isinstance(n, ast.Await)]
    for node in awaits:
        call = node.value
        if isinstance(call, ast.Call) and ast.unparse(call.func) in _ONE_REQUEST_HELPERS:
            continue
        if not (
            isinstance(call, ast.Call)
            and isinstance(call.func, ast.Attribute)
            and call.func.attr in _REQUESTS
            and ast.unparse(call.func.value) == "self._client"
        ):
            return False
    # A send that is returned ends the run; one other send may come last, in a plain line.
    returned = {id(n.value) for n in nodes if isinstance(n, ast.Return)}
    others = [n for n in awaits if id(n) not in returned]
    if not others:
        return bool(awaits)
    last = [s for s in fn.body if any(isinstance(n, ast.Await) for n in ast.walk(s))][-1]
    return (
        len(others) == 1
        and isinstance(last, (ast.Assign, ast.Expr))
        and any(n is others[0] for n in ast.walk(last))
    )


def _union_members(annotation: str) -> list[str]:
    """The members of a ``A | B[C | D]`` annotation, at the top level."""
    members, depth, start = [], 0, 0
    for i, ch in enumerate(annotation):
        depth += ch == "["
        depth -= ch == "]"
        if ch == "|" and depth == 0:
            members.append(annotation[start:i].strip())
            start = i + 1
    return [*members, annotation[start:].strip()]


# Async results the sync facade wraps: async name -> the sync wrapper's constructor,
# called as ``constructor(portal, result)``.
WRAPPED = [
    ("AsyncStream", "Stream"),
    ("BinaryResponse", "SyncBinaryResponse"),
    ("AsyncAssistantStream", "AssistantStream"),
    ("AsyncResponseStream", "ResponseStream"),
    ("AsyncChatCompletionStream", "ChatCompletionStream.from_async"),
]
# Plain (not async) methods whose result has a sync twin: async type -> the twin's
# constructor, called as ``constructor(portal, result)``.
SYNC_WRAPPED = {"AsyncRealtimeConnectionManager": "RealtimeConnectionManager"}
# Wrappers of the lib layer: sync wrapper -> its module under openai_async.
WRAPPER_MODULES = {
    "AssistantStream": "lib.assistant_stream",
    "ResponseStream": "lib.response_stream",
    "ChatCompletionStream": "lib.chat_stream",
}


def _shift(node: ast.ImportFrom | ast.Import, depth_shift: int, package: str = "") -> str:
    """The import moved ``depth_shift`` packages deeper; ``package``: the subpackage of
    ``openai_async`` the source module is in (its level-1 imports are relative to it)."""
    if isinstance(node, ast.Import):
        return ast.unparse(node)
    names = ", ".join(ast.unparse(n) for n in node.names)
    if package == "resources" and node.level == 1:  # a sibling module: its sync twin
        names = ", ".join(sync_name(n.name) for n in node.names)
        return f"from .{node.module} import {names}"
    if package and node.level == 1:  # lib/: from the sync module, it is ...lib
        module = ".".join(filter(None, [package, node.module]))
        return f"from {'.' * (1 + depth_shift + 1)}{module} import {names}"
    level = node.level + depth_shift if node.level else 0
    return f"from {'.' * level}{node.module or ''} import {names}"


def _imports(
    tree: ast.Module, depth_shift: int, *, extra_type_checking: list[str] = (), package: str = ""
) -> list[str]:  # type: ignore[assignment]
    """The module's imports (its ``TYPE_CHECKING`` block kept as one), moved ``depth_shift`` deeper."""
    out: list[str] = []
    checking: list[str] = list(extra_type_checking)
    for node in tree.body:
        if isinstance(node, (ast.ImportFrom, ast.Import)):
            if not (isinstance(node, ast.ImportFrom) and node.module == "__future__"):
                out.append(_shift(node, depth_shift, package))
        elif isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            checking += [
                _shift(n, depth_shift, package)
                for n in node.body
                if isinstance(n, (ast.ImportFrom, ast.Import))
            ]
    if checking:
        out += [
            "from typing import TYPE_CHECKING",
            "",
            "if TYPE_CHECKING:",
            *("    " + c for c in checking),
        ]
    return out


def _type_checking_last(lines: list[str]) -> list[str]:
    """``lines`` of imports with their ``TYPE_CHECKING`` blocks merged into one at the end,
    after every other import of the module."""
    block = {"", "from typing import TYPE_CHECKING", "if TYPE_CHECKING:"}
    plain = [ln for ln in lines if not ln.startswith("    ") and ln not in block]
    checking = [ln for ln in lines if ln.startswith("    ")]
    if not checking:
        return plain
    return [*plain, "from typing import TYPE_CHECKING", "", "if TYPE_CHECKING:", *checking]


def generate_resource_module(path: Path, resource_names: set[str]) -> str | None:
    tree = ast.parse(path.read_text())
    classes = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_resource_class(n)]
    if not classes:
        return None
    views = [n for n in tree.body if isinstance(n, ast.ClassDef) and _is_view_class(n)]
    module = path.stem
    mixins = [MIXINS[b] for c in classes for b in map(ast.unparse, c.bases) if b in MIXINS]
    text = ast.unparse(tree) + "".join(ast.unparse(t) for _, _, t in mixins)
    sync_base = ["Stream", "SyncAPIResource", "SyncBinaryResponse", "SyncPage"]
    if "AsyncResultIterator" in text:
        sync_base.insert(0, "ResultIterator")
    lines = [
        HEADER,
        f'"""Sync facade of :mod:`openai_async.resources.{module}`."""',
        "",
        "from __future__ import annotations",
        "",
        "from functools import cached_property, partial",
        "from typing import Any, overload",
        "",
        *_type_checking_last(
            [
                *_imports(tree, 1, package="resources"),
                *(line for _, _, t in mixins for line in _imports(t, 1, package="lib")),
                *(f"from ...lib.{m} import {', '.join(_module_names(t))}" for m, _, t in mixins),
                "from ..._binary import BinaryResponse",
                "from ..._streaming import AsyncStream",
                f"from ..._syncbase import {', '.join(sync_base)}",
                *(
                    ["from ..._raw import to_sync_raw_response, to_sync_streamed_response"]
                    if views
                    else []
                ),
                f"from ...resources.{module} import {', '.join(_module_names(tree))}",
                *(
                    f"from ...{m} import {name}"
                    for name, m in WRAPPER_MODULES.items()
                    if re.search(rf"\bAsync{name}\b", text)
                ),
            ]
        ),
        "",
        f"__all__ = [{', '.join(repr(sync_name(c.name)) for c in sorted([*classes, *views], key=lambda c: c.name))}]",
    ]
    for cls in classes:
        lines += ["", "", f"class {sync_name(cls.name)}(SyncAPIResource):"]
        lines += _docstring(cls, "    ")
        lines.append(f"    _async: {cls.name}")
        inherited = [MIXINS[b][1].body for b in map(ast.unparse, cls.bases) if b in MIXINS]
        for item in [*(i for body in inherited for i in body), *cls.body]:
            if isinstance(
                item, (ast.FunctionDef, ast.AsyncFunctionDef)
            ) and not item.name.startswith("_"):
                lines.append("")
                lines += _method_lines(item, resource_names)
    for view in views:
        lines += ["", "", *_view_lines(view, resource_names)]
    return "\n".join(lines) + "\n"


def _module_names(tree: ast.Module) -> list[str]:
    """Public names a module defines at top level (its signatures may use them)."""
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names.add(node.name)
    return sorted(n for n in names if not n.startswith("_"))


CLIENT_DOC = [
    '"""The sync client: the same resources and methods as AsyncClient, run on a portal thread."""',
    '    """The sync OpenAI client. Same settings as :class:`AsyncClient`; close it with',
    '    ``close()`` or ``with``. Do not call it from a thread that runs an event loop."""',
]
AZURE_DOC = [
    '"""The sync Azure OpenAI client: AsyncAzureClient\'s settings, run on a portal thread."""',
    '    """The sync Azure OpenAI client. Same settings as :class:`AsyncAzureClient`, same',
    '    resources as :class:`Client`. Do not call it from a thread that runs an event loop."""',
]


# Client properties whose object does no I/O (a ``lib/`` class, not a resource): the sync
# client hands out the async client's object itself, with no portal in between.
PASSED_THROUGH = {"webhooks"}


def generate_client(
    resource_names: set[str],
    *,
    module: str = "_client",
    async_cls: str = "AsyncClient",
    base: str = "SyncClientBase",
    base_import: str = "from .._syncbase import Portal, SyncClientBase",
    doc: list[str] = CLIENT_DOC,
) -> str:
    """The sync twin of the client class ``async_cls`` of ``openai_async/{module}.py``."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == async_cls)
    sync_cls = sync_name(async_cls)
    methods = {n.name: n for n in cls.body if isinstance(n, ast.FunctionDef)}
    init, with_options = methods["__init__"], methods["with_options"]
    properties = [
        (n.name, _cached_property_class(n)) for n in methods.values() if _cached_property_class(n)
    ]
    resources = [(n, c) for n, c in properties if n not in PASSED_THROUGH]
    lines = [
        HEADER,
        doc[0],
        "",
        "from __future__ import annotations",
        "",
        "from functools import cached_property",
        "",
        f"from ..{module} import {', '.join(_module_names(tree))}",
        base_import,
        *_imports(
            tree,
            1,
            extra_type_checking=[
                f"from .resources.{n} import {sync_name(c or '')}" for n, c in resources
            ],
        ),
        "",
        f'__all__ = ["{sync_cls}"]',
        "",
        "",
        f"class {sync_cls}({base}):",
        *doc[1:],
        "",
        *([f"    _async: {async_cls}", ""] if base != "SyncClientBase" else []),
        "    " + _signature(init, resource_names),
        f"        self._async = {async_cls}({_forward_args(init)})",
        "        self._init_portal()",
        "",
        "    " + _signature(with_options, resource_names),
    ]
    lines += _docstring(with_options, "        ")
    lines += [
        f"        new = object.__new__({sync_cls})",
        f"        new._async = self._async.with_options({_forward_args(with_options)})",
        "        new._init_portal(self)",
        "        return new",
    ]
    if any(_is_alias(n, "copy", "with_options") for n in cls.body):
        lines += ["", "    copy = with_options"]
    for name, resource_cls in properties:
        assert resource_cls is not None
        if name in PASSED_THROUGH:
            lines += ["", "    @property", f"    def {name}(self) -> {resource_cls}:"]
            lines += [f"        return self._async.{name}"]
            continue
        lines += [
            "",
            "    @cached_property",
            f"    def {name}(self) -> {sync_name(resource_cls)}:",
            f"        from .resources.{name} import {sync_name(resource_cls)}",
            "",
            f"        return {sync_name(resource_cls)}(self._portal, self._async.{name})",
        ]
    return "\n".join(lines) + "\n"


def _is_alias(node: ast.stmt, name: str, target: str) -> bool:
    """Whether ``node`` is ``name = target`` in a class body."""
    return (
        isinstance(node, ast.Assign)
        and [ast.unparse(t) for t in node.targets] == [name]
        and ast.unparse(node.value) == target
    )


def generate(out: Path) -> None:
    resource_files = sorted((PACKAGE / "resources").glob("*.py"))
    resource_names = {
        n.name
        for p in resource_files
        for n in ast.parse(p.read_text()).body
        if isinstance(n, ast.ClassDef) and (_is_resource_class(n) or _is_view_class(n))
    }
    files: dict[str, str] = {
        "__init__.py": HEADER + '"""The sync facade, generated from the async source."""\n',
        "client.py": generate_client(resource_names),
        "azure.py": generate_client(
            resource_names,
            module="_azure",
            async_cls="AsyncAzureClient",
            base="Client",
            base_import="from .client import Client",
            doc=AZURE_DOC,
        ),
        "resources/__init__.py": HEADER,
    }
    for path in resource_files:
        text = generate_resource_module(path, resource_names)
        if text is not None:
            files[f"resources/{path.name}"] = text
    write_files(out, files)


def main() -> int:
    args = parser(__doc__, OUT).parse_args()
    return write_or_check(
        OUT, generate, check=args.check, script="gen_sync.py", source="the async source"
    )


if __name__ == "__main__":
    sys.exit(main())
