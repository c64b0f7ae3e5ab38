import sys

sys.path.insert(0, "/opt/coderunner/python")
from crpy.function import main  # noqa: E402

main()
