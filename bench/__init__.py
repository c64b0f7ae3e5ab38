"""The coderunner benchmark: ``python -m bench`` (see bench/README.md).

It measures, in one run on one machine, how close coderunner comes to the floor (the
same generated program compiled and run on the bare host, no sandbox) and how far it
is from the seed design (doctest compiled into every submission, in a fresh container).
"""
