"""Hostile input to `ixpctl build` (issue #15, item 16): valid inventory, policy and snapshot
documents, mutated — wrong types, huge and negative numbers, unicode and rich markup, deleted keys,
YAML aliases — never end in a traceback, an internal error or a config BIRD refuses: the exit code
is 0, 1, 2 or 3. A rejected input changes nothing in the output directory (byte for byte, links
included); an accepted one leaves one consistent generation.

The runtime is kept modest (60 examples per document, a small IXP, rejected inputs stop before
bird -p: about a minute); HOSTILE_EXAMPLES=400 searches longer.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from tests.support.builders import write_yaml
from tests.support.ixp_repo import IxpRepo, make_repo, output_tree

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("bird") is None, reason="bird (Debian bird2) not installed")]
SETTINGS = settings(max_examples=int(os.environ.get("HOSTILE_EXAMPLES", "60")), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
VISIBLE = ("rs1.conf", "rs1.intent.json", "rs2.conf", "rs2.intent.json", "manifest.json")

numbers = st.sampled_from([0, -1, -2**31, 2**31, 2**32 - 1, 2**32, 2**63, 10**30, 65535, 65536, 1.5, 1e308])
texts = st.one_of(
    st.sampled_from(["", "[/]", "[bold red]x[/bold red]", "[link=http://x]y", "a\nb", "\u202eevil", "\x00", " ",
                     "x" * 300, "ünïcödé ☕", "0.0.0.0/0", "::/0", "192.0.2.1/24", "AS-FOO", "-oProxyCommand=x",
                     '"; } protocol bgp x {', "{{ 7 * 7 }}", "2018-02-30", "1e999", "true", "null"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
wrong_types = st.sampled_from([None, True, False, [], {}, [1, 2], {"a": 1}, [None]])
hostile = st.one_of(numbers, texts, wrong_types)


def nodes_of(doc: Any) -> list[tuple[Any, Any]]:
    """(parent, key) of every node below the root, in document order."""
    out: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, child in list(items):
            out.append((node, key))
            walk(child)
    walk(doc)
    return out


# What a mutation does, and to which nodes: a hostile number where a number is, a hostile string
# where a string is (so that most mutations reach the checks behind the type checks), another
# type anywhere, a key deleted, a node replaced by an alias of another one.
KINDS = {
    "number": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "text": lambda v: isinstance(v, str),
    "type": lambda v: True,
    "delete": lambda v: True,
    "alias": lambda v: True,
}


@st.composite
def mutations(draw, kinds: tuple[str, ...] = tuple(KINDS)):
    kind = draw(st.sampled_from(kinds))
    value = draw({"number": numbers, "text": texts}.get(kind, wrong_types))
    return kind, draw(st.integers(0, 100_000)), value, draw(st.integers(0, 100_000))


def mutate(doc: Any, mutation: tuple) -> Any:
    kind, pick, value, other = mutation
    places = nodes_of(doc)
    fitting = [(p, k) for p, k in places if KINDS[kind](p[k])] or places
    parent, key = fitting[pick % len(fitting)]
    if kind == "delete" and isinstance(parent, dict):
        del parent[key]
    elif kind == "alias":  # the same object twice: YAML writes an anchor and an alias
        target_parent, target_key = places[other % len(places)]
        parent[key] = target_parent[target_key]
    else:
        parent[key] = copy.deepcopy(value)
    return doc


@pytest.fixture(scope="module")
def built_repo(tmp_path_factory) -> Path:
    """A repository whose build succeeded once: every example starts from a copy of it."""
    repo = make_repo(tmp_path_factory.mktemp("hostile") / "repo")
    result = repo.build()
    assert result.exit_code == 0, result.output
    return repo.root


def fresh(built_repo: Path, tmp_path_factory) -> IxpRepo:
    root = tmp_path_factory.mktemp("case") / "repo"
    shutil.copytree(built_repo, root, symlinks=True)
    return IxpRepo(root)


def load_yaml_plain(path: Path) -> Any:
    return json.loads(json.dumps(YAML(typ="safe").load(path.read_text())))


def check(repo: IxpRepo) -> None:
    before = output_tree(repo.out)
    result = repo.build()
    event(f"exit {result.exit_code}")  # pytest --hypothesis-show-statistics: how often each outcome
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2, 3), result.output[-3000:]
    assert "Traceback" not in result.output
    if result.exit_code != 0:
        assert output_tree(repo.out) == before, "a rejected input changed the build directory"
        return
    gens = {(repo.out / name).resolve().parent for name in VISIBLE}
    assert gens == {(repo.out / "current").resolve()}, gens
    manifest = json.loads((repo.out / "manifest.json").read_text())
    for name in VISIBLE[:-1]:
        assert manifest["files"][name]["sha256"] == hashlib.sha256((repo.out / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("document", ["inventory", "policy"])
@SETTINGS
@given(mutation=mutations())
def test_a_mutated_yaml_document(built_repo, tmp_path_factory, document, mutation):
    repo = fresh(built_repo, tmp_path_factory)
    path = repo.inventory if document == "inventory" else repo.policy
    write_yaml(path, mutate(load_yaml_plain(path), mutation))
    check(repo)


@SETTINGS
@given(source=st.sampled_from(["peeringdb", "irr", "rpki", "manifest"]),
       mutation=mutations(("number", "text", "type", "delete")), rehash=st.booleans())
def test_a_mutated_snapshot(built_repo, tmp_path_factory, source, mutation, rehash):
    repo = fresh(built_repo, tmp_path_factory)
    if source == "manifest":
        repo.manifest_edit(lambda m: mutate(m, mutation))
    else:
        path = repo.snapshot / f"{source}.json"
        doc = mutate(json.loads(path.read_text()), mutation)
        if rehash:
            repo.snapshot_edit(source, lambda _: json.dumps(doc))
        else:
            path.write_text(json.dumps(doc))
    check(repo)
