"""The dbt project as Dagster sees it (dagster-dbt DbtProject).

In development (`dagster dev`) the manifest is re-parsed at load time
(prepare_if_dev). Anywhere else it is read from `target/dagster/manifest.json`,
written by `dagster-dbt project prepare-and-package --file orchestration/project.py`
for a deployment; if it is missing (a fresh checkout, CI) it is parsed once here
so that importing the definitions never fails for want of a manifest.
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
PACKAGED_PROJECT_DIR = Path(__file__).resolve().parent / "dbt-project"


supportwh_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=TARGET_PATH,
    packaged_project_dir=PACKAGED_PROJECT_DIR,
)
supportwh_project.prepare_if_dev()
if not supportwh_project.manifest_path.exists():
    supportwh_project.preparer.prepare(supportwh_project)
