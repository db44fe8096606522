"""The route-server filtering policy: knobs (model), the ordered filter chain, and its evaluator."""
