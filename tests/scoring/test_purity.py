"""The domain core imports neither the web framework nor the database."""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = [
    "fastapi",
    "starlette",
    "sqlmodel",
    "sqlalchemy",
    "jinja2",
    "alembic",
    "uvicorn",
    "app.models",
    "app.db",
]


def test_scoring_imports_no_web_or_database_module() -> None:
    program = (
        "import json, pkgutil, importlib, sys\n"
        "import app.scoring\n"
        "for info in pkgutil.walk_packages(app.scoring.__path__, 'app.scoring.'):\n"
        "    importlib.import_module(info.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    loaded = json.loads(result.stdout)
    assert "app.scoring.loader" in loaded  # the check really imported the package
    offenders = [m for m in loaded if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert offenders == []
