"""Shared pytest fixtures for biofuse integration tests.

Run with: /usr/bin/python3 -m pytest test/integration
Environment: BIOFUSE (binary, default build/biofuse), BF_TEST_SHARED (shared dir,
default ../shared relative to the repository root).
"""

import os
import subprocess
import sys

import pytest

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPTS_DIR = os.path.join(REPO_ROOT, "scripts")
if SCRIPTS_DIR not in sys.path:
    sys.path.insert(0, SCRIPTS_DIR)


@pytest.fixture(scope="session")
def repo_root():
    return REPO_ROOT


@pytest.fixture(scope="session")
def scripts_dir():
    return SCRIPTS_DIR


@pytest.fixture(scope="session")
def biofuse_bin():
    """Path of the biofuse binary (env BIOFUSE, default build/biofuse); skips if absent."""
    path = os.environ.get("BIOFUSE", os.path.join(REPO_ROOT, "build", "biofuse"))
    if not os.path.isabs(path):
        path = os.path.join(REPO_ROOT, path)
    if not os.access(path, os.X_OK):
        pytest.skip("biofuse binary %s absent (run make)" % path)
    return path


@pytest.fixture(scope="session")
def shared_dir():
    """The shared directory (env BF_TEST_SHARED, default ../shared); may not exist."""
    path = os.environ.get("BF_TEST_SHARED", os.path.join(REPO_ROOT, "..", "shared"))
    if not os.path.isabs(path):
        path = os.path.join(REPO_ROOT, path)
    return os.path.abspath(path)


@pytest.fixture(scope="session")
def shared_fixtures(shared_dir):
    """shared/fixtures (read-only real bio2zarr stores and golden files); skips if absent."""
    path = os.path.join(shared_dir, "fixtures")
    if not os.path.isdir(path):
        pytest.skip("shared fixtures directory %s absent" % path)
    return path


@pytest.fixture(scope="session")
def bio2zarr_fixtures(shared_fixtures):
    path = os.path.join(shared_fixtures, "bio2zarr")
    if not os.path.isdir(path):
        pytest.skip("bio2zarr fixtures %s absent" % path)
    return path


@pytest.fixture
def work_dir(tmp_path):
    """A fresh temporary working directory (pathlib.Path) per test."""
    return tmp_path


@pytest.fixture(scope="session")
def session_work_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("bf_session")


@pytest.fixture(scope="session")
def generated_fixtures(session_work_dir):
    """Output directory of scripts/make_fixtures.py (built once per session)."""
    out = session_work_dir / "fixtures"
    subprocess.run([sys.executable, os.path.join(SCRIPTS_DIR, "make_fixtures.py"), str(out)],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def run_tool(args, **kw):
    """subprocess.run with captured text output and check=True by default."""
    kw.setdefault("check", True)
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    return subprocess.run(args, **kw)
