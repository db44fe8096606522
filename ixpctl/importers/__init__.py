"""Importers: bring an existing IXP in from the files other tools keep.

``ixf`` (Euro-IX IX-F member export 0.6 to 1.0: IXP Manager and other exporters), ``arouteserver``
(its ``clients.yml`` and ``general.yml``), ``peeringdb`` (an exchange's networks from the local
PeeringDB cache). Each turns its input into an :class:`~ixpctl.importers.model.Imported` (plain
inventory data plus located notes); ``write`` merges that into ``DIR/inventory`` and
``DIR/policies`` comment-preservingly, three-way against the last import so hand edits survive,
validates the staged result and only then writes. ``text`` holds the cleaning of member-supplied
strings (names, AS-SETs) every importer shares.

May import: errors, base, inventory, sources, policy
"""

from .model import Imported, Note

__all__ = ["Imported", "Note"]
