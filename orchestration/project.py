"""The dbt project as Dagster sees it (dagster-dbt DbtProject).

In development (`dagster dev`) the manifest is re-parsed at load time
(prepare_if_dev), in this process (InProcessPreparer). Anywhere else it is read
from `target/dagster/manifest.json`, written at deployment by `dagster-dbt
project prepare-and-package --file orchestration/project.py`; if it is missing
(a fresh checkout, CI) or older than a file of the dbt project, it is parsed
here, so importing the definitions never fails for want of a manifest nor loads
a stale one.
"""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject
from dagster_dbt.dbt_project import DagsterDbtProjectPreparer
from dagster_shared.record import replace

from supportwh.dbt import one_line
from supportwh.errors import SupportWHError
from supportwh.project import PROJECT_DIR

# dagster-dbt runs `dbt` from PATH; `.venv/bin/dagster dev` does not put
# .venv/bin on it. The dbt of this interpreter's environment comes first.
_BIN = str(Path(sys.executable).parent)
if _BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _BIN + os.pathsep + os.environ.get("PATH", "")

# Own target folder: `supportwh build` writes target/manifest.json with its own
# vars at any time; Dagster's manifest must not move under its feet.
TARGET_PATH = Path("target") / "dagster"


class DbtParseError(SupportWHError):
    """`dbt parse` failed while preparing the manifest Dagster loads."""


class InProcessPreparer(DagsterDbtProjectPreparer):
    """Parses the dbt project in this process (dbtRunner), not in a `dbt` child.

    dagster-dbt's own preparer starts `dbt parse` as a subprocess, which starts
    an interpreter and imports dbt-core again: about 1.8 s of the 3.6 s a warm
    parse takes here, paid at every code-location load of `dagster dev`. This
    process has imported dbt-core already (dagster-dbt does), so here the parse
    costs only its own work. The lock against concurrent loads is dagster-dbt's.
    """

    def _prepare_manifest(self, project: DbtProject) -> None:
        from dbt.cli.main import dbtRunner

        target = project.project_dir / project.target_path
        args = ["parse", "--quiet", "--project-dir", str(project.project_dir)]
        args += ["--target-path", str(target), "--log-path", str(target)]
        if project.profiles_dir:
            args += ["--profiles-dir", str(project.profiles_dir)]
        if project.profile:
            args += ["--profile", project.profile]
        if project.target:
            args += ["--target", project.target]
        result = dbtRunner().invoke(args)
        if result.exception is not None:
            raise DbtParseError(
                f"dbt parse could not run for Dagster: {one_line(result.exception)}"
            )
        if not result.success:
            raise DbtParseError(f"dbt parse failed for Dagster; see {target / 'dbt.log'}")
        self._invalidate_seeds_in_partial_parse(project)

    def _invalidate_seeds_in_partial_parse(self, project: DbtProject) -> None:
        # dagster-dbt forces every seed to re-parse after each parse, in case the
        # state was parsed in another folder (a CI image) and the seeds' root_path
        # is wrong here. That re-parse costs 1.4 s at every load; it is needed
        # only when a seed's root_path is not this project's folder.
        import msgpack

        state = project.project_dir / project.target_path / "partial_parse.msgpack"
        if not state.exists():
            return
        with open(state, "rb") as f:
            nodes = msgpack.unpack(f, raw=False, strict_map_key=False).get("nodes", {})
        here = str(project.project_dir.resolve())
        roots = {n.get("root_path") for n in nodes.values() if n.get("resource_type") == "seed"}
        if roots - {here}:
            super()._invalidate_seeds_in_partial_parse(project)


supportwh_project = DbtProject(
    project_dir=PROJECT_DIR,
    profiles_dir=PROJECT_DIR,
    target_path=TARGET_PATH,
    # No packaged_project_dir: the dbt project is the repository root, and
    # prepare-and-package would copy all of it (.venv, data, target) into the
    # package. A deployment ships the repository and prepares the manifest in
    # place (docs/orchestration.md).
)
supportwh_project = replace(supportwh_project, preparer=InProcessPreparer())
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
