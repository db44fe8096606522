"""Publishing for members and the outside world, from the same data the route servers run.

- ``docs``: the published route-server policy (Markdown and HTML, English and French).
- ``welcome``: the welcome pack of a new member.
- ``ixf``: the Euro-IX IX-F member list (JSON).

The containerlab export is not here: it is derived from the lab's topology and imports the lab, so
it stays in ``ixpctl.lab.clab`` (publish sits below the lab and never imports it).

May import: errors, base, inventory, sources, policy, analysis
"""
