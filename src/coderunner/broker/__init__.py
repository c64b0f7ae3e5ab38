"""The distributed task queue adapter: Redis with Dramatiq (docs/ARCHITECTURE.md, "API nodes and workers").

Every Redis error becomes ``BrokerUnavailable`` at this package's seam (``links.map_redis_errors``).
"""
