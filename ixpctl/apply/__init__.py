"""`ixpctl apply`: the unattended loop — refresh the sources, build, judge the change against what
each route server runs now (guard rails), deploy one route server at a time, verify, record the
run, tell the members whose routes became filtered (or were fixed) and alert the operator.

Everything it does is done by the stages below it: ``sources.refresh`` (last-good fallback),
``build`` (generations), ``policy.evaluate`` / ``analysis.selfcheck`` (verdicts, reasons, fixes),
``deploy.rs`` (bird -p on the target, atomic swap, configure, rollback; ``deploy.openbgpd`` for an
OpenBGPD route server) and ``verify.parse`` / ``verify.bgpctl`` (sessions, accepted counts). This package only decides the order and when to stop.

May import: errors, base, inventory, sources, policy, render, analysis, verify, deploy, build
"""
