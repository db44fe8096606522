"""The libyaml fast path of the inventory loader: same data as ruamel, or it steps aside.

``fast_load`` must either raise UseSlowPath or return exactly ``to_plain(ruamel round-trip load)``,
types included (``True`` is not ``1``, ``"0123"`` is not ``83``). ``load_inventory`` must use it for
a clean inventory without parsing with ruamel, and still point at the right file and line later.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ixpctl.analysis.validate import validate
from ixpctl.base import yaml_fast, yamlio
from ixpctl.base.yaml_fast import UseSlowPath, fast_load, fast_load_with_lines
from ixpctl.base.yamlio import YamlDoc, line_of, to_plain
from ixpctl.errors import InputError
from ixpctl.inventory import loader
from ixpctl.inventory.loader import load_inventory
from tests.support.builders import base_inventory, write_yaml

REPO = Path(__file__).resolve().parents[2]
BENCH = Path("/tmp/ixbench/n1000/ixpctl/inventory")

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# --- helpers -------------------------------------------------------------------------------------

def typed(value: Any) -> Any:
    """A comparable form that keeps types and key order (True != 1, 1.0 != 1, "1" != 1)."""
    if isinstance(value, dict):
        return ("dict", [(typed(k), typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [typed(v) for v in value])
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, repr(value))


def ruamel_plain(text: str) -> Any:
    return to_plain(yamlio._yaml().load(text))


def fast_or_none(text: str) -> Any:
    """The fast result, after checking it against ruamel; None when the fast path bailed out."""
    try:
        fast = fast_load(text)
    except UseSlowPath:
        return None
    try:
        slow = ruamel_plain(text)
    except Exception as exc:  # noqa: BLE001 - any ruamel refusal is a fast-path bug
        pytest.fail(f"fast path accepted {text!r}, ruamel refuses it: {exc}")
    assert typed(fast) == typed(slow), f"fast path differs from ruamel for {text!r}"
    return ("fast", fast)


def assert_bails(text: str) -> None:
    with pytest.raises(UseSlowPath):
        fast_load(text)


def plain_locs(data: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location in plain data, as the validators address it."""
    locs = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            locs += plain_locs(value, prefix + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            locs += plain_locs(value, prefix + (index,))
    return locs


def merged_plain(files: list[Path]) -> dict:
    merged: dict = {k: [] for k in loader.LIST_KEYS}
    for file in files:
        for key, value in fast_load(file.read_text(encoding="utf-8")).items():
            if key in loader.LIST_KEYS:
                merged[key] += value or []
            else:
                merged[key] = value
    return merged


@pytest.fixture
def no_ruamel(monkeypatch):
    """Make every ruamel parse fail loudly; yields a function that allows it again."""
    def refuse():
        raise AssertionError("ruamel was asked to parse")
    monkeypatch.setattr(yamlio, "_yaml", refuse)
    return monkeypatch.undo


@pytest.fixture
def count_ruamel(monkeypatch):
    calls = []
    real = yamlio._yaml

    def counting():
        calls.append(1)
        return real()
    monkeypatch.setattr(yamlio, "_yaml", counting)
    return calls


# --- scalars and structures: fast path or bail, never a different answer ------------------------

@pytest.mark.parametrize("text, expected", [
    ("a: true", {"a": True}),
    ("a: False", {"a": False}),
    ("a: 42", {"a": 42}),
    ("a: -7", {"a": -7}),
    ("a: 0", {"a": 0}),
    ("a: 1.5", {"a": 1.5}),
    ("a: ~", {"a": None}),
    ("a: null", {"a": None}),
    ("a: Null", {"a": None}),
    ("a:", {"a": None}),
    ("a: 2026-11-22", {"a": "2026-11-22"}),
    ("a: 'yes'", {"a": "yes"}),
    ('a: "0123"', {"a": "0123"}),
    ("a: '1_000'", {"a": "1_000"}),
    ("a: ''", {"a": ""}),
    ("a: Ségou 日本 😀", {"a": "Ségou 日本 😀"}),
    ("a: 192.0.2.1", {"a": "192.0.2.1"}),
    ("a: 2001:db8::1", {"a": "2001:db8::1"}),
    ("a: 02:00:00:64:96:01", {"a": "02:00:00:64:96:01"}),
    ("a: RIPE::AS-X", {"a": "RIPE::AS-X"}),
    ("a: x#y # comment", {"a": "x#y"}),
    ('a: ["02:00:00:64:96:01", "127.0.0.1:8043"]', {"a": ["02:00:00:64:96:01", "127.0.0.1:8043"]}),
    ("a: {name: xe-0/0/1, speed: 10000}", {"a": {"name": "xe-0/0/1", "speed": 10000}}),
    ("a: [b, [c, {d: e}]]", {"a": ["b", ["c", {"d": "e"}]]}),
    ("- a: 1\n  b: [2]\n-\n- c", [{"a": 1, "b": [2]}, None, "c"]),
    ("'quoted key': 1\n\"other\": 2", {"quoted key": 1, "other": 2}),
    ("---\na: 1\n...\n", {"a": 1}),
])
def test_fast_path_builds_what_ruamel_builds(text, expected):
    result = fast_or_none(text)
    assert result is not None, f"fast path bailed out on {text!r}"
    assert typed(result[1]) == typed(expected)


@pytest.mark.parametrize("text", [
    # YAML 1.1 and 1.2 disagree, or ruamel builds something special
    "a: yes", "a: no", "a: on", "a: Off", "a: Yes", "a: NO", "a: 0123", "a: 0o17", "a: 0x1F",
    "a: 0b101", "a: 1_000", "a: 1:20", "a: 1:20.5", "a: 1e3", "a: 1.0e3", "a: .5", "a: +1", "a: 007",
    "a: .inf", "a: -.inf", "a: .nan", "a: 2026-11-22T10:00:00Z", "a: 2026-11-22 10:00:00",
    "a: 2026-02-30", "a: =",
    # keys that are not plain strings
    "yes: 1", "1: a", "true: a", "null: a", "~: a", ": a", "2026-11-22: a", "? [a]\n: b", "? {a: 1}\n: b",
    # merge keys, anchors, aliases, tags, directives
    "<<: {b: 1}", "a: &x {b: 1}\nc:\n  <<: *x", "a: &x 1\nb: *x", "a: &x 1", "a: !!str 1", "a: ! x",
    "a: !custom x", "!!map {a: 1}", "%YAML 1.1\n---\na: 1", "%TAG !e! tag:e.org,2000:\n---\na: 1",
    # ruamel refuses: duplicate keys, a tab after a value; libyaml refuses
    "a: 1\na: 2", "a: 1\n'a': 2", "{a: 1, a: 2}", "a: x\t", "a: [", "a: b: c",
    # characters and escapes left to ruamel
    "a: x\\y", 'a: "\\x41"', "\ufeffa: 1", "a: \x85", "a: \u2028", "a: \x7f", "a:\tb",
    # multi-line scalars and block scalars
    "a: x\n  y", "a: 'x\n  y'", "a: |\n  x\n", "a: >\n  x\n",
    # flow collections where the two parsers split differently
    "a: [x:y]", "a: [a:]", "a: {a:}", "a: ['':]", 'a: ["a":b]', "a: {b: x?y}", "a: [x#y]",
    # not exactly one document
    "", "# only a comment\n", "a: b\n---\nc: d",
])
def test_fast_path_bails_out(text):
    assert_bails(text)


def test_quoted_scalars_are_strings_on_the_fast_path():
    for word in ("yes", "no", "on", "0123", "1_000", "1:20", "1e3", ".inf", "~", "null", "=", "<<",
                 "2026-11-22T10:00:00Z", "true", "42"):
        for quoted in (f"'{word}'", json.dumps(word)):
            result = fast_or_none(f"a: {quoted}")
            assert result is not None and result[1] == {"a": word}


def test_without_libyaml_everything_goes_to_ruamel(monkeypatch):
    monkeypatch.setattr(yaml_fast, "_CParser", None)
    assert_bails("a: 1")
    loaded = load_inventory(REPO / "inventory")
    assert loaded.inventory.ixp.name == "MLIX"


# --- hypothesis: generated documents full of tricky scalars --------------------------------------

TRICKY = [
    "yes", "no", "on", "off", "Yes", "NO", "y", "n", "true", "True", "FALSE", "0123", "0o17", "0x1F",
    "0b11", "1_000", "1:20", "1:20.5", "12:30:45", "1e3", "1.5", "-2.25", "1.", ".5", "+1", "-0", "0",
    "42", "007", ".inf", "-.inf", ".nan", "~", "null", "Null", "NULL", "", "2026-11-22", "2026-02-30",
    "2026-11-22T10:00:00Z", "2026-11-22 10:00:00", "=", "<<", "192.0.2.1", "2001:db8::1",
    "02:00:00:64:96:01", "AS-FOO", "RIPE::AS-X", "Ségou", "日本", "😀", "a b", "x#y", "a: b", "-x",
    "?x", ":x", "x:", "[a]", "{a: 1}", "a,b", "'", '"', "#", "&a", "*a", "!x", "%x", "@x", "x\ty",
    "x\\y", "0.0", "-0.0", "_1", "1__0",
]
KEYS = ["a", "b", "name", "asn", "yes", "on", "1", "null", "<<", "=", "2026-11-22", "k e y", "é"]


def scalar_texts(pool: list[str]) -> st.SearchStrategy[str]:
    """A scalar written plain, quoted, tagged or anchored."""
    word = st.sampled_from(pool) | st.text(st.sampled_from("ab0:-.# "), max_size=6)
    return st.one_of(
        word,  # plain (may not even be valid YAML: then ruamel must refuse or libyaml bail)
        word.map(lambda w: "'" + w.replace("'", "''") + "'"),
        word.map(lambda w: json.dumps(w, ensure_ascii=False)),
        word.map(lambda w: f"!!str {w}"),
        word.map(lambda w: f"&anc {w}"),
        st.just("*anc"),
    )


def flow_seq(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def flow_map(pairs: list[tuple[str, str]]) -> str:
    return "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"


values = st.recursive(
    scalar_texts(TRICKY).map(lambda s: ("scalar", s)),
    lambda inner: st.one_of(
        st.lists(st.tuples(scalar_texts(KEYS), inner), max_size=4).map(lambda p: ("map", p)),
        st.lists(inner, max_size=4).map(lambda items: ("seq", items)),
        st.lists(scalar_texts(TRICKY), max_size=4).map(lambda items: ("scalar", flow_seq(items))),
        st.lists(st.tuples(scalar_texts(KEYS), scalar_texts(TRICKY)), max_size=3)
        .map(lambda p: ("scalar", flow_map(p))),
    ),
    max_leaves=12)


def render(node: tuple, indent: int = 0) -> list[str]:
    """Block-style YAML lines for a generated node."""
    kind, body = node
    pad = " " * indent
    lines: list[str] = []
    if kind == "scalar":
        return [pad + body]
    for entry in body:
        key, value = entry if kind == "map" else ("-", entry)
        head = f"{pad}{key}:" if kind == "map" else f"{pad}-"
        if value[0] == "scalar":
            lines.append(f"{head} {value[1]}" if value[1] else head)
        elif value[1]:
            lines.append(head)
            lines += render(value, indent + 2)
        else:
            lines.append(f"{head} {'{}' if value[0] == 'map' else '[]'}")
    return lines or [pad + ("{}" if kind == "map" else "[]")]


@SETTINGS
@given(doc=st.lists(st.tuples(scalar_texts(KEYS), values), min_size=1, max_size=5).map(lambda p: ("map", p)))
def test_generated_documents_agree_with_ruamel(doc):
    fast_or_none("\n".join(render(doc)) + "\n")


@SETTINGS
@given(text=st.lists(st.sampled_from(list("ab01:-?[]{},#&*!|>'\"%@` \n\t.~=<y_é") +
                                      ["  ", "\n  ", "- ", ": ", "\n- ", "true", "<<", "2026-01-02"]),
                     max_size=30).map("".join))
def test_arbitrary_text_agrees_with_ruamel(text):
    fast_or_none(text)


def probe_locs(data: Any) -> list[tuple]:
    """Every location, plus a missing key and a missing index below each (the validators ask for
    those too: the answer is then the deepest line that exists)."""
    return [loc + extra for loc in plain_locs(data) for extra in ((), ("zz",), (99,))]


def assert_lines_agree(text: str) -> None:
    try:
        data, lines = fast_load_with_lines(text)
    except UseSlowPath:
        return
    if lines is None:
        return
    node = yamlio._yaml().load(text)
    for loc in probe_locs(data):
        assert lines.line_of(loc) == line_of(node, loc), (text, loc)


@SETTINGS
@given(doc=st.lists(st.tuples(scalar_texts(KEYS), values), min_size=1, max_size=5).map(lambda p: ("map", p)),
       blank=st.booleans())
def test_generated_documents_locate_like_ruamel(doc, blank):
    text = "\n".join(render(doc)) + "\n"
    if blank:  # comments and blank lines move every line below them
        text = "# c\n\n" + text.replace("\n", "\n\n# x\n", 2)
    assert_lines_agree(text)


def test_generated_documents_do_use_the_fast_path():
    # guard against a fast path that always bails (which would make the properties above vacuous)
    text = "\n".join(render(("map", [("a", ("scalar", "1")), ("b", ("seq", [("scalar", "x"), ("scalar", "'y'")]))])))
    assert fast_or_none(text) is not None


# --- real inventories ----------------------------------------------------------------------------

def inventory_texts() -> list[Path]:
    files = sorted((REPO / "inventory").rglob("*.yml"))
    if BENCH.is_dir():
        files += sorted(BENCH.rglob("*.yml"))
    return files


@pytest.mark.parametrize("path", inventory_texts(), ids=str)
def test_real_inventories_take_the_fast_path_with_identical_data(path):
    result = fast_or_none(path.read_text(encoding="utf-8"))
    assert result is not None, f"the fast path bailed out on {path}"
    assert_lines_agree(path.read_text(encoding="utf-8"))


def test_bundled_inventory_loads_and_locates_without_ruamel(no_ruamel):
    loaded = load_inventory(REPO / "inventory")  # would fail if ruamel parsed anything
    file = REPO / "inventory" / "mlix.yml"
    assert "not parsed yet" in repr(loaded.sources.single["ixp"])
    mine = {loc: loaded.locate(loc) for loc in probe_locs(merged_plain([file]))}  # still without ruamel
    validate(loaded, base_dir=REPO)  # locates every connection, MAC and port: no ruamel either
    allow_ruamel = no_ruamel
    allow_ruamel()

    lines = file.read_text(encoding="utf-8").splitlines()
    first_member = next(i for i, line in enumerate(lines, 1) if line.strip() == "- asn: 64496")
    assert loaded.locate(("members", 0, "asn")) == (str(file), first_member)
    assert loaded.locate(("members", 0, "connections", 0, "macs", 0)) == (
        str(file), next(i for i, line in enumerate(lines, 1) if '"02:00:00:64:96:01"' in line))
    assert loaded.locate(("ixp", "rs_asn")) == (
        str(file), next(i for i, line in enumerate(lines, 1) if line.strip().startswith("rs_asn:")))
    assert file in loaded.sources.files  # with inventory/critical-services.yml and inventory/apply.yml

    slow = loader._load_checked(loaded.sources.files)
    assert loaded.inventory == slow.inventory
    for loc, found in mine.items():
        assert found == slow.locate(loc), loc


def test_ruamel_parses_a_file_only_when_its_node_is_asked_for(count_ruamel):
    loaded = load_inventory(REPO / "inventory")
    for _ in range(3):
        loaded.locate(("members", 1, "name"))
        loaded.locate(("ixp", "name"))
    assert count_ruamel == []  # lines come from libyaml's marks
    doc = loaded.sources.single["ixp"]
    assert doc.node is doc.node and count_ruamel == [1]
    assert doc.line_of(("ixp", "name")) == line_of(doc.node, ("ixp", "name"))


def test_multi_file_inventory_merges_and_locates_like_the_ruamel_path(tmp_path, no_ruamel):
    data = base_inventory(members=6)
    write_yaml(tmp_path / "ixp.yml", {k: data[k] for k in ("ixp", "route_servers", "switches")})
    write_yaml(tmp_path / "members" / "a.yml", {"members": data["members"][:2]})
    write_yaml(tmp_path / "members" / "b.yml", {"members": data["members"][2:], "switches": []})
    (tmp_path / "members" / "c.yml").write_text("members:\n", encoding="utf-8")
    loaded = load_inventory(tmp_path)
    files = loader.inventory_files(tmp_path)
    mine = {loc: loaded.locate(loc) for loc in probe_locs(merged_plain(files))}
    no_ruamel()  # allow ruamel from here on

    slow = loader._load_checked(files)
    assert loaded.inventory == slow.inventory
    assert [m.asn for m in loaded.inventory.members] == [m["asn"] for m in data["members"]]
    assert loaded.sources.files == slow.sources.files
    for loc, found in mine.items():
        assert found == slow.locate(loc), loc
    assert loaded.locate(("members", 2, "asn"))[0] == str(tmp_path / "members" / "b.yml")


@pytest.mark.skipif(not BENCH.is_dir(), reason="no benchmark inventory in /tmp/ixbench")
def test_bench_inventory_loads_and_validates_without_ruamel(no_ruamel):
    loaded = load_inventory(BENCH)
    assert len(loaded.inventory.members) >= 1000
    assert validate(loaded, base_dir=BENCH).warnings  # 1000s of warnings, each located by the marks


# --- invalid inventories: errors come from the ruamel path, unchanged -----------------------------

def test_invalid_inventory_falls_back_and_reports_file_and_line(tmp_path):
    data = base_inventory()
    data["members"][1]["contcat"] = "typo@example.org"
    path = write_yaml(tmp_path / "ixp.yml", data)
    assert loader._load_fast([path]) is None
    with pytest.raises(InputError) as err:
        load_inventory(path)
    (problem,) = err.value.problems
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.file == str(path)
    assert problem.line == next(i for i, line in enumerate(lines, 1) if "contcat:" in line)
    assert "did you mean 'contact'" in (problem.fix or "")


def test_duplicate_key_is_reported_by_ruamel(tmp_path):
    path = tmp_path / "ixp.yml"
    write_yaml(path, base_inventory())
    path.write_text(path.read_text(encoding="utf-8") + "members: []\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_inventory(path)
    assert "duplicate key" in err.value.format()
    assert err.value.problems[0].line == len(path.read_text(encoding="utf-8").splitlines())


def test_yes_in_an_inventory_goes_through_ruamel_and_means_a_string(tmp_path, count_ruamel):
    data = base_inventory()
    path = write_yaml(tmp_path / "ixp.yml", data)
    text = path.read_text(encoding="utf-8").replace("name: Member 1\n", "name: yes\n")
    path.write_text(text, encoding="utf-8")
    loaded = load_inventory(path)
    assert loaded.inventory.members[0].name == "yes"  # YAML 1.2: a string, as ruamel reads it
    assert count_ruamel == [1]  # the fast path stepped aside


def test_lazy_doc_parses_once_and_retries_after_a_failure():
    calls = []

    def parse():
        calls.append(1)
        if len(calls) == 1:
            raise InputError("first try fails")
        return {"a": 1}
    doc = YamlDoc(Path("x.yml"), parse=parse)
    with pytest.raises(InputError):
        _ = doc.node
    assert doc.node == {"a": 1}
    assert doc.node == {"a": 1}
    assert len(calls) == 2
