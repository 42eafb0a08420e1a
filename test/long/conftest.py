"""`make test-long`: the fixtures of test/integration/conftest.py, loaded under another
module name (both files are called conftest.py)."""

import importlib.util
import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_INTEGRATION = os.path.join(_HERE, "..", "integration")
if _INTEGRATION not in sys.path:
    sys.path.insert(0, _INTEGRATION)
_spec = importlib.util.spec_from_file_location("bf_integration_conftest",
                                               os.path.join(_INTEGRATION, "conftest.py"))
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)

repo_root = _mod.repo_root
biofuse_bin = _mod.biofuse_bin
work_dir = _mod.work_dir
