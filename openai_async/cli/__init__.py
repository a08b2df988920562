"""The command line, ``openai-async`` (also ``python -m openai_async``): chat, embed a
corpus, run Batch API jobs, list models, upload / list / download files.

Without ``OPENAI_API_KEY`` every command starts the bundled local server in-process (and
says so on stderr), so each works on a machine with no key and no network. Errors print
the SDK's message on one line and exit 1; Ctrl-C exits 130 after closing files and
checkpoints; usage errors exit 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from .._exceptions import OpenAIError
from . import _batch, _chat, _embed, _files
from ._common import run

__all__ = ["main"]


def parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    root = argparse.ArgumentParser(
        prog="openai-async",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    commands = root.add_subparsers(dest="name", required=True, metavar="COMMAND")
    _chat.add_parser(commands, model=os.environ.get("OPENAI_MODEL", "gpt-4o-mini"))
    _embed.add_parser(commands)
    _batch.add_parser(commands)
    _files.add_parsers(commands)
    return root


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; its exit status."""
    args = parser().parse_args(argv)
    try:
        return run(args.command(args))
    except OpenAIError as exc:
        print(f"openai_async: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # an input file that is missing, an output that cannot be written
        print(f"openai_async: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
