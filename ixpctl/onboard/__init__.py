"""``ixpctl onboard <ASN>``: bring a new member onto the IXP from its PeeringDB record, safely.

Public API: :func:`plan` (check and prepare everything, write nothing) and :func:`apply` (write the
inventory atomically and the welcome pack). The pieces are usable on their own: ``allocate``
(addresses, ports, MACs), ``yamledit`` (comment-preserving insertion), ``preflight`` (verdicts),
``lookup`` (ASN gate, PeeringDB).

May import: errors, base, inventory, sources, policy, render, switch, analysis, publish, build
"""

from .model import CheckResult, ConnectionPlan, NetworkRecord, OnboardRefused
from .workflow import ChecksFailed, OnboardPlan, OnboardRequest, apply, plan

__all__ = ["CheckResult", "ChecksFailed", "ConnectionPlan", "NetworkRecord", "OnboardPlan", "OnboardRefused",
           "OnboardRequest", "apply", "plan"]
