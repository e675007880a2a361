"""The dbt project as Dagster sees it (dagster-dbt DbtProject).

In development (`dagster dev`) the manifest is re-parsed at load time
(prepare_if_dev). Anywhere else it is read from `target/dagster/manifest.json`,
written at deployment by `dagster-dbt project prepare-and-package --file
orchestration/project.py`; if it is missing (a fresh checkout, CI) or older than
a file of the dbt project, it is parsed here, so importing the definitions never
fails for want of a manifest nor loads a stale one.
"""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from supportwh.project import PROJECT_DIR

# dagster-dbt runs `dbt` from PATH; `.venv/bin/dagster dev` does not put
# .venv/bin on it. The dbt of this interpreter's environment comes first.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

# Own target folder: `supportwh build` writes target/manifest.json with its own
# vars at any time; Dagster's manifest must not move under its feet.
TARGET_PATH = Path("target") / "dagster"


supportwh_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=TARGET_PATH,
    # No packaged_project_dir: the dbt project is the repository root, and
    # prepare-and-package would copy all of it (.venv, data, target) into the
    # package. A deployment ships the repository and prepares the manifest in
    # place (docs/orchestration.md).
)
# What the manifest is parsed from: a change to any of it re-parses.
_PROJECT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests/dbt")


def manifest_is_stale(project: DbtProject | None = None) -> bool:
    """No manifest yet, or a project file changed after it was parsed."""
    manifest = (project or supportwh_project).manifest_path
    if not manifest.exists():
        return True
    parsed = manifest.stat().st_mtime
    for name in _PROJECT_SOURCES:
        source = PROJECT_DIR / name
        files = source.rglob("*") if source.is_dir() else [source]
        if any(f.is_file() and f.stat().st_mtime > parsed for f in files):
            return True
    return False


supportwh_project.prepare_if_dev()
if manifest_is_stale(supportwh_project):
    supportwh_project.preparer.prepare(supportwh_project)
