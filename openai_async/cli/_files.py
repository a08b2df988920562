"""``models list`` and ``files upload | list | download``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ._common import open_client, say

__all__ = ["add_parsers"]


def add_parsers(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    models = commands.add_parser("models", help="the models the server offers")
    models_actions = models.add_subparsers(dest="action", required=True)
    listing = models_actions.add_parser("list", help="print each model's id")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(command=_models_list)

    files = commands.add_parser("files", help="upload, list and download files")
    actions = files.add_subparsers(dest="action", required=True)
    upload = actions.add_parser("upload", help="upload a file; prints its id")
    upload.add_argument("path")
    upload.add_argument(
        "--purpose", required=True, help="batch, fine-tune, assistants, vision, user_data, evals"
    )
    upload.set_defaults(command=_upload)
    listing = actions.add_parser("list", help="id, bytes, purpose and name of each file")
    listing.add_argument("--purpose", default=None, help="only the files of this purpose")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    listing.set_defaults(command=_list)
    download = actions.add_parser("download", help="write a file's content")
    download.add_argument("file_id")
    download.add_argument("--out", default="-", help="where to write it (default: stdout)")
    download.set_defaults(command=_download)


async def _models_list(args: argparse.Namespace) -> int:
    async with open_client() as client:
        async for model in client.models.list():
            print(model.to_json(indent=None) if args.json else model.id)
    return 0


async def _upload(args: argparse.Namespace) -> int:
    async with open_client() as client:
        created = await client.files.create(file=Path(args.path), purpose=args.purpose)
    print(created.id)
    return 0


async def _list(args: argparse.Namespace) -> int:
    async with open_client() as client:
        pages = (
            client.files.list() if args.purpose is None else client.files.list(purpose=args.purpose)
        )
        async for file in pages:
            if args.json:
                print(file.to_json(indent=None))
            else:
                print(f"{file.id}\t{file.bytes}\t{file.purpose}\t{file.filename}")
    return 0


async def _download(args: argparse.Namespace) -> int:
    async with open_client() as client:
        content = await client.files.content(args.file_id)
        if args.out == "-":
            async for chunk in content.iter_bytes():
                sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()
            return 0
        await content.write_to_file(args.out)
    say(f"wrote {args.file_id} to {args.out}")
    return 0
