"""Facts from the outside world: PeeringDB, IRR (bgpq4), RPKI (VRPs), each with provenance.

``facts`` is the contract the pure core reads; ``snapshot`` / ``snapshot_write`` / ``last_good``
pin the facts on disk (a build is a function of a snapshot) and fall back to last-good data loudly;
``refresh`` fetches. This is where ixpctl does network I/O, never below.

May import: errors, base, inventory
"""
