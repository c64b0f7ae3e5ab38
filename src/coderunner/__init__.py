"""coderunner: grade untrusted code in hardened, single-use Docker containers."""

__version__ = "0.1.0"
