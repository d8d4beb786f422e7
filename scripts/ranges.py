"""Print the dependency ranges of pyproject.toml, one a line (with the extras named on the
command line), for ``pip install -r``: scripts/venv.sh installs what the lock lacks."""

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
lines = list(project["dependencies"])
for extra in sys.argv[1:]:
    lines += project["optional-dependencies"][extra]
print("\n".join(lines))
