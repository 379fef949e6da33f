"""Files written so that a crash leaves the old or the new, never a part; staging names that
say which process made them; a lock between a swap and a load. Used by the index, the ONNX
export, the reports and the evaluation runs."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_write_text", "folder_lock", "fsync_tree", "remove_leftovers", "sha256_file", "work_name", "writable"]


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new content, never a part (its folder
    is made when missing). A path that is no regular file (``/dev/null``, a pipe) is written
    straight into: replacing it would replace the device."""
    if path.exists() and not path.is_file():
        with path.open("w", encoding="utf-8") as fh:
            fh.write(text)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def verify_hashes(folder: Path, hashes: dict[str, str], stamp: Path, key: str, *,
                  trusted: bool = False) -> tuple[str, str] | None:
    """Check that each file ``hashes`` names under ``folder`` has its sha256: None when all
    do, else (the first file that does not, "missing" or "changed"). ``stamp`` remembers the
    size, mtime and inode of the files last found whole (with ``key``, the manifest's
    digest), so that files untouched since are not hashed again; anything else about them
    (written, replaced, copied) hashes them all again. ``trusted``: the caller has just hashed
    them itself; they are only recorded."""
    import json

    state: dict[str, object] = {"key": key}
    for name in sorted(hashes):
        try:
            st = (folder / name).stat()
        except OSError:
            return name, "missing"
        state[name] = [st.st_size, st.st_mtime_ns, st.st_ino]
    try:
        if json.loads(stamp.read_text(encoding="utf-8")) == state:
            return None
    except (OSError, ValueError):
        pass
    for name, digest in ({} if trusted else hashes).items():
        if not (folder / name).is_file():
            return name, "missing"
        if sha256_file(folder / name) != digest:
            return name, "changed"
    try:
        atomic_write_text(stamp, json.dumps(state))
    except OSError:  # a read-only folder: the files are hashed at every load
        pass
    return None


def writable(folder: Path) -> bool:
    """Whether files can be made in ``folder`` (made when missing). Tried, not asked of
    os.access: root passes permission bits but not a read-only mount."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / work_name(".probe")
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        return False
    return True


def work_name(prefix: str) -> str:
    """A staging name that says who made it: ``<prefix>-<pid>-<uuid8>`` (see remove_leftovers)."""
    return f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(folder: Path, prefixes: tuple[str, ...], *, max_age_s: float = 3600) -> list[Path]:
    """Remove what killed builds left in ``folder``: entries named ``<prefix>-<pid>-...`` whose
    process is gone, and older entries without a pid once ``max_age_s`` old. A live build's
    staging folder is left alone. Returns what was removed."""
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for entry in folder.iterdir():
        prefix = next((x for x in prefixes if entry.name.startswith(x + "-")), None)
        if prefix is None:
            continue
        rest = entry.name[len(prefix):].removesuffix(".onnx")
        m = re.fullmatch(r"-(\d+)-[0-9a-f]{8}", rest)
        if m is None and re.fullmatch(r"-[0-9a-f]{8}", rest) is None:
            continue  # another index's name that merely starts alike
        try:
            stale = (not _alive(int(m.group(1)))) if m else now - entry.lstat().st_mtime > max_age_s
        except OSError:
            continue
        if stale:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed


@contextlib.contextmanager
def folder_lock(path: Path, *, shared: bool = False) -> Iterator[None]:
    """A lock (flock) on ``path``: exclusive for a swap, shared for a load, so that a load never
    reads a folder another build is moving away. Where the lock file cannot be made (a
    read-only index folder, which nobody swaps), there is nothing to guard against."""
    import fcntl

    try:
        fh = path.open("a")
    except OSError:
        yield
        return
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def fsync_tree(root: Path) -> None:
    """fsync every file below ``root`` (before a folder is swapped in)."""
    for p in root.rglob("*"):
        if p.is_file():
            with p.open("rb") as fh:
                os.fsync(fh.fileno())
