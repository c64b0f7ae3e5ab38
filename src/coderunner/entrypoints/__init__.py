"""Entry points: wire formats ↔ domain objects, nothing else (REST, gRPC, CLI)."""
