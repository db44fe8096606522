"""Where ixpctl fetches its facts from, and how long they stay fresh.

Lives in the inventory under the top-level key ``sources:`` (once, like ``ixp:``); every key has a
production default, so the section is optional. Secrets (the PeeringDB API key) are named by
environment variable, never written here.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeeringDBSource(_Strict):
    url: str = "https://www.peeringdb.com/api"
    cache_url: str = "https://public.peeringdb.com"  # '' = always ask the API
    api_key_env: str = Field(default="PEERINGDB_API_KEY", pattern=r"^[A-Z_][A-Z0-9_]*$")
    cache_dir: str = ".ixpctl/peeringdb"  # local sqlite cache of the official client (relative: to the repo)
    timeout: int = Field(default=60, ge=1)
    max_age_hours: int = Field(default=48, ge=1)  # older data is stale: used, with a loud warning


class IrrSource(_Strict):
    hosts: list[str] = ["rr.ntt.net", "whois.radb.net"]  # tried in order; "host:port" allowed
    sources: list[str] = ["RIPE", "AFRINIC", "ARIN", "APNIC", "LACNIC", "RADB", "NTTCOM", "ALTDB"]
    timeout: int = Field(default=120, ge=1)  # seconds per bgpq4 call
    workers: int = Field(default=4, ge=1, le=32)
    bgpq4: str = "bgpq4"
    max_asns: int = Field(default=20000, ge=1)  # per expansion; beyond: warning + truncated
    max_prefixes4: int = Field(default=200000, ge=1)
    max_prefixes6: int = Field(default=100000, ge=1)
    max_age_hours: int = Field(default=24, ge=1)


class RtrServer(_Strict):
    host: str
    port: int = Field(default=3323, ge=1, le=65535)
    preference: int = Field(default=1, ge=1, le=255)  # BIRD: lower is preferred


class RpkiSource(_Strict):
    vrp_file: str | None = None  # rpki-client / Routinator / StayRTR JSON, or CSV
    vrp_url: str | None = None  # same formats over HTTP(S)
    rtr_servers: list[RtrServer] = []  # route servers use RTR when set, static ROA tables otherwise
    max_age_hours: int = Field(default=6, ge=1)


class RirSource(_Strict):
    """The RIR delegated-extended statistics of the IXP's country (``ixpctl sources refresh --rir``):
    used only by ``ixpctl report``, never by a build. ``file`` wins over ``url`` when both are set."""

    url: str = "https://ftp.afrinic.net/stats/afrinic/delegated-afrinic-extended-latest"
    file: str | None = None  # a local copy (relative: to the repo)
    timeout: int = Field(default=120, ge=1)
    max_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)  # a bounded download: the files are ~2 MB
    max_age_hours: int = Field(default=24 * 30, ge=1)  # allocations change slowly


class SourcesConfig(_Strict):
    snapshot_dir: str = "snapshots/current"  # the pinned facts a build uses (relative: to the repo)
    peeringdb: PeeringDBSource = PeeringDBSource()
    irr: IrrSource = IrrSource()
    rpki: RpkiSource = RpkiSource()
    rir: RirSource = RirSource()
