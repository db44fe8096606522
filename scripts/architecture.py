#!/usr/bin/env python3
"""The README's package tree, generated from the packages themselves: each package's docstring
(its first sentence) and its `May import:` line, in the order of the ranks that
tests/unit/test_layering.py enforces. Writing it by hand let the README drift from the code.

    scripts/architecture.py            print the tree
    scripts/architecture.py --write    replace the tree in README.md (between the markers)
    scripts/architecture.py --check    exit 1 when README.md's tree is not the generated one
"""

from __future__ import annotations

import ast
import re
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- architecture:begin (scripts/architecture.py --write) -->", "<!-- architecture:end -->"
TOP_FILES = {"errors": "errors.py", "build": "build.py"}
NAME_W, DESC_W, MAY_W, MAX_LINES = 14, 46, 40, 2


def _ranks() -> dict[str, float]:
    tree = ast.parse((REPO / "tests" / "unit" / "test_layering.py").read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "RANKS":
            return ast.literal_eval(node.value)
    raise SystemExit("RANKS not found in tests/unit/test_layering.py")


def _docstring(name: str) -> str:
    path = REPO / "ixpctl" / (TOP_FILES.get(name) or f"{name}/__init__.py")
    return ast.get_docstring(ast.parse(path.read_text())) or ""


def _first_sentence(doc: str) -> str:
    text = " ".join(doc.split("\n\n")[0].split())
    text = text.replace("``", "`")
    match = re.match(r"(.+?\.)(\s|$)", text)
    return (match.group(1) if match else text).rstrip(".")


def tree() -> str:
    ranks = _ranks()
    rows = []
    names = [n for n in sorted(ranks, key=lambda n: (ranks[n], n))
             if (REPO / "ixpctl" / (TOP_FILES.get(n) or n)).exists() and n != "__main__"]
    for i, name in enumerate(names):
        doc = _docstring(name)
        may = re.search(r"^May import: *(.*)$", doc, re.M)
        label = TOP_FILES.get(name) or f"{name}/"
        desc = textwrap.wrap(_first_sentence(doc), DESC_W) or [""]
        if len(desc) > MAX_LINES:  # the docstring says the rest; the tree is an overview
            desc = [*desc[:MAX_LINES - 1], textwrap.shorten(" ".join(desc[MAX_LINES - 1:]), DESC_W, placeholder=" …")]
        imports = textwrap.wrap(may.group(1) if may else "(nothing)", MAY_W)
        branch = "└── " if i == len(names) - 1 else "├── "
        cont = "    " if i == len(names) - 1 else "│   "
        for j in range(max(len(desc), len(imports))):
            left = (branch + label.ljust(NAME_W)) if j == 0 else (cont + " " * NAME_W)
            d = desc[j] if j < len(desc) else ""
            m = imports[j] if j < len(imports) else ""
            rows.append(f"{left} {d.ljust(DESC_W)}  {m}".rstrip())
    header = f"{'ixpctl/'.ljust(NAME_W + 4)} {'what it is for'.ljust(DESC_W)}  may import"
    return "\n".join([header, *rows])


def block() -> str:
    return f"{BEGIN}\n```text\n{tree()}\n```\n{END}"


def main(argv: list[str]) -> int:
    readme = REPO / "README.md"
    text = readme.read_text()
    pattern = re.compile(re.escape(BEGIN) + r".*?" + re.escape(END), re.S)
    if "--write" in argv:
        if not pattern.search(text):
            print(f"README.md has no {BEGIN} ... {END} markers", file=sys.stderr)
            return 1
        readme.write_text(pattern.sub(lambda _m: block(), text))
        return 0
    if "--check" in argv:
        found = pattern.search(text)
        if not found or found.group(0) != block():
            print("README.md's package tree is not the generated one: run scripts/architecture.py --write",
                  file=sys.stderr)
            return 1
        return 0
    print(tree())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
