"""The shared vocabulary of Safeplace: strict, immutable types of the placement contract.

This package imports nothing else of the project; ``engine`` and ``api`` build on it.
"""
