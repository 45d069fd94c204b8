"""The study store: Parquet on disk, one row per design point and replica, plus ``study.json``.

    OUT/study.json          what was run (plant fingerprint, factors, design, settings, versions)
                            and the per-design-point summary
    OUT/points/NNNNN.parquet  one finished design point (written the moment it finishes)
    OUT/replicas.parquet    every row of every design point (written at the end)

Columns: ``point`` (design point index), ``replica`` (index within the point), ``block`` (the
block of replicas it ran in), one column per factor (named by its path) and one per response.
A rerun into the same folder with the same fingerprint (plant + factors + design + settings +
twin version) reuses the finished design points; a different study in the folder is an error.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from .. import __version__
from ..errors import TwinError

SCHEMA = "twin.study/1"


def _pandas():
    try:
        import pandas as pd
        import pyarrow  # noqa: F401  (the Parquet engine)
    except ImportError:
        raise TwinError("study tables need pandas and pyarrow: pip install 'twin[study]'") from None
    return pd


def plant_dict(plant) -> dict:
    """A plain description of the plant (elements, transfers) for fingerprints."""
    return {"name": plant.name,
            "elements": {el.name: el.to_dict() for el in plant},
            "edges": [[u, v, d.get("probability")] for u, v, d in plant.graph.edges(data=True)],
            "unbounded_storage": plant.unbounded_storage, "crew": repr(plant.crew)}


def fingerprint(*parts) -> str:
    text = json.dumps([__version__, *parts], sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=_jsonable) + "\n")
    os.replace(tmp, path)


def _jsonable(v):
    if hasattr(v, "item"):
        return v.item()
    return repr(v)


def write_table(path, frame) -> Path:
    """Writes ``frame`` as Parquet at ``path``: complete or not at all (a temporary ``NAME.tmp``
    beside it, not matching ``*.parquet``, renamed over the target; removed on an error or Ctrl-C).
    Also used by the maintenance studies (twin.maintenance.study)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    try:
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


class Store:
    """A study folder (``out``), or nothing when ``out`` is None."""

    def __init__(self, out, fp: str, meta: dict):
        self.out = Path(out) if out is not None else None
        self.fp, self.meta = fp, meta
        if self.out is None:
            return
        _pandas()
        saved = self.out / "study.json"
        if saved.exists():
            old = json.loads(saved.read_text())
            if old.get("fingerprint") != fp:
                raise TwinError(f"{self.out} holds a different study (fingerprint {old.get('fingerprint')}, this one "
                                f"{fp}: plant, factors, design or settings changed); use another --out folder")
        write_json(saved, {"schema": SCHEMA, "fingerprint": fp, **meta})

    def finished(self) -> dict:
        """{point: DataFrame} of the design points already on disk."""
        if self.out is None or not (self.out / "points").exists():
            return {}
        pd = _pandas()
        return {int(f.stem): pd.read_parquet(f) for f in sorted((self.out / "points").glob("*.parquet"))}

    def save_point(self, point: int, frame) -> None:
        if self.out is None:
            return
        path = self.out / "points" / f"{point:05d}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        write_table(path, frame)

    def save_all(self, frame, summary: dict) -> None:
        if self.out is None:
            return
        write_table(self.out / "replicas.parquet", frame)
        write_json(self.out / "study.json", {"schema": SCHEMA, "fingerprint": self.fp, **self.meta,
                                             "summary": summary})


def read(out):
    """(replicas DataFrame, metadata dict) of a study folder."""
    pd = _pandas()
    out = Path(out)
    if not (out / "replicas.parquet").exists():
        raise TwinError(f"{out}: no replicas.parquet (not a finished twin study folder)")
    return pd.read_parquet(out / "replicas.parquet"), json.loads((out / "study.json").read_text())
