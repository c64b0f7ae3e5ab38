import sys

sys.path.insert(0, "/opt/coderunner/python")
from crpy.check import main  # noqa: E402

main()
