"""Pure domain objects of coderunner.

Rule of this package: standard library only, no I/O. Everything here is unit-tested in
milliseconds; adapters (Docker, SQL, HTTP) live elsewhere and depend on this, never the
reverse.
"""
