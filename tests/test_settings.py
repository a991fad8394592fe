import re
from pathlib import Path

from forum.settings import ENVIRONMENT_VARIABLES, ROOT


def test_env_example_lists_every_setting_the_forum_reads():
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert listed == set(ENVIRONMENT_VARIABLES)


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    missing = [name for name in ENVIRONMENT_VARIABLES if f"`{name}`" not in readme]
    assert not missing, f"README does not describe {missing}"


def test_settings_module_reads_only_the_listed_variables():
    source = Path(ROOT / "forum" / "settings.py").read_text()
    read = set(re.findall(r'environ(?:\.get)?\(\s*"([A-Z_]+)"', source))
    read |= set(re.findall(r'environ\[\s*"([A-Z_]+)"', source))
    assert read <= set(ENVIRONMENT_VARIABLES)
