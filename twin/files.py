"""Output files: checked before a run, then written complete or not at all.

A long run must not end in a traceback because its output path was a folder, and a failed or
interrupted write must not leave half a file or a stray temporary one. So a path is checked
(:func:`check_output`, :func:`check_output_dir`) before any work, and a regular file is written
to a temporary file beside it that is renamed over it (``os.replace``) only when complete.
Only regular files and new paths are replaced that way: ``/dev/null``, a FIFO or a terminal is
written in place (renaming over it would turn a device into a plain file).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from .errors import TwinError


def _stat(p: Path, what: str):
    try:
        return os.stat(p)
    except FileNotFoundError:
        return None
    except OSError as err:  # e.g. a path component is a file
        raise TwinError(f"{what} '{p}': {err.strerror or err}") from None


def _probe_folder(folder: Path, p: Path, what: str) -> None:
    """Creates and removes a temporary file in ``folder``: the only reliable writability test
    (permissions, read-only file systems, root)."""
    try:
        fd, name = tempfile.mkstemp(dir=folder, prefix=".twin-probe-", suffix=".tmp")
        os.close(fd)
        os.unlink(name)
    except OSError as err:
        raise TwinError(f"cannot write {what} '{p}': {err.strerror or err} (in the folder '{folder}')") from None


def check_output(path, what: str = "output file") -> Path:
    """Raises a one-line TwinError unless ``path`` can be written as a file: not empty, not a
    folder, its folder exists and is writable. Returns it as a Path."""
    if path is None or not str(path).strip():
        raise TwinError(f"{what}: the file name is empty")
    p = Path(path)
    st = _stat(p, what)
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise TwinError(f"{what} '{p}' is a folder; give a file name (e.g. '{p / 'results.json'}')")
        if not os.access(p, os.W_OK):
            raise TwinError(f"cannot write {what} '{p}': permission denied")
        if not stat.S_ISREG(st.st_mode):
            return p  # a device or FIFO: written in place
    folder = p.parent
    fst = _stat(folder, what)
    if fst is None:
        raise TwinError(f"cannot write {what} '{p}': the folder '{folder}' does not exist")
    if not stat.S_ISDIR(fst.st_mode):
        raise TwinError(f"cannot write {what} '{p}': '{folder}' is not a folder")
    _probe_folder(folder, p, what)
    return p


def check_output_dir(path, what: str = "output folder") -> Path:
    """Raises a one-line TwinError unless ``path`` is a writable folder or can be created as one
    (an existing file of that name is an error, never replaced)."""
    if path is None or not str(path).strip():
        raise TwinError(f"{what}: the folder name is empty")
    p = Path(path)
    st = _stat(p, what)
    if st is not None and not stat.S_ISDIR(st.st_mode):
        raise TwinError(f"{what} '{p}' exists and is not a folder; give a new or existing folder")
    existing = p
    while _stat(existing, what) is None:  # the nearest existing ancestor must take new entries
        existing = existing.parent
    if not existing.is_dir():
        raise TwinError(f"cannot create {what} '{p}': '{existing}' is not a folder")
    _probe_folder(existing, p, what)
    return p


def is_special(path) -> bool:
    """True for an existing path that is not a regular file (device, FIFO, socket)."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    return not stat.S_ISREG(st.st_mode) and not stat.S_ISDIR(st.st_mode)


def _new_file_mode(p: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(p).st_mode)  # replacing a file keeps its permissions
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


@contextlib.contextmanager
def replacing(path, what: str = "output file"):
    """Yields the path to write instead of ``path``: a temporary file beside it (same suffix,
    so writers that go by suffix still work) that replaces ``path`` when the block succeeds and is
    removed on any error or interrupt (an OSError becomes a one-line TwinError). A device or FIFO
    is yielded itself (written in place)."""
    p = Path(path)
    if is_special(p):
        yield p
        return
    try:
        fd, name = tempfile.mkstemp(dir=p.parent, prefix=f".{p.name}.", suffix=f".tmp{p.suffix}")
        os.close(fd)
        os.chmod(name, _new_file_mode(p))
    except OSError as err:
        raise TwinError(f"cannot write {what} '{p}': {err.strerror or err}") from None
    try:
        yield Path(name)
        os.replace(name, p)
    except BaseException as err:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(err, OSError):  # disk full, quota, permissions: one line, no traceback
            raise TwinError(f"cannot write {what} '{p}': {err.strerror or err}") from None
        raise


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def write_text(path, text: str, what: str = "output file") -> Path:
    """Writes ``text`` (UTF-8) to ``path``: complete or not at all for a regular file, in place for
    a device or FIFO. An OS error (disk full, permissions) becomes a one-line TwinError."""
    p = Path(path)
    data = text.encode("utf-8")
    try:
        with replacing(p, what) as target:
            special = target == p
            fd = os.open(target, os.O_WRONLY | (0 if special else os.O_TRUNC))
            try:
                _write_all(fd, data)
                if not special:
                    os.fsync(fd)
            finally:
                os.close(fd)
    except OSError as err:
        raise TwinError(f"cannot write {what} '{p}': {err.strerror or err}") from None
    return p
