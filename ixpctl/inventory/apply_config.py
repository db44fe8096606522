"""How `ixpctl apply` (the unattended loop) may change the route servers, and whom it tells.

Lives in the inventory under the top-level key ``apply:`` (once, like ``sources:``). Every key has
a documented default, so the section is optional; an inventory without it gets the safe defaults
below. Secrets (the SMTP password, a webhook token) are references (``{env: NAME}`` or
``{file: PATH}``), never values, like members' MD5 secrets.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Language = Literal["en", "fr"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApplySecret(_Strict):
    """Where a secret lives (the same shape as a member's ``md5:``)."""

    env: str | None = Field(default=None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    file: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> ApplySecret:
        if (self.env is None) == (self.file is None):
            raise ValueError("a secret reference needs exactly one of 'env' (variable name) or 'file' (path)")
        return self


class Guard(_Strict):
    """Changes that are not deployed without a human (``ixpctl apply --approve RUN_ID``)."""

    # share of all prefixes the route servers accept now that the change would remove (0.10 = 10 %)
    max_removed_share: float = Field(default=0.10, ge=0.0, le=1.0)
    # a member that has accepted prefixes now and would have none after the change
    refuse_member_wipe: bool = True
    # sessions that would appear or disappear on one route server
    max_session_flips: int = Field(default=10, ge=0)


class Rollout(_Strict):
    """One route server at a time: how long to wait, and what counts as "back to normal"."""

    # seconds to wait, after a route server took its new config, for its sessions and routes
    settle_seconds: float = Field(default=120.0, gt=0)
    # the route server is watched at least this long after its reload before it counts as back:
    # BIRD re-evaluates routes (new filters, ROAs) a moment after it answers `configure`
    observe_seconds: float = Field(default=5.0, ge=0)
    # accepted routes per session after / before; a session below (1 - tolerance) is "not back"
    accepted_tolerance: float = Field(default=0.05, ge=0.0, le=1.0)
    # sessions with fewer accepted routes than this before are not held to the tolerance
    accepted_min_routes: int = Field(default=1, ge=0)


class Smtp(_Strict):
    host: str = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    user: str | None = None
    password: ApplySecret | None = None
    sender: str = Field(default="route-servers@localhost", pattern=EMAIL)
    timeout: float = Field(default=30.0, gt=0)


class Alerts(_Strict):
    """The operator's alerts: a refused guard, a failed deploy, a stale source, a session down."""

    email: list[str] = []
    webhook: str | None = Field(default=None, pattern=r"^https?://")
    webhook_token: ApplySecret | None = None  # sent as "Authorization: Bearer <token>"
    session_down_minutes: int = Field(default=30, ge=1)

    @model_validator(mode="after")
    def _emails(self) -> Alerts:
        import re

        for address in self.email:
            if not re.match(EMAIL, address):
                raise ValueError(f"alerts.email: {address!r} is not an e-mail address")
        return self


class Notifications(_Strict):
    """Members' e-mails: the routes that became filtered (and those fixed) after an apply."""

    enabled: bool = True
    default_language: Language = "en"
    per_member_per_day: int = Field(default=1, ge=1, le=24)
    reply_to: str | None = Field(default=None, pattern=EMAIL)


class ApplySettings(_Strict):
    refresh: list[Literal["peeringdb", "irr", "rpki"]] = ["peeringdb", "irr", "rpki"]
    state_dir: str = ".ixpctl/apply"  # run history and notification state (relative: to the repo)
    build_dir: str = "build"
    guard: Guard = Guard()
    rollout: Rollout = Rollout()
    smtp: Smtp | None = None  # no SMTP: no e-mail (alerts still go to the webhook and the history)
    alerts: Alerts = Alerts()
    notifications: Notifications = Notifications()
