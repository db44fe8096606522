"""VRP loading (rpki-client / Routinator / StayRTR JSON and CSV) and RFC 6811 origin validation."""

from __future__ import annotations

import gzip
import ipaddress
import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ixpctl.errors import SourceError
from ixpctl.sources.rpki import (
    RovTable,
    bird_static_roa_config,
    load_vrps,
    parse_vrps,
    roa_table_entries,
)


def write_json(path: Path, roas: list, **extra) -> Path:
    path.write_text(json.dumps({**extra, "roas": roas}))
    return path


# --- loading -------------------------------------------------------------------------------------


def test_rpki_client_json_with_integer_asns_and_metadata(tmp_path):
    path = write_json(tmp_path / "vrps.json", [
        {"asn": 64496, "prefix": "198.51.100.0/24", "maxLength": 24, "ta": "ripe", "expires": 1700000000},
        {"asn": 64497, "prefix": "2001:db8:100::/48", "maxLength": 48, "ta": "ripe", "expires": 1700000000},
    ], metadata={"buildtime": "2026-11-22T10:00:00Z", "vrps": 2})
    load = load_vrps(path)
    assert load.format == "json"
    assert load.vrps == [("198.51.100.0/24", 24, 64496), ("2001:db8:100::/48", 48, 64497)]
    assert load.rejected == 0 and load.warnings() == []


def test_routinator_and_stayrtr_json_with_as_prefixed_asns(tmp_path):
    path = write_json(tmp_path / "vrps.json", [
        {"asn": "AS64496", "prefix": "203.0.113.0/24", "maxLength": 24, "ta": "apnic"},
        {"asn": "as65536", "prefix": "198.18.0.0/15", "maxLength": 24},
    ])
    assert load_vrps(path).vrps == [("198.18.0.0/15", 24, 65536), ("203.0.113.0/24", 24, 64496)]


def test_absent_max_length_means_the_prefix_length(tmp_path):
    path = write_json(tmp_path / "vrps.json", [{"asn": 64496, "prefix": "198.51.100.0/24"}])
    assert load_vrps(path).vrps == [("198.51.100.0/24", 24, 64496)]


def test_gzip_compressed_json(tmp_path):
    path = tmp_path / "vrps.json.gz"
    path.write_bytes(gzip.compress(json.dumps(
        {"roas": [{"asn": "AS64496", "prefix": "198.51.100.0/24", "maxLength": 24}]}).encode()))
    assert load_vrps(path).vrps == [("198.51.100.0/24", 24, 64496)]


def test_routinator_csv(tmp_path):
    path = tmp_path / "vrps.csv"
    path.write_text("ASN,IP Prefix,Max Length,Trust Anchor\n"
                    "AS64496,198.51.100.0/24,24,ripe\n"
                    "AS64497,2001:DB8:200::/48,56,arin\n"
                    "\n")
    load = load_vrps(path)
    assert load.format == "csv"
    assert load.vrps == [("198.51.100.0/24", 24, 64496), ("2001:db8:200::/48", 56, 64497)]


def test_rpki_client_csv_with_expires_column_and_plain_asns(tmp_path):
    path = tmp_path / "vrps.csv"
    path.write_text("ASN,IP Prefix,Max Length,Trust Anchor,Expires\n64496,203.0.113.0/24,24,afrinic,1700000000\n")
    assert load_vrps(path).vrps == [("203.0.113.0/24", 24, 64496)]


@pytest.mark.parametrize("entry, why", [
    ({"asn": 64496, "prefix": "198.51.100.1/24", "maxLength": 24}, "host bits"),
    ({"asn": 64496, "prefix": "2001:db8::1/32", "maxLength": 48}, "host bits"),
    ({"asn": 64496, "prefix": "198.51.100.0/24", "maxLength": 16}, "shorter than the prefix length"),
    ({"asn": 64496, "prefix": "198.51.100.0/24", "maxLength": 33}, "longer than 32"),
    ({"asn": 64496, "prefix": "2001:db8::/32", "maxLength": 129}, "longer than 128"),
    ({"asn": 64496, "prefix": "300.1.1.0/24", "maxLength": 24}, "not a valid IP prefix"),
    ({"asn": 64496, "prefix": "198.51.100.0", "maxLength": 24}, "not an address/length"),
    ({"asn": 64496, "prefix": "198.51.100.0/33", "maxLength": 33}, "longer than 32 bits"),
    ({"asn": "ASfoo", "prefix": "198.51.100.0/24", "maxLength": 24}, "not an AS number"),
    ({"asn": 4294967296, "prefix": "198.51.100.0/24", "maxLength": 24}, "outside"),
    ({"asn": -1, "prefix": "198.51.100.0/24", "maxLength": 24}, "outside"),
    ({"asn": True, "prefix": "198.51.100.0/24", "maxLength": 24}, "not an AS number"),
    ({"asn": 64496, "prefix": "198.51.100.0/24", "maxLength": "x"}, "not a number"),
    ("just a string", "not an object"),
])
def test_malformed_entries_are_counted_and_the_rest_is_kept(tmp_path, entry, why):
    good = {"asn": 64511, "prefix": "203.0.113.0/24", "maxLength": 24}
    load = load_vrps(write_json(tmp_path / "vrps.json", [good, entry]))
    assert load.vrps == [("203.0.113.0/24", 24, 64511)]
    assert load.rejected == 1
    assert why in load.reject_examples[0] and load.reject_examples[0].startswith("roas[1]")
    assert "1 malformed VRP entry skipped" in load.warnings()[0]


def test_reject_examples_are_capped_but_all_rejects_counted(tmp_path):
    bad = [{"asn": 64496, "prefix": f"198.51.100.{i}/24", "maxLength": 24} for i in range(1, 21)]
    load = load_vrps(write_json(tmp_path / "vrps.json", bad + [{"asn": 1, "prefix": "10.0.0.0/8"}]))
    assert load.rejected == 20 and len(load.reject_examples) == 5


def test_csv_malformed_rows_are_counted_with_line_numbers(tmp_path):
    path = tmp_path / "vrps.csv"
    path.write_text("ASN,IP Prefix,Max Length,Trust Anchor\nAS64496,198.51.100.0/24,24,ripe\n"
                    "AS64497,198.51.100.0/24,8,ripe\nAS64498,203.0.113.0/24\n")
    load = load_vrps(path)
    assert load.vrps == [("198.51.100.0/24", 24, 64496)]
    assert load.rejected == 2
    assert load.reject_examples[0].startswith("line 3:") and load.reject_examples[1].startswith("line 4:")


def test_duplicates_are_dropped_and_order_is_deterministic(tmp_path):
    roas = [
        {"asn": "AS64497", "prefix": "2001:db8::/32", "maxLength": 48},
        {"asn": "AS64496", "prefix": "203.0.113.0/24", "maxLength": 24},
        {"asn": 64496, "prefix": "203.0.113.0/24", "maxLength": 24},  # same VRP, other spelling
        {"asn": "AS64496", "prefix": "198.51.100.0/24", "maxLength": 25},
        {"asn": "AS64496", "prefix": "198.51.100.0/24", "maxLength": 24},
        {"asn": "AS64496", "prefix": "10.0.0.0/8", "maxLength": 8},
    ]
    first = load_vrps(write_json(tmp_path / "a.json", roas))
    second = load_vrps(write_json(tmp_path / "b.json", list(reversed(roas))))
    assert first.vrps == second.vrps == [
        ("10.0.0.0/8", 8, 64496), ("198.51.100.0/24", 24, 64496), ("198.51.100.0/24", 25, 64496),
        ("203.0.113.0/24", 24, 64496), ("2001:db8::/32", 48, 64497)]
    assert first.duplicates == 1


def test_empty_vrp_set_is_an_error_not_everything_not_found(tmp_path):
    with pytest.raises(SourceError, match="no usable VRP"):
        load_vrps(write_json(tmp_path / "vrps.json", []))


def test_only_malformed_entries_is_an_error_that_shows_them(tmp_path):
    path = write_json(tmp_path / "vrps.json", [{"asn": 1, "prefix": "10.0.0.1/8", "maxLength": 8}])
    with pytest.raises(SourceError, match="host bits"):
        load_vrps(path)


@pytest.mark.parametrize("content, match", [
    ("<html><body>502 Bad Gateway</body></html>", "neither VRP JSON nor VRP CSV"),
    ("{not json", "not valid JSON"),
    ('{"aspas": []}', "no \"roas\" list"),
    ("", "is empty"),
])
def test_files_that_are_not_vrp_exports(tmp_path, content, match):
    path = tmp_path / "vrps"
    path.write_text(content)
    with pytest.raises(SourceError, match=match):
        load_vrps(path)


def test_binary_and_missing_files(tmp_path):
    binary = tmp_path / "vrps.bin"
    binary.write_bytes(b"\x00\xff\xfe\x80" * 10)
    with pytest.raises(SourceError, match="not a text file"):
        load_vrps(binary)
    with pytest.raises(SourceError, match="cannot read"):
        load_vrps(tmp_path / "nope.json")


def test_parse_vrps_detects_format_from_content():
    assert parse_vrps('{"roas":[{"asn":1,"prefix":"10.0.0.0/8","maxLength":8}]}').format == "json"
    assert parse_vrps("ASN,IP Prefix,Max Length\nAS1,10.0.0.0/8,8\n").format == "csv"


# --- RFC 6811 ------------------------------------------------------------------------------------

TABLE = RovTable([
    ("198.51.100.0/24", 24, 64496),
    ("203.0.113.0/24", 26, 64497),
    ("198.18.0.0/15", 16, 64498),  # only the /15 and /16s for AS64498 ...
    ("198.18.5.0/24", 24, 64499),  # ... and a more specific for someone else
    ("192.0.2.0/24", 24, 0),  # AS0: "must not be routed"
    ("2001:db8:100::/48", 48, 64496),
    ("2001:db8:200::/40", 56, 65536),
])


@pytest.mark.parametrize("prefix, origin, expected", [
    ("198.51.100.0/24", 64496, "valid"),
    ("198.51.100.0/24", 64511, "invalid"),  # wrong origin
    ("198.51.100.0/25", 64496, "invalid"),  # longer than maxLength
    ("203.0.113.64/26", 64497, "valid"),  # within maxLength
    ("203.0.113.0/27", 64497, "invalid"),
    ("203.0.113.0/23", 64497, "not-found"),  # less specific than the VRP: not covered
    ("10.0.0.0/8", 64496, "not-found"),
    ("198.18.0.0/16", 64498, "valid"),
    ("198.18.5.0/24", 64499, "valid"),  # the more specific VRP matches
    ("198.18.5.0/24", 64498, "invalid"),  # covered by both, the /15 one's maxLength is too short
    ("198.18.6.0/24", 64499, "invalid"),  # covered by the /15 only
    ("192.0.2.0/24", 0, "invalid"),  # AS0 VRP never matches, even origin 0
    ("192.0.2.0/24", 64496, "invalid"),
    ("2001:db8:100::/48", 64496, "valid"),
    ("2001:db8:100::/48", 64497, "invalid"),
    ("2001:db8:100:1::/64", 64496, "invalid"),
    ("2001:db8:2ff::/56", 65536, "valid"),
    ("2001:db8:2ff:100::/56", 65536, "valid"),
    ("2001:db8:2ff::/57", 65536, "invalid"),
    ("2001:db8:300::/48", 64496, "not-found"),
    ("2001:db8::/32", 64496, "not-found"),
])
def test_rfc6811_states(prefix, origin, expected):
    assert TABLE.validate(prefix, origin) == expected


def test_multiple_vrps_for_one_prefix_any_match_makes_it_valid():
    table = RovTable([("198.51.100.0/22", 22, 64496), ("198.51.100.0/22", 24, 64497),
                      ("198.51.100.0/22", 23, 64496)])
    assert table.validate("198.51.101.0/24", 64497) == "valid"
    assert table.validate("198.51.100.0/23", 64496) == "valid"
    assert table.validate("198.51.101.0/24", 64496) == "invalid"
    assert len(table) == 1


def test_as0_next_to_a_real_vrp_does_not_hide_it():
    table = RovTable([("198.51.100.0/24", 24, 0), ("198.51.100.0/24", 24, 64496)])
    assert table.validate("198.51.100.0/24", 64496) == "valid"
    assert table.validate("198.51.100.0/24", 64497) == "invalid"


def test_empty_table_says_not_found():
    assert RovTable([]).validate("198.51.100.0/24", 64496) == "not-found"


# --- property: RovTable equals a brute-force reading of RFC 6811 ----------------------------------


def reference(vrps, prefix, origin):
    route = ipaddress.ip_network(prefix)
    covering = [(ipaddress.ip_network(p), m, a) for p, m, a in vrps
                if ipaddress.ip_network(p).version == route.version
                and route.subnet_of(ipaddress.ip_network(p))]
    if not covering:
        return "not-found"
    if any(a == origin and a != 0 and route.prefixlen <= m for _, m, a in covering):
        return "valid"
    return "invalid"


@st.composite
def v4_prefix(draw, base=0xC6120000, span=16):  # inside 198.18.0.0/15 so that prefixes overlap
    length = draw(st.integers(min_value=14, max_value=28))
    address = base | draw(st.integers(min_value=0, max_value=(1 << span) - 1))
    net = ipaddress.IPv4Network((address, length), strict=False)
    return net


@st.composite
def v6_prefix(draw):
    length = draw(st.integers(min_value=28, max_value=64))
    address = (0x20010DB8 << 96) | (draw(st.integers(min_value=0, max_value=(1 << 40) - 1)) << 56)
    return ipaddress.IPv6Network((address, length), strict=False)


@st.composite
def vrp(draw):
    net = draw(st.one_of(v4_prefix(), v6_prefix()))
    maxlen = draw(st.integers(min_value=net.prefixlen, max_value=min(net.max_prefixlen, net.prefixlen + 6)))
    return (str(net), maxlen, draw(st.sampled_from([0, 64496, 64497, 64498])))


def more_specific(draw, prefix: str):
    """A route inside ``prefix``: the case where the covering logic and maxLength matter."""
    net = ipaddress.ip_network(prefix)
    extra = draw(st.integers(min_value=0, max_value=min(8, net.max_prefixlen - net.prefixlen)))
    subnets = 1 << extra
    index = draw(st.integers(min_value=0, max_value=subnets - 1))
    size = 1 << (net.max_prefixlen - net.prefixlen - extra)
    return ipaddress.ip_network((int(net.network_address) + index * size, net.prefixlen + extra))


@settings(max_examples=400, deadline=None)
@given(vrps=st.lists(vrp(), max_size=30), data=st.data())
def test_rov_table_matches_brute_force_reference(vrps, data):
    table = RovTable(vrps)
    routes = data.draw(st.lists(st.tuples(st.one_of(v4_prefix(), v6_prefix()),
                                          st.sampled_from([0, 64496, 64497, 64498, 64499])), max_size=10))
    for p, _, asn in vrps[:10]:
        routes.append((more_specific(data.draw, p), data.draw(st.sampled_from([asn, 64496, 64499]))))
    for net, origin in routes:
        assert table.validate(str(net), origin) == reference(vrps, str(net), origin), (str(net), origin)


# --- BIRD static ROA entries ---------------------------------------------------------------------


def test_roa_table_entries_split_by_family():
    v4, v6 = roa_table_entries([("198.51.100.0/24", 24, 64496), ("2001:db8::/32", 48, 65536)])
    assert v4 == ["route 198.51.100.0/24 max 24 as 64496;"]
    assert v6 == ["route 2001:db8::/32 max 48 as 65536;"]


def test_bird_static_roa_config_declares_tables_and_protocols():
    text = bird_static_roa_config([("198.51.100.0/24", 24, 64496)], table4="t4", table6="t6")
    assert "roa4 table t4;" in text and "roa6 table t6;" in text
    assert "roa4 { table t4; };" in text and "  route 198.51.100.0/24 max 24 as 64496;" in text


# --- the bundled MLIX example --------------------------------------------------------------------

MLIX = Path(__file__).resolve().parents[2] / "examples" / "mlix"


def test_mlix_vrps_give_the_intended_rpki_states():
    """The bundled example has a wrong-origin invalid, a maxLength invalid, an AS0 ROA and some
    not-found routes, so that the lab and the docs can show all three states."""
    load = load_vrps(MLIX / "vrps.json")
    assert load.rejected == 0
    assert all(64496 <= a <= 64511 or 65536 <= a <= 65551 or a == 0 for _, _, a in load.vrps)
    table = RovTable(load.vrps)
    assert table.validate("198.18.9.0/24", 65541) == "invalid"  # the ROA says AS65551
    assert table.validate("198.18.76.0/24", 64504) == "valid"
    assert table.validate("198.18.76.0/25", 64504) == "invalid"  # maxLength 24
    assert table.validate("198.18.22.0/24", 65546) == "valid"  # its own ROA inside AS64497's /21
    assert table.validate("198.18.12.0/24", 65543) == "not-found"
    assert table.validate("198.18.200.0/24", 64496) == "invalid"  # AS0
    lan = [ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("2001:db8:0:10::/64")]
    assert not any(ipaddress.ip_network(p).overlaps(n) for p, _, _ in load.vrps for n in lan
                   if ipaddress.ip_network(p).version == n.version)


def test_mlix_vrps_cover_most_but_not_all_member_routes():
    rpsl = MLIX / "irr.rpsl"
    if not rpsl.exists():
        pytest.skip("examples/mlix/irr.rpsl not there yet")
    routes = re.findall(r"^route6?:\s*(\S+)\s*\n(?:.*\n)*?origin:\s*AS(\d+)", rpsl.read_text(), re.MULTILINE)
    table = RovTable(load_vrps(MLIX / "vrps.json").vrps)
    states = [table.validate(p, int(a)) for p, a in routes]
    covered = sum(s != "not-found" for s in states) / len(states)
    assert 0.75 <= covered <= 0.95, covered
    assert states.count("invalid") >= 2 and states.count("not-found") >= 1
