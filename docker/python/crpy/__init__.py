"""coderunner's Python harness: the code that runs inside the coderunner-python sandbox.

It is not part of the service: the service only writes its inputs (the submission as
``solution.py``, one JSON file per test) and reads what it reports. See
src/coderunner/languages/python/ for the other side of each contract.
"""
