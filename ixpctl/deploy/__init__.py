"""Deploying generated configs to route servers (and, in ixpctl.switch, to switches): ``bird -p``,
atomic swap, ``birdc configure``, rollback when the daemon refuses.

May import: errors, base, inventory, render, verify
"""
