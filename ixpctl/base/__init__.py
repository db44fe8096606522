"""Foundations every stage may use: YAML reading with file:line locations (``yamlio``, with the
libyaml fast path in ``yaml_fast``), writing files atomically (``fsutil``), build outputs as
generations switched in with one rename (``generations``), and where the templates are (``paths``).
Nothing here knows about IXPs.

May import: errors
"""
