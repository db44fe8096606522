"""Reports for the people who argue the IXP's case: impact (local reachability, resilience) and MANRS.

- ``state``: the route servers' tables as plain data (the CLI reads them through ``ixpctl.verify``
  and hands them over: verify has the same rank, so it is never imported here).
- ``coverage``: IRR and ROA coverage of routes (pytricia).
- ``impact``: every number of the impact report, pure (country space and ASNs reachable through
  the route servers, per member, the networks not at the IXP, filtered routes by reason).
- ``resilience``: the operator's critical local services, reachable locally today or not.
- ``trends``: the same numbers over time, from the snapshots and inventories kept in git.
- ``manrs``: the evidence for MANRS for IXPs Actions 1-5.
- ``charts`` (matplotlib, Agg, SVG) and ``render`` (JSON, Markdown, HTML; French and English).

May import: errors, base, inventory, sources, policy, switch, analysis
"""
