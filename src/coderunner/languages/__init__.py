"""Language plug-ins: pure text-in, text-out.

Rule of this package: no I/O. A plug-in turns a Submission into a SandboxJob (files and
commands) and turns the sandbox's measured outcomes back into a Grade. Docker, the
database and the APIs never appear here; adding a language never touches them.
"""
