import sys
from pathlib import Path

# Let the test modules of this folder import their shared helpers.
sys.path.insert(0, str(Path(__file__).parent))
