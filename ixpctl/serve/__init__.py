"""``ixpctl serve``: the read-only web service members use — the IXP's pages, the prefix self-check,
the looking glass, a JSON API with its OpenAPI document, a birdwatcher-compatible API (so Alice-LG can
sit in front unchanged) and Prometheus metrics.

Everything here reads: BIRD only through a fixed allow-list of read-only commands whose arguments are
parsed and re-rendered (``gate``), the inventory, policy and facts snapshot loaded once at start
(``site``). Every request is bounded (rate, size, result count) by ``security``.

May import: errors, base, inventory, sources, policy, render, analysis, publish, verify
"""
