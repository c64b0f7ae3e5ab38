"""ADAPTER: the ``Metrics`` port (``service/ports.py``) on prometheus-client."""
