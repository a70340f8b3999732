"""config.py is the one home of settings: every one it reads is documented, and no module
keeps a default of its own."""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENV_READERS = {"env", "env_ints", "env_ladder", "env_flag"}


def settings_read_by_config():
    tree = ast.parse((ROOT / "config.py").read_text())
    return {node.args[0].value for node in ast.walk(tree)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ENV_READERS
            and node.args and isinstance(node.args[0], ast.Constant)}


def test_every_setting_config_reads_is_in_the_readme_table():
    readme = (ROOT / "README.md").read_text()
    assert sorted(name for name in settings_read_by_config() if f"`{name}`" not in readme) == []


def test_no_module_of_app_reads_the_environment_or_a_config_default_itself():
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        text = path.read_text()
        if re.search(r"os\.environ|getenv\(|config\.get\(\s*\"[A-Z_]+\"\s*,", text):
            offenders.append(str(path.relative_to(ROOT)))
    # The storage seam loads without the app and takes any mapping, with its own fallbacks.
    assert [p for p in offenders if not p.startswith("app/storage/")] == []
