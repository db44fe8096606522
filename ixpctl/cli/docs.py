"""`ixpctl docs`: write the published route-server policy (Markdown and HTML, English and French).

The text comes from ``ixpctl.publish.docs`` (a pure function of the inventory and the policy); this
module only writes files. Each file is written to a temporary file next to it and renamed, so a web
server or a git checkout never sees half a document.
"""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from ..base.fsutil import write_atomic
from ..publish.docs import FORMATS, LANGS, build_policy_doc, render_all
from .common import Context, console, json_option, print_json


def _choices(value: str, every: tuple[str, ...]) -> list[str]:
    return list(every) if value == "all" else [value]


@click.command()
@click.option("--lang", type=click.Choice([*LANGS, "all"]), default="all", show_default=True,
              help="Language of the documents.")
@click.option("--format", "fmt", type=click.Choice([*FORMATS, "all"]), default="all", show_default=True,
              help="Markdown, HTML or both.")
@click.option("-o", "--out", "out_dir", default="build/docs", show_default=True,
              type=click.Path(file_okay=False, path_type=Path), help="Output directory.")
@json_option
@click.pass_obj
def docs(ctx: Context, lang: str, fmt: str, out_dir: Path, as_json: bool) -> None:
    """Render the route-server policy and communities for members, from the policy the configs use.

    Exit 0 when the files are written, 2 when the inventory or policy cannot be read.
    """
    doc = build_policy_doc(ctx.loaded_inventory().inventory, ctx.loaded_policy())
    files = render_all(doc, _choices(lang, LANGS), _choices(fmt, FORMATS))
    written = []
    for name, text in files.items():
        path = out_dir / name
        write_atomic(path, text)
        written.append({"path": str(path), "bytes": len(text.encode("utf-8"))})
    if as_json:
        print_json({"ok": True, "ixp": doc.ixp_name, "written": written})
        return
    for item in written:
        console.print(f"[green]wrote[/] {escape(item['path'])} ({item['bytes']} bytes)", markup=True)
