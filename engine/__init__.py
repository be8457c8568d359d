"""Pure computation on the contract types: rules, ranking, relaxations, solvers, validation.

No web, database, YAML or printing here; ``api`` is the way in.
"""
