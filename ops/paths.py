"""Where things live in the checkout."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
MODELS = ROOT / "models"
MODEL = MODELS / "clinic.tar.gz"
VENV_BIN = ROOT / ".venv" / "bin"
RASA = VENV_BIN / "rasa"
