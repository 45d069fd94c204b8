"""Example plants shipped with twin (installed as ``twin.scenes``)."""

from pathlib import Path

SCENES_DIR = Path(__file__).resolve().parent


def scene_path(name: str) -> Path:
    """The path of a bundled scene, by file name with or without ``.toml``."""
    p = SCENES_DIR / (name if name.endswith(".toml") else f"{name}.toml")
    return p


def bundled() -> list[str]:
    return sorted(p.stem for p in SCENES_DIR.glob("*.toml"))
