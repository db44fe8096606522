"""``GET /metrics``: Prometheus text format, every name prefixed ``ixpctl_``. Read at scrape time
through the same gate as the API (so a scrape costs a few cached BIRD commands), and the result is
reused for ``Limits.metrics_ttl`` seconds. Deploy times and results come from ``ixpctl apply``'s
run history (``runs``), other commands' metrics files (the switch audit's) from ``textfiles``."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import birdwatcher as bw
from . import runs, textfiles
from .rsview import NotSupported, Unreachable
from .service import Service

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# the families this service computes itself: a --metrics-file never replaces one of them
OWN = {"ixpctl_bird_reachable", "ixpctl_session_up", "ixpctl_routes_received", "ixpctl_routes_accepted",
       "ixpctl_routes_filtered", "ixpctl_routes_exported", "ixpctl_routes_filtered_by_reason",
       "ixpctl_filtered_routes_read_timestamp_seconds", "ixpctl_filtered_routes_walk_seconds",
       "ixpctl_bird_last_reconfiguration_timestamp_seconds", "ixpctl_facts_age_seconds",
       "ixpctl_last_build_timestamp_seconds", "ixpctl_last_build_success", "ixpctl_serve_loaded_timestamp_seconds",
       "ixpctl_members", "ixpctl_metrics_file_readable", "ixpctl_serve_last_reload_success", "ixpctl_apply_last_run_timestamp_seconds",
       "ixpctl_apply_last_run_success", "ixpctl_apply_last_run_outcome", "ixpctl_deploy_last_attempt_timestamp_seconds",
       "ixpctl_deploy_last_success", "ixpctl_deploy_last_deployed_timestamp_seconds", "ixpctl_deploy_last_result"}


class ServiceCollector:
    def __init__(self, service: Service):
        self.service = service

    def collect(self):
        svc = self.service
        up = GaugeMetricFamily("ixpctl_bird_reachable", "1 when the route server's daemon answers", labels=["rs"])
        session_up = GaugeMetricFamily("ixpctl_session_up", "1 when the BGP session is Established",
                                       labels=["rs", "session", "asn"])
        received = GaugeMetricFamily("ixpctl_routes_received", "routes received on the session (accepted + filtered)",
                                     labels=["rs", "session", "asn"])
        accepted = GaugeMetricFamily("ixpctl_routes_accepted", "routes accepted on the session", labels=["rs", "session", "asn"])
        filtered = GaugeMetricFamily("ixpctl_routes_filtered", "routes filtered on the session", labels=["rs", "session", "asn"])
        exported = GaugeMetricFamily("ixpctl_routes_exported", "routes exported on the session", labels=["rs", "session", "asn"])
        by_reason = GaugeMetricFamily("ixpctl_routes_filtered_by_reason", "filtered routes per member and reject reason",
                                      labels=["rs", "asn", "reason"])
        reconfigured = GaugeMetricFamily(
            "ixpctl_bird_last_reconfiguration_timestamp_seconds",
            "BIRD's last reconfiguration (each `ixpctl deploy` reconfigures), its clock read as this host's local time",
            labels=["rs"])
        walk_at = GaugeMetricFamily("ixpctl_filtered_routes_read_timestamp_seconds",
                                    "when the filtered routes the service shows were read (its background walk)",
                                    labels=["rs"])
        walk_seconds = GaugeMetricFamily("ixpctl_filtered_routes_walk_seconds",
                                         "how long the last walk of the route server's filtered routes took", labels=["rs"])
        for name, view in svc.views.items():
            if view.daemon == "bird":
                try:
                    status = bw.status(view.status_text()[0])["status"]
                    moment = _bird_time(status.get("last_reconfig"))
                    if moment is not None:
                        reconfigured.add_metric([name], moment)
                except (Unreachable, NotSupported):
                    pass
            try:
                sessions = view.sessions()
            except (Unreachable, NotSupported):
                up.add_metric([name], 0)
                continue
            up.add_metric([name], 1)
            for s in sessions:
                labels = [name, s.name, str(s.neighbor_asn or "")]
                session_up.add_metric(labels, 1 if s.established else 0)
                imp = sum(ch.imported for ch in s.channels)
                filt = sum(ch.filtered for ch in s.channels)
                accepted.add_metric(labels, imp)
                filtered.add_metric(labels, filt)
                received.add_metric(labels, imp + filt)
                exported.add_metric(labels, sum(ch.exported for ch in s.channels))
            try:
                rejected = view.filtered_if_read()
            except (Unreachable, NotSupported, LookupError):
                continue
            if view.census is not None and (snap := view.census.latest()) is not None:
                walk_at.add_metric([name], snap.at)
                walk_seconds.add_metric([name], snap.seconds)
            if rejected is None:  # the first walk is under way: a scrape never waits for one
                continue
            owner = {s.name: s.neighbor_asn for s in sessions}
            dec = svc.decoder(name)
            counts = Counter((owner.get(r.protocol), _reason_label(r.reject_reason(dec.rs, dec.bases())))
                             for r in rejected)
            for (asn, reason), n in sorted(counts.items(), key=lambda kv: (str(kv[0][0]), kv[0][1])):
                by_reason.add_metric([name, str(asn or ""), reason], n)
        yield from (up, reconfigured, session_up, received, accepted, filtered, exported, by_reason,
                    walk_at, walk_seconds)
        ages = GaugeMetricFamily("ixpctl_facts_age_seconds", "age of each source of the facts snapshot", labels=["source"])
        for source, age in sorted(svc.site.facts_ages().items()):
            ages.add_metric([source], age)
        yield ages
        when, ok = svc.site.last_build()
        build_time = GaugeMetricFamily("ixpctl_last_build_timestamp_seconds", "time of the last build (its manifest)")
        build_ok = GaugeMetricFamily("ixpctl_last_build_success", "1 when the last build left a readable manifest")
        build_time.add_metric([], when or 0)
        build_ok.add_metric([], 1 if ok else 0)
        yield build_time
        yield build_ok
        yield from deploy_families(svc)
        loaded = GaugeMetricFamily("ixpctl_serve_loaded_timestamp_seconds", "when the service loaded the inventory")
        loaded.add_metric([], svc.site.loaded_at)
        yield loaded
        reload_ok = GaugeMetricFamily("ixpctl_serve_last_reload_success",
                                      "0 when the last reload (SIGHUP) failed and the previous load is still served")
        reload_ok.add_metric([], 0 if svc.reload_error else 1)
        yield reload_ok
        members = GaugeMetricFamily("ixpctl_members", "members in the inventory", labels=["status"])
        for status, n in sorted(Counter(m.status for m in svc.site.members).items()):
            members.add_metric([status], n)
        yield members
        yield from textfiles.families(svc.config.metrics_files, OWN)


def apply_state_dir(svc: Service) -> Path:
    """As `ixpctl apply` resolves it: relative to the working directory (the IXP's repository)."""
    if svc.config.apply_state_dir is not None:
        return Path(svc.config.apply_state_dir)
    path = Path(svc.site.inventory.apply.state_dir)
    return path if path.is_absolute() else Path.cwd() / path


def deploy_families(svc: Service):
    history = runs.read_history(apply_state_dir(svc))
    run_at = GaugeMetricFamily("ixpctl_apply_last_run_timestamp_seconds", "when the last `ixpctl apply` run ended")
    run_ok = GaugeMetricFamily("ixpctl_apply_last_run_success", "1 when the last apply run deployed or had nothing to do")
    run_outcome = GaugeMetricFamily("ixpctl_apply_last_run_outcome", "the last apply run's outcome (1 for it)",
                                    labels=["outcome"])
    if history.last_run_at is not None:
        run_at.add_metric([], history.last_run_at)
        run_ok.add_metric([], 1 if history.last_run_outcome in runs.OK_OUTCOMES else 0)
        run_outcome.add_metric([str(history.last_run_outcome)], 1)
    attempt = GaugeMetricFamily("ixpctl_deploy_last_attempt_timestamp_seconds",
                                "when apply last pushed a new config to the route server (kept or rolled back)",
                                labels=["rs"])
    success = GaugeMetricFamily("ixpctl_deploy_last_success",
                                "1 when that last push was kept, 0 when it was rolled back", labels=["rs"])
    deployed = GaugeMetricFamily("ixpctl_deploy_last_deployed_timestamp_seconds",
                                 "when a config apply pushed to the route server was last kept", labels=["rs"])
    result = GaugeMetricFamily("ixpctl_deploy_last_result",
                               "the route server's result in the newest apply run naming it (1 for it): deployed, "
                               "unchanged, rolled back, untouched, skipped", labels=["rs", "result"])
    for name, rs in sorted(history.route_servers.items()):
        result.add_metric([name, rs.last_result], 1)
        if rs.last_attempt_at is not None:
            attempt.add_metric([name], rs.last_attempt_at)
            success.add_metric([name], 1 if rs.last_attempt_ok else 0)
        if rs.last_deployed_at is not None:
            deployed.add_metric([name], rs.last_deployed_at)
    yield from (run_at, run_ok, run_outcome, attempt, success, deployed, result)


def _bird_time(text: str | None) -> float | None:
    """BIRD's "2026-12-04 01:33:03.031" (its local time) as a Unix time."""
    if not text:
        return None
    try:
        return time.mktime(time.strptime(text.split(".")[0], "%Y-%m-%d %H:%M:%S"))
    except ValueError:
        return None


def _reason_label(reason) -> str:
    """The check's name (stable, from the filter chain), its code when unknown, "none" without a tag."""
    if reason is None:
        return "none"
    return reason.check or str(reason.code)


class MetricsCache:
    def __init__(self, service: Service):
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(ServiceCollector(service))  # type: ignore[arg-type]
        self.ttl = service.config.limits.metrics_ttl
        self._lock = threading.Lock()
        self._text = b""
        self._until = 0.0

    def text(self) -> bytes:
        with self._lock:
            if time.monotonic() >= self._until:
                self._text = generate_latest(self.registry)
                self._until = time.monotonic() + self.ttl
            return self._text


def metrics(request: Request) -> Response:
    return Response(request.app.state.metrics.text(), media_type=CONTENT_TYPE)


ROUTES = [Route("/metrics", metrics)]
