"""Print the pinned requirements from pyproject.toml (runtime, plus `dev` extras when asked).

pyproject.toml is the one place versions are pinned; this lets pip install them without
installing the project itself as a package.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).resolve().parent.parent / "pyproject.toml").read_text())["project"]
requirements = list(project["dependencies"])
for extra in sys.argv[1:]:
    requirements += project["optional-dependencies"][extra]
print("\n".join(requirements))
