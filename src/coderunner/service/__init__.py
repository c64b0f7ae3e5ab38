"""Orchestration: the one pipeline every entry point calls, its scheduler and recovery.

Rule of this package: it imports the domain, the language plug-ins and its own ports
only. Docker, SQL, HTTP and gRPC stay behind the Protocols in ``ports.py``.
"""
