"""Analysis: what the inventory, the policy or a change means for routing, judged by the route
servers' own policy engine.

- ``validate``: every check of an inventory — its own cross-object checks
  (``ixpctl.inventory.validate``), then the per-member policy overrides, then drift from PeeringDB.
- ``selfcheck``: a member's prefixes through the import filter, with the reason and fix of each reject.
- ``diff_sides`` → ``diff_compare`` → ``diff_report``: the semantic diff of a change (both sides
  built from the same facts, compared on routes, objects and config text, rendered for a review).

Pure: no network, no daemons; the callers load the files and the facts.

May import: errors, base, inventory, sources, policy, render, switch
"""
