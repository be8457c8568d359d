"""Discrete-event simulation of the placement desk over weeks or years, for capacity planning.

Hour resolution, event-driven (hours in which nothing happens are skipped), reproducible from a
seed. Every placement goes through the same ranking and plan code the desk uses
(:class:`engine.ranking.Ranker`, :func:`engine.solve.solve`), so a scenario shows what the real
rules do to real demand, not what a simplified model of them would. The modules each have one job:

- :mod:`~engine.simulation.clock`: simulation hours against Amsterdam wall-clock time;
- :mod:`~engine.simulation.network`: the shelters of a scenario, their kinds and police units;
- :mod:`~engine.simulation.timeline`: capacity and intake hours as the events change them;
- :mod:`~engine.simulation.arrivals`: who arrives when and where (common random numbers);
- :mod:`~engine.simulation.ledger`: who is where, with the conservation invariant;
- :mod:`~engine.simulation.desk`: the desk policies (rank, batch, greedy);
- :mod:`~engine.simulation.run`: the event loop of one replication;
- :mod:`~engine.simulation.kpis` and :mod:`~engine.simulation.stats`: KPIs with 95 % intervals;
- :mod:`~engine.simulation.replicate`: replications in parallel processes.
"""
