"""SSH servers that answer like switches (Cisco IOS, Cisco NX-OS, Huawei VRP), for netmiko and the
NAPALM SSH drivers to talk to for real.

Not a recording replayed blindly: each device keeps a running config that configuration commands
change (blocks, single-valued commands, ``no`` / ``undo``, sub-views, errors for unknown commands),
plus live state (MAC table, LLDP neighbours, interface state and counters) that a test plants in a
JSON file. ``model.py`` is the config state, ``shows.py`` the show/display output per dialect,
``server.py`` the asyncssh shell (prompts, echo, paging, config mode), ``fixture.py`` starts one per
test in its own process on 127.0.0.1 and stops it by PID.

What it does not model (a real device would): command abbreviations, ``?`` help, per-model
hardware limits, and anything the templates and drivers here never send.
"""
