"""Deploying generated configs to route servers (and, in ixpctl.switch, to switches)."""
