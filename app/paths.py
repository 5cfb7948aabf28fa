"""Where the project's files live, independent of the current directory."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILE = ROOT / "competencies.yaml"
ASSESSMENTS_DIR = ROOT / "assessments"
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"
LOCALE_DIR = ROOT / "app" / "locale"
DATA_DIR = ROOT / "data"
ALEMBIC_INI = ROOT / "alembic.ini"
