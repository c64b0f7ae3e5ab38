"""Adapter: the Docker engine. Everything here that talks to dockerd is I/O; the pure
parts (hardening, archive, supervisor protocol) are unit-tested without an engine."""
