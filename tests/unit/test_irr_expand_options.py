"""``sources.irr.expand_options``: the one place the bgpq4 options follow the policy, shared by
``sources refresh``, ``apply`` and ``onboard`` (they used to build the dict each on their own)."""

from __future__ import annotations

from ixpctl.inventory.loader import load_inventory
from ixpctl.policy.loader import load_policy
from ixpctl.sources.irr import expand_options


def test_options_follow_policy_and_demo_mode(repo_root, default_policy_path):
    loaded = load_inventory(repo_root / "inventory")
    policy = load_policy(default_policy_path).policy
    options = expand_options(policy, loaded.inventory)
    assert options == {"max_length4": policy.prefixes.length.ipv4.max,
                       "max_length6": policy.prefixes.length.ipv6.max,
                       "aggregate": policy.irr.aggregate,
                       # MLIX's bundled data is fictional (demo mode): documentation ASNs are kept (-p)
                       "allow_special_asns": True}
    real = loaded.inventory.model_copy(update={"ixp": loaded.inventory.ixp.model_copy(
        update={"fictional_resources": None})})
    assert expand_options(policy, real)["allow_special_asns"] is False
