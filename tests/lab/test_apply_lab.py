"""`ixpctl apply` end to end in the lab: two real BIRD route servers and three BIRD members in
network namespaces (``ixpctl.lab``), a real SMTP server (aiosmtpd) and a webhook receiver on
127.0.0.1. Each run goes through the CLI, and is judged where it shows: the routes the receiving
members get, the config files on the route servers, the e-mails and webhook posts that arrived,
the run history.

rs1 is reached over SSH (a real OpenSSH server in its namespace, tests/support/sshd.py), rs2 locally.
The runs, in order (one lab for all of them, torn down by recorded PIDs and names even on failure):
1. a change that drops member AS64503 (its every route): refused, alert sent, nothing deployed;
   then approved with --approve (so the member is really gone);
2. the change that adds AS64503 back: deployed to rs1 then rs2, its routes accepted (at AS64501);
3. a reload that fails on rs1 (an MD5 secret the member does not have: its sessions do not come
   back): rs1 rolled back, rs2 untouched, alert;
4. a day on which a ROA makes a route of AS64501 RPKI invalid: deployed, and AS64501 (French) gets
   one e-mail in French with the reason and the fix.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from ixpctl.cli import main
from ixpctl.lab.lab import vrps_json
from ixpctl.sources.facts import Facts, IrrExpansion, Provenance
from ixpctl.sources.snapshot_write import write_snapshot
from tests.conftest import REPO
from tests.support.builders import base_inventory, make_member, write_inventory
from tests.support.mailbox import smtp_server, webhook_server  # noqa: F401
from tests.support.sshd import HOST, PORT, Sshd, have_openssh

pytestmark = [pytest.mark.lab, pytest.mark.timeout(900)]

M1, M2, M3 = 64501, 64502, 64503
PREFIXES = {M1: ["198.18.1.0/24", "198.18.11.0/24"], M2: ["198.18.2.0/24", "198.18.12.0/24"],
            M3: ["198.18.3.0/24", "198.18.13.0/24"]}


def _inventory(members: list[int], *, deploy: dict[str, dict] | None = None, extra: dict | None = None,
               root: Path, smtp_port: int = 25, webhook: str | None = None) -> dict:
    data = base_inventory(members=0)
    data["ixp"]["lans"][0].pop("ipv6")
    data["ixp"]["support_email"] = "noc@testix.example"
    for rs in data["route_servers"]:
        rs.pop("ipv6")
        if deploy:
            rs["deploy"] = deploy[rs["name"]]
    data["members"] = []
    for asn in members:
        m = make_member(asn - 64500)
        m["connections"][0].pop("ipv6")
        if asn == M1:
            m["language"] = "fr"
            m["notify_emails"] = ["peering@member1.example"]
        m.update((extra or {}).get(asn, {}))
        data["members"].append(m)
    data["sources"] = {"snapshot_dir": str(root / "snapshot"), "rpki": {"vrp_file": str(root / "vrps.json")}}
    data["apply"] = {
        "refresh": ["rpki"], "state_dir": str(root / "state"), "build_dir": str(root / "build"),
        "guard": {"max_removed_share": 0.25},
        "rollout": {"settle_seconds": 15, "observe_seconds": 2},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "sender": "rs@testix.example"},
        "alerts": {"email": ["ops@testix.example"], **({"webhook": webhook} if webhook else {})},
    }
    return data


def _facts() -> Facts:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    f = Facts()
    for asn, prefixes in PREFIXES.items():
        name = f"RIPE::AS-MEMBER{asn - 64500}"
        f.irr[name] = IrrExpansion(name, [asn], [(p, 24, 24) for p in prefixes], [])
    f.vrps = [("198.18.1.0/24", 24, M1)]
    for source in ("peeringdb", "irr", "rpki"):
        f.provenance[source] = Provenance(source, "test", now, "0" * 64)
    return f


@pytest.fixture
def apply_lab(tmp_path, smtp_server, webhook_server):  # noqa: F811
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if shutil.which("bird") is None:
        pytest.skip("bird not installed")
    from ixpctl.lab import Lab, LabConfig

    root = tmp_path / "ixp"
    (root / "vrps.json").parent.mkdir(parents=True)
    (root / "vrps.json").write_text(json.dumps(vrps_json([("198.18.1.0/24", 24, M1)])))
    write_snapshot(_facts(), root / "snapshot")
    lab_inv = write_inventory(root / "lab-inventory", _inventory([M1, M2, M3], root=root))
    config = LabConfig(inventory=lab_inv, policy=REPO / "policies" / "default.yml", snapshot=root / "snapshot",
                       rpki="static", baseline=True)
    lab = Lab.up(config, base=tmp_path / "lab")
    sshd = None
    try:
        lab.wait_established(60)
        deploy = {rs["name"]: {"host": "localhost", "config_path": rs["config"], "control_socket": rs["socket"]}
                  for rs in lab.state.info["route_servers"]}
        if have_openssh():  # rs1 is reached over a real sshd in its namespace, rs2 locally
            rs1 = lab.state.info["route_servers"][0]
            sshd = Sshd(rs1["ns"], tmp_path)
            sshd.start()
            deploy["rs1"].update(host=HOST, port=PORT, user="root")
        yield lab, root, deploy, smtp_server, webhook_server, sshd
    finally:
        if sshd is not None:
            sshd.stop()
        lab.down()


def _apply(root: Path, inventory: dict, *args: str, as_json: bool = True):
    path = write_inventory(root / "inventory", inventory)
    result = CliRunner().invoke(main, ["-i", str(path), "-p", str(REPO / "policies" / "default.yml"), "apply",
                                       "--allow-demo", *(["--json"] if as_json else []), *args],
                                catch_exceptions=False)
    return result


def _received(lab, receiver: int, rs: str, prefix: str, present: bool = True, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bool(lab.speaker(receiver).received(rs, prefix)) == present:
            return True
        time.sleep(0.5)
    return False


def _config(lab, rs: str) -> bytes:
    return Path(next(r["config"] for r in lab.state.info["route_servers"] if r["name"] == rs)).read_bytes()


def test_apply_end_to_end(apply_lab, monkeypatch):
    lab, root, deploy, mail, hooks, sshd = apply_lab
    monkeypatch.chdir(root)
    if sshd is not None:
        monkeypatch.setenv("IXPCTL_SSH", sshd.ssh_command)
    inv = lambda members, **kw: _inventory(members, deploy=deploy, root=root, smtp_port=mail.port,
                                           webhook=hooks.url, **kw)
    assert _received(lab, M1, "rs1", PREFIXES[M3][0])  # the lab starts with AS64503 on both route servers

    # 1. dropping AS64503 removes every route it has: refused, alert, nothing deployed
    before = {rs: _config(lab, rs) for rs in ("rs1", "rs2")}
    refused = _apply(root, inv([M1, M2]))
    assert refused.exit_code == 6, refused.output
    assert {rs: _config(lab, rs) for rs in ("rs1", "rs2")} == before
    runs = json.loads(_apply(root, inv([M1, M2]), "--history").output)
    run_id = runs[0]["run_id"]
    assert runs[0]["outcome"] == "refused" and any("every accepted route of AS64503" in w for w in runs[0]["refusals"])
    alert = mail.to("ops@testix.example")[-1]
    assert "guard refused" in alert["Subject"] and f"--approve {run_id}" in alert.get_content()
    assert hooks.posts[-1][1]["kind"] == "guard refused" and hooks.posts[-1][1]["run_id"] == run_id
    assert _received(lab, M1, "rs1", PREFIXES[M3][0])  # still there
    other = _apply(root, inv([M1]), "--approve", run_id)  # an approval holds for that change only
    assert other.exit_code == 6 and "approved another change" in other.output
    assert {rs: _config(lab, rs) for rs in ("rs1", "rs2")} == before
    approved = _apply(root, inv([M1, M2]), "--approve", run_id, "--approved-by", "amadou")
    assert approved.exit_code == 0, approved.output
    record = json.loads(approved.output)
    assert record["approved_by"] == "amadou" and record["approves"] == run_id
    assert [r["status"] for r in record["route_servers"]] == ["deployed", "deployed"]
    assert _received(lab, M1, "rs2", PREFIXES[M3][0], present=False)

    if sshd is not None:  # rs1 was read and deployed through the real sshd
        assert "Accepted publickey for root" in sshd.log()
        assert record["route_servers"][0]["steps"][0].startswith(f"bird -p on root@{HOST}")

    # 2. adding AS64503: deployed to rs1, then rs2; its routes reach the other members again
    before = {rs: _config(lab, rs) for rs in ("rs1", "rs2")}
    dry = _apply(root, inv([M1, M2, M3]), "--dry-run")
    assert dry.exit_code == 0 and json.loads(dry.output)["outcome"] == "dry-run"
    assert {rs: _config(lab, rs) for rs in ("rs1", "rs2")} == before
    added = _apply(root, inv([M1, M2, M3]))
    assert added.exit_code == 0, added.output
    record = json.loads(added.output)
    assert [(r["route_server"], r["status"]) for r in record["route_servers"]] == [("rs1", "deployed"),
                                                                                   ("rs2", "deployed")]
    assert record["impacts"][0]["sessions_added"] == ["AS64503_1_v4"]
    diff = record["config_diffs"][0]
    assert diff["route_server"] == "rs1" and any(line.startswith("+protocol bgp AS64503_1_v4") for line in diff["lines"])
    for rs in ("rs1", "rs2"):
        for prefix in PREFIXES[M3]:
            assert _received(lab, M1, rs, prefix), f"{prefix} of AS64503 not received from {rs}"

    # 3. rs1's reload fails (AS64502's sessions do not come back): rs1 rolled back, rs2 untouched
    monkeypatch.setenv("TESTIX_MD5_M2", "s3cret-only-the-rs-knows")
    before = {rs: _config(lab, rs) for rs in ("rs1", "rs2")}
    broken = _apply(root, inv([M1, M2, M3], extra={M2: {"md5": {"env": "TESTIX_MD5_M2"}}}))
    assert broken.exit_code == 5, broken.output
    assert _config(lab, "rs1") == before["rs1"] and _config(lab, "rs2") == before["rs2"]
    last = json.loads(_apply(root, inv([M1, M2, M3]), "--history").output)[0]
    assert last["outcome"] == "failed"
    assert [(r["route_server"], r["status"]) for r in last["route_servers"]] == [("rs1", "rolled back"),
                                                                                 ("rs2", "untouched")]
    alert = mail.to("ops@testix.example")[-1]
    assert "deploy failed" in alert["Subject"] and "rs2" in alert.get_content()
    assert _received(lab, M1, "rs1", PREFIXES[M2][0])  # AS64502 back on rs1 after the rollback
    monkeypatch.delenv("TESTIX_MD5_M2")

    # 4. a ROA now authorises AS64999 for 198.18.1.0/24: RPKI invalid; AS64501 is told, in French
    (root / "vrps.json").write_text(json.dumps(vrps_json([("198.18.1.0/24", 24, 64999)])))
    day = _apply(root, inv([M1, M2, M3]))
    assert day.exit_code == 0, day.output
    record = json.loads(day.output)
    assert [r["status"] for r in record["route_servers"]] == ["deployed", "deployed"]
    assert _received(lab, M2, "rs1", "198.18.1.0/24", present=False)
    assert _received(lab, M2, "rs1", "198.18.11.0/24")
    letters = mail.to("peering@member1.example")
    assert len(letters) == 1, (record["notifications"], record["impacts"], record["route_servers"])
    letter = letters[0]
    assert letter["Content-Language"] == "fr" and "désormais filtrée" in letter["Subject"]
    body = letter.get_content()
    assert "Bonjour Member 1" in body and "198.18.1.0/24" in body and "RPKI" in body
    assert "comment corriger" in body and "le ROA 198.18.1.0/24 maxLength 24 autorise AS64999" in body
    assert "authorises" not in body  # the details in French too
    assert [n["status"] for n in record["notifications"]] == ["sent"]
    # the same day again: nothing new for AS64501, and never a second e-mail the same day
    again = _apply(root, inv([M1, M2, M3]))
    assert again.exit_code == 0 and json.loads(again.output)["outcome"] == "unchanged"
    assert len(mail.to("peering@member1.example")) == 1
    human = _apply(root, inv([M1, M2, M3]), as_json=False)
    assert human.exit_code == 0 and "rs1: unchanged" in human.output and ": unchanged: every route server" in human.output
    table = _apply(root, inv([M1, M2, M3]), "--history", as_json=False)
    assert "amadou" in table.output and "refused" in table.output
