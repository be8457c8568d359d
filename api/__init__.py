"""The ways into the engine: the ``safeplace`` command line and the HTTP service.

Only this layer reads files, talks to people and prints; ``engine`` and ``models`` stay pure.
"""
