"""Scale-out end to end (issue 14): real API and worker processes, a private Redis, PostgreSQL.

Every test gets its own Redis (``tests/private_redis.py``: it may be stopped and killed)
and the suite's PostgreSQL; each student id is new, so records of other tests never count.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
import sqlalchemy

# running_server.py and private_redis.py are up the tree; pytest puts only this folder on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from cluster import Cluster
from private_redis import PrivateRedis
from running_server import database_url


@pytest.fixture
def redis_server() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    server.destroy()


@pytest.fixture
def cluster(tmp_path: Path, redis_server: PrivateRedis, docker_client: docker.DockerClient) -> Iterator[Cluster]:
    """No process yet: each test starts the API nodes and workers it needs."""
    built = Cluster(tmp_path, redis_server, database_url("postgresql", tmp_path))
    yield built
    built.tear_down()


@pytest.fixture
def own_postgres(cluster: Cluster) -> Iterator[str]:
    """The suite's PostgreSQL seen through a schema of this test's own (its search_path): a
    test that counts every unfinished record of the cluster must not see other tests'."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(cluster.database)
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    yield f"{cluster.database}?options=-csearch_path%3D{schema}"
    cluster.tear_down()  # first: its processes use the schema
    with admin.begin() as connection:
        connection.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def student() -> str:
    return f"student-{uuid.uuid4().hex[:12]}"
