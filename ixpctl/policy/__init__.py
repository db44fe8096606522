"""The route-server filtering policy: knobs (model, loader), the ordered filter chain, the intent
compiler (inventory + policy + facts → per-session rules) and its Python evaluator.

May import: errors, base, inventory, sources
"""
