"""ADAPTER: where execution events and webhooks go (Redis Streams, HTTP, signed webhooks).

Each adapter turns every failure into ``DeliveryFailed`` (``permanent`` when retrying
cannot help); the service's dispatcher decides about retries.
"""
