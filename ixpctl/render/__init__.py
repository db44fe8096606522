"""Rendering route-server configs from the compiled intent: one module per daemon (``bird``, ``openbgpd``), with
the capabilities of each daemon version. A second renderer goes next to ``bird.py``.

May import: errors, base, inventory, sources, policy
"""
