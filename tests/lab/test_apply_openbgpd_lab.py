"""`ixpctl apply` with one route server of each daemon: rs1 on BIRD, rs2 on OpenBGPD (a real bgpd
in its network namespace, ``route_servers[].daemon: openbgpd``), three BIRD members, a real SMTP
server (aiosmtpd) on 127.0.0.1. Each run goes through the CLI and is judged where it shows: the
routes the members receive from each route server, the config files, the alert that arrived, the
run record. One lab for every step (torn down by recorded PIDs and names, even on failure):

rs2 is reached over SSH (a real OpenSSH server in its namespace, tests/support/sshd.py), rs1 locally.

1. AS64503 removed (the guard allows it here): deployed to rs1 then rs2 — bgpd drops the session
   on purpose (``expect_removed``) and the rollout does not wait for it; its routes are gone;
2. AS64503 added back: deployed to both; its routes reach AS64501 from rs1 AND from rs2, and the
   guard read rs2's accepted routes through bgpctl (the accepted-route count rs2 was held to);
3. rs1's reload fails (an MD5 secret AS64502 does not have): rs1 rolled back, rs2 (OpenBGPD)
   untouched, alert;
4. a ROA makes a route of AS64501 RPKI invalid: filtered by both (rs2's reason read from its
   Rejected RIB with bgpctl); AS64501 gets one e-mail, in French, the route listed once;
5. rs2's reload fails (its address moves to one its host lacks: bgpd refuses the file): rs2 rolled
   back to the config it ran, its members keep their routes; rs1 unchanged. Last, because OpenBGPD
   7.7 may refuse further reloads after a failed one.
Then the run records are read as README "Run records" says a monitoring reader should.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from ixpctl.apply.live import read_live
from ixpctl.deploy.target import target_for
from ixpctl.inventory.models import DeployTarget
from ixpctl.lab.lab import vrps_json
from ixpctl.sources.snapshot_write import write_snapshot
from tests.conftest import REPO
from tests.lab.test_apply_lab import M1, M2, M3, PREFIXES, _apply, _config, _facts, _inventory, _received
from tests.support.builders import write_inventory
from tests.support.mailbox import smtp_server  # noqa: F401
from tests.support.sshd import HOST, PORT, Sshd, have_openssh

pytestmark = [pytest.mark.lab, pytest.mark.timeout(600)]


def _mixed(members: list[int], *, root: Path, deploy: dict | None = None, smtp_port: int = 25,
           rs2: dict | None = None, **kw) -> dict:
    data = _inventory(members, root=root, deploy=deploy, smtp_port=smtp_port, **kw)
    data["route_servers"][1].update(daemon="openbgpd", **(rs2 or {}))
    # removing one member of three is intended here (step 1); the refusal itself is test_apply_lab's
    data["apply"]["guard"] = {"max_removed_share": 0.5, "refuse_member_wipe": False}
    return data


@pytest.fixture
def mixed_lab(tmp_path, smtp_server):  # noqa: F811
    if os.geteuid() != 0:
        pytest.skip("needs root (network namespaces)")
    if shutil.which("bird") is None or shutil.which("bgpd") is None:
        pytest.skip("bird and bgpd (openbgpd) needed")
    from ixpctl.lab import Lab, LabConfig

    root = tmp_path / "ixp"
    root.mkdir()
    (root / "vrps.json").write_text(json.dumps(vrps_json([("198.18.1.0/24", 24, M1)])))
    write_snapshot(_facts(), root / "snapshot")
    lab_inv = write_inventory(root / "lab-inventory", _mixed([M1, M2, M3], root=root))
    config = LabConfig(inventory=lab_inv, policy=REPO / "policies" / "default.yml", snapshot=root / "snapshot",
                       rpki="static", baseline=True)
    lab = Lab.up(config, base=tmp_path / "lab")
    sshd = None
    try:
        lab.wait_established(60)
        deploy = {}
        for rs in lab.state.info["route_servers"]:
            deploy[rs["name"]] = {"host": "localhost", "config_path": rs["config"], "control_socket": rs["socket"]}
            if rs.get("daemon") == "openbgpd":
                deploy[rs["name"]].update(bgpd_binary=rs["bgpd"], bgpctl_binary=rs["bgpctl"])
        assert lab.daemon("rs2") == "openbgpd" and lab.daemon("rs1") == "bird"
        if have_openssh():  # the OpenBGPD rs2 is read and deployed through a real sshd in its namespace
            sshd = Sshd(lab.state.info["route_servers"][1]["ns"], tmp_path)
            sshd.start()
            deploy["rs2"].update(host=HOST, port=PORT, user="root")
        yield lab, root, deploy, smtp_server, sshd
    finally:
        if sshd is not None:
            sshd.stop()
        lab.down()


def _statuses(record: dict) -> list[tuple[str, str]]:
    return [(r["route_server"], r["status"]) for r in record["route_servers"]]


def _holds_baseline(rs: str, target: dict, timeout: float = 60) -> bool:
    daemon = "openbgpd" if rs == "rs2" else "bird"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        live = read_live(rs, target_for(DeployTarget(**target)), daemon=daemon)
        if sum(len(routes) for routes in live.accepted_by_member().values()) == 6:
            return True
        time.sleep(0.5)
    return False


def test_apply_bird_and_openbgpd_route_servers(mixed_lab, monkeypatch):
    lab, root, deploy, mail, sshd = mixed_lab
    monkeypatch.chdir(root)
    if sshd is not None:
        monkeypatch.setenv("IXPCTL_SSH", sshd.ssh_command)
    where = f"root@{HOST}" if sshd is not None else "localhost"
    inv = lambda members, **kw: _mixed(members, root=root, deploy=deploy, smtp_port=mail.port, **kw)
    for rs in ("rs1", "rs2"):
        assert _received(lab, M1, rs, PREFIXES[M3][0]), f"the lab starts with AS64503 on {rs}"
        # apply judges what each route server holds when it reads it: wait until both hold the whole
        # baseline (2 routes from each of 3 members), not just the one route a member received
        assert _holds_baseline(rs, deploy[rs]), f"{rs} never held the 6 baseline routes"

    # 1. AS64503 removed: rs2's bgpd drops its session on purpose, the rollout does not wait for it
    removed = _apply(root, inv([M1, M2]))
    assert removed.exit_code == 0, removed.output
    record = json.loads(removed.output)
    assert _statuses(record) == [("rs1", "deployed"), ("rs2", "deployed")]
    rs2_impact = record["impacts"][1]
    assert rs2_impact["route_server"] == "rs2" and rs2_impact["sessions_removed"] == ["AS64503_1_v4"]
    assert rs2_impact["accepted_now"] == 6  # read live through bgpctl: 2 routes from each of 3 members
    assert sorted(m["prefix"] for m in rs2_impact["removed"]) == sorted(PREFIXES[M3])
    assert b"AS64503" not in _config(lab, "rs2") and b"neighbor" in _config(lab, "rs2")
    for rs in ("rs1", "rs2"):
        assert _received(lab, M1, rs, PREFIXES[M3][0], present=False), f"AS64503 still announced by {rs}"
        assert _received(lab, M1, rs, PREFIXES[M2][0])

    # 2. AS64503 added back: deployed to rs1, then rs2; its routes reach AS64501 from both
    added = _apply(root, inv([M1, M2, M3]))
    assert added.exit_code == 0, added.output
    record = json.loads(added.output)
    assert _statuses(record) == [("rs1", "deployed"), ("rs2", "deployed")]
    assert [i["sessions_added"] for i in record["impacts"]] == [["AS64503_1_v4"], ["AS64503_1_v4"]]
    rs2 = record["route_servers"][1]
    assert any(s.startswith(f"bgpd -n on {where}: ok") for s in rs2["steps"])
    assert "bgpctl reload: request processed" in rs2["steps"] and rs2["steps"][-1].startswith("settled: ")
    for rs in ("rs1", "rs2"):
        for prefix in PREFIXES[M3]:
            assert _received(lab, M1, rs, prefix), f"{prefix} of AS64503 not received from {rs}"
    # the route servers' live state after it, as apply reads it: AS64503's routes accepted on rs2 too
    live = read_live("rs2", target_for(DeployTarget(**deploy["rs2"])), daemon="openbgpd")
    assert sorted(r.prefix for r in live.accepted_by_member()[M3]) == sorted(PREFIXES[M3])
    assert live.imported("AS64503_1_v4") == 2 and live.established() >= {"AS64501_1_v4", "AS64503_1_v4"}

    # 3. rs1's reload fails (AS64502's sessions do not come back): rs1 rolled back, rs2 untouched
    monkeypatch.setenv("TESTIX_MD5_M2", "s3cret-only-the-rs-knows")
    before = {rs: _config(lab, rs) for rs in ("rs1", "rs2")}
    broken = _apply(root, inv([M1, M2, M3], extra={M2: {"md5": {"env": "TESTIX_MD5_M2"}}}))
    assert broken.exit_code == 5, broken.output
    assert {rs: _config(lab, rs) for rs in ("rs1", "rs2")} == before
    last = json.loads(_apply(root, inv([M1, M2, M3]), "--history").output)[0]
    assert last["outcome"] == "failed" and _statuses(last) == [("rs1", "rolled back"), ("rs2", "untouched")]
    alert = mail.to("ops@testix.example")[-1]
    assert "deploy failed" in alert["Subject"] and "not deployed (untouched): rs2" in alert.get_content()
    assert _received(lab, M1, "rs1", PREFIXES[M2][0]) and _received(lab, M1, "rs2", PREFIXES[M2][0])
    monkeypatch.delenv("TESTIX_MD5_M2")

    # 4. a ROA now authorises AS64999 for 198.18.1.0/24: filtered on both route servers (rs2's
    # Rejected RIB, read with bgpctl, carries the reason); AS64501 gets one e-mail, in French
    (root / "vrps.json").write_text(json.dumps(vrps_json([("198.18.1.0/24", 24, 64999)])))
    day = _apply(root, inv([M1, M2, M3]))
    assert day.exit_code == 0, day.output
    record = json.loads(day.output)
    assert _statuses(record) == [("rs1", "deployed"), ("rs2", "deployed")]
    assert [[m["prefix"] for m in i["removed"]] for i in record["impacts"]] == [["198.18.1.0/24"]] * 2
    for rs in ("rs1", "rs2"):
        assert _received(lab, M2, rs, "198.18.1.0/24", present=False) and _received(lab, M2, rs, "198.18.11.0/24")
    live = read_live("rs2", target_for(DeployTarget(**deploy["rs2"])), daemon="openbgpd")
    (invalid,) = [r for r in live.filtered if r.prefix == "198.18.1.0/24"]
    assert invalid.protocol == "AS64501_1_v4" and invalid.reject_reason(64500).check == "rpki_invalid"
    letters = mail.to("peering@member1.example")
    assert len(letters) == 1 and letters[0]["Content-Language"] == "fr", record["notifications"]
    body = letters[0].get_content()
    assert "198.18.1.0/24" in body and "RPKI" in body and "le ROA 198.18.1.0/24 maxLength 24 autorise AS64999" in body
    assert body.count("198.18.1.0/24  (") == 1  # filtered on both route servers: told once

    # 5. rs2's reload fails: its new address is not on its host, bgpd refuses the file on reload
    before = {rs: _config(lab, rs) for rs in ("rs1", "rs2")}
    moved = _apply(root, inv([M1, M2, M3], rs2={"ipv4": "192.0.2.3", "router_id": "192.0.2.3"}))
    assert moved.exit_code == 5, moved.output
    last = json.loads(_apply(root, inv([M1, M2, M3]), "--history").output)[0]
    assert last["outcome"] == "failed" and _statuses(last) == [("rs1", "unchanged"), ("rs2", "rolled back")]
    problem = last["route_servers"][1]["problems"][0]
    assert "reload failed" in problem and "previous config was put back" in problem
    assert {rs: _config(lab, rs) for rs in ("rs1", "rs2")} == before
    assert not Path(next(r["config"] for r in lab.state.info["route_servers"] if r["name"] == "rs2") + ".new").exists()
    if sshd is not None:  # rs2 was read, deployed and rolled back through the real sshd, with its key
        assert "Accepted publickey for root" in sshd.log()
    alert = mail.to("ops@testix.example")[-1]
    assert "deploy failed" in alert["Subject"] and "rs2" in alert.get_content()
    for prefix in (PREFIXES[M2][0], PREFIXES[M3][0]):  # bgpd still runs the config it had
        assert _received(lab, M1, "rs2", prefix)

    # the run records, read as README "Run records" tells a monitoring reader to (`ixpctl serve`'s
    # "last deploy" metric): plain JSON files, newest name last, no ixpctl code
    records = _read_records(root / "state" / "runs")
    assert [r["outcome"] for r in records] == ["deployed", "deployed", "failed", "deployed", "failed"]
    assert all(r["format"] == 1 and r["finished_at"] >= r["started_at"] for r in records)
    last = _last_deploy(records)
    assert last["run_id"] == records[4]["run_id"] and last["outcome"] == "failed"
    assert {x["route_server"]: x["status"] for x in last["route_servers"]} == {"rs1": "unchanged",
                                                                               "rs2": "rolled back"}
    good = _last_deploy(records, ok=True)
    assert good["run_id"] == records[3]["run_id"]  # step 4: the last change every route server took
    per_rs = _last_deploy_per_rs(records)
    assert per_rs["rs1"] == (records[3]["finished_at"], "deployed")
    assert per_rs["rs2"] == (records[4]["finished_at"], "rolled back")


def _read_records(runs: Path) -> list[dict]:
    """Every record, oldest first (the names start with the UTC start time)."""
    return [json.loads(p.read_text()) for p in sorted(runs.glob("*.json"))]


def _last_deploy(records: list[dict], ok: bool = False) -> dict | None:
    """The newest run that deployed (``ok``) or tried to (outcome deployed or failed)."""
    wanted = ("deployed",) if ok else ("deployed", "failed")
    return next((r for r in reversed(records) if r["outcome"] in wanted), None)


def _last_deploy_per_rs(records: list[dict]) -> dict[str, tuple[str, str]]:
    """Per route server: (finished_at, status) of the newest run that changed or tried to change it."""
    out: dict[str, tuple[str, str]] = {}
    for r in records:
        for x in r["route_servers"]:
            if x["status"] in ("deployed", "rolled back", "refused", "failed"):
                out[x["route_server"]] = (r["finished_at"], x["status"])
    return out
