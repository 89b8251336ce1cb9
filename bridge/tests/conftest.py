import os
import sys

# Tests import the package from the source tree (also when it is not pip-installed).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
