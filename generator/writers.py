"""Where a build goes: a local folder or an S3 bucket, with one behaviour.

Both receive the same files byte for byte; both skip a file whose target already holds identical
bytes (a rebuild with no data change writes nothing), and both delete the files they wrote in an
earlier build that this build neither produces nor keeps (an emptied week page). Ownership is
recorded in a manifest (``.dctech-manifest.json``, see ``generator.manifest``) beside the files,
so nothing else is ever touched. The manifest also records what each file was made from (so a
build may skip rendering what is current) and why a file no build produces any more is kept.
A writer may build one part of the site alone (``S3Writer(part=...)``): it then reads, writes
and prunes only that part's files, and records them in that part's own manifest.

A failed build (a full disk, S3 refusing) raises WriteError, naming the file and the reason. A
folder is then left exactly as it was: one built the usual way is staged beside it and swapped
in; one that cannot be (a mount point such as a docker volume, hard links or renames refused, a
parent we may not write in) is staged inside itself, in a hidden ``.dctech-staging-…`` folder
that nothing publishes or serves, whose files are renamed into place only once the whole build
has succeeded. Only a build killed during those renames can leave a folder with some new files
beside old ones, as a failed upload may leave a bucket: in both cases the next build finishes
the job (see FolderWriter._move and S3Writer.abort).
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import shutil
from abc import ABC, abstractmethod
from collections.abc import Collection, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from generator import manifest
from generator.background import Background
from generator.manifest import (
    FOLDERS,
    PARTS,
    ROOT,
    SITE,
    Entry,
    ManifestError,
    file_of,
    part_of,
)
from generator.media import cache_control, content_type

MANIFEST = ROOT
MANIFESTS = ".dctech-manifest"  # the prefix of every manifest's name
STAGING = ".dctech-staging-"  # a folder built inside its own target (see FolderWriter._move)
CHUNK = 1 << 20  # bytes of a file compared at a time


class WriteError(OSError):
    """The site could not be stored; the message names the file (or key) and the reason. An
    OSError, as it is one: the command line reports it as it reports any other."""


@contextmanager
def _reporting(what: str, errors: tuple[type[Exception], ...] = (OSError,)) -> Iterator[None]:
    """``errors`` raised inside become a WriteError: ``what`` failed, and why."""
    try:
        yield
    except errors as exc:
        raise WriteError(f"{what}: {getattr(exc, 'strerror', None) or exc}") from exc


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    deleted: int
    kept: int = 0  # files no longer produced, still published (see Writer.keep)

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class Share:
    """What a writer produced since a point in a build: a forked worker's report, for the
    build's own writer to record (``Writer.absorb``, see ``generator.fork``)."""

    produced: frozenset[str]
    digests: dict[str, str]
    sent: frozenset[str]
    written: int
    unchanged: int


class Writer(ABC):
    """Counting, manifest and stale-file removal; subclasses only store and compare bytes.

    Use as a context manager around the writes and ``finish``: a build that raises is aborted.
    ``part`` (one of ``generator.manifest.PARTS``) limits it to that part of the site.
    A writer whose ``prepare`` says so can share a build with a forked process (``share``,
    ``absorb``, ``generator.fork``).
    """

    def __init__(self, part: str | None = None) -> None:
        if part is not None and part not in PARTS:
            raise ValueError(f"no part of the site is called {part!r}: one of {', '.join(PARTS)}")
        self.part = part
        self._produced: set[str] = set()
        self._digests: dict[str, str] = {}
        self._kept: dict[str, Entry] = {}
        self._previous: dict[str, Entry] | None = None
        self._held: dict[str, dict[str, Entry] | None] = {}  # each manifest as read (None: absent)
        self._others: dict[str, Entry] = {}  # the root's entries of parts without their own yet
        self._sent: set[str] = set()  # handed to _put: maybe changed, even if the build fails
        self._only: frozenset[str] | None = None  # the parts this process builds (see only)
        self.written = self.unchanged = 0

    def owns(self, path: str) -> bool:
        """Is ``path`` in what this writer builds (the whole site, or its part), and in the
        parts this process publishes?"""
        part = part_of(path)
        return (self.part is None or part == self.part) and (
            self._only is None or part in self._only
        )

    def only(self, parts: Collection[str] | None) -> None:
        """While a build is shared with a forked process, publish only ``parts`` here (None:
        all again)."""
        self._only = None if parts is None else frozenset(parts)

    def prepare(self) -> bool:
        """Before forking: make what both processes write into; False if this build is
        better done in one process."""
        return False

    def share(self, since: Share | None = None) -> Share:
        """What this writer produced in this build, or since ``since`` (an earlier share)."""
        base = since or Share(frozenset(), {}, frozenset(), 0, 0)
        produced = frozenset(self._produced) - base.produced
        return Share(
            produced,
            {p: d for p, d in self._digests.items() if p in produced},
            frozenset(self._sent) - base.sent,
            self.written - base.written,
            self.unchanged - base.unchanged,
        )

    def absorb(self, share: Share) -> None:
        """Record what a forked process wrote into this writer's target as this build's."""
        twice = self._produced & share.produced
        if twice:
            raise ValueError(f"{min(twice)} produced twice in one build")
        self._produced |= share.produced
        self._digests |= share.digests
        self._sent |= share.sent
        self.written += share.written
        self.unchanged += share.unchanged

    def previous(self) -> dict[str, Entry]:
        """What earlier builds published here, by path (read once, before this build's writes):
        of this writer's part only, when it builds one."""
        if self._previous is None:
            self._previous = self._read()
        return self._previous

    def _load(self, name: str) -> dict[str, Entry] | None:
        data = self._get(name)
        try:
            entries = self._held[name] = None if data is None else manifest.parse(data)
        except ManifestError as exc:
            raise WriteError(f"cannot read {self._where(name)}: {exc}") from exc
        return entries

    def _read(self) -> dict[str, Entry]:
        """Each part's entries from its own manifest, or from the root's while it has none."""
        in_root = manifest.by_part(self._load(ROOT) or {})
        entries: dict[str, Entry] = {}
        for part in PARTS if self.part is None else (self.part,):
            own = None if part == SITE else self._load(file_of(part))
            entries |= in_root.get(part, {}) if own is None else own
        if self.part == SITE:  # the others' entries stay in the root until they have their own
            for part, held in in_root.items():
                if part != SITE and not self._exists(file_of(part)):
                    self._others |= held
        return entries

    def write(self, path: str, data: bytes, *, digest: str | None = None) -> None:
        """Publish ``data`` at ``path``; ``digest`` names what it was made from (see current)."""
        self._claim(path, digest)
        if self._holds(path, data):
            self.unchanged += 1
        else:
            self._sent.add(path)
            self._put(path, data)
            self.written += 1

    def current(self, path: str, digest: str) -> bool:
        """Is ``path`` still published as an earlier build made it from ``digest``? Then it is
        this build's too, unchanged, and the caller need not render it again."""
        if self.previous().get(path, Entry()).digest != digest or not self._exists(path):
            return False
        self._claim(path, digest)
        self.unchanged += 1
        return True

    def produced(self) -> frozenset[str]:
        """The paths this build has produced so far (written, or current): what the archive
        leaves alone (generator.archive decides about the rest of ``previous``)."""
        return frozenset(self._produced)

    def keep(self, path: str, reason: str, *, today: date) -> None:
        """Keep publishing a file an earlier build wrote and this one does not produce (an ended
        event's page), for ``reason``; ``since`` records the last day it was produced."""
        entry = self.previous().get(path)
        if entry is None or path in self._produced:
            raise ValueError(f"{path} is not a file of an earlier build that this one left out")
        self._kept[path] = Entry(entry.digest, reason, entry.since or today.isoformat())

    def _claim(self, path: str, digest: str | None) -> None:
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if not parts or path.startswith("/") or ".." in parts or manifest.is_manifest(path):
            raise ValueError(f"not a site-relative output path: {path!r}")
        part = part_of(path)  # raises for a path that no part of the site holds
        if self.part is not None and part != self.part:
            raise ValueError(f"{path} is not in the part this build writes ({self.part})")
        if path in self._produced:
            raise ValueError(f"{path} produced twice in one build")
        self._produced.add(path)
        if digest is not None:
            self._digests[path] = digest

    def _entries(self) -> dict[str, Entry]:
        """The manifest this build leaves: what it produced, then what it kept."""
        produced = {path: Entry(digest=self._digests.get(path)) for path in self._produced}
        return produced | self._kept

    def finish(self) -> WriteStats:
        """Once every write has landed: remove what earlier builds wrote and this one neither
        produced nor kept, and record the new manifest. A failed write raises before anything
        is deleted."""
        self._flush()
        before = self.previous()
        stale = sorted(before.keys() - self._produced - self._kept.keys())
        self._remove(stale)
        layout = self._layout(self._entries(), fold=True)
        for name, entries in layout.items():
            held = self._held.get(name)
            # a part built alone records even nothing: its manifest, not the root's, is the
            # part's from then on
            if entries is not None and entries != (held if self.part else held or {}):
                self._put(name, manifest.dump(entries))
        self._flush()
        self._remove([name for name, entries in layout.items() if entries is None])
        return WriteStats(self.written, self.unchanged, len(stale), len(self._kept))

    def _layout(
        self, entries: dict[str, Entry], *, fold: bool
    ) -> dict[str, dict[str, Entry] | None]:
        """The manifests that record ``entries``, by name (None: a manifest to remove). A part
        built alone has its own; in a whole build a part has its own from OWN_FILE_AT files and
        is folded into the root below that (``fold``), its own manifest removed."""
        parts = manifest.by_part(entries)
        if self.part == SITE:
            return {ROOT: parts.get(SITE, {}) | self._others}
        if self.part is not None:
            return {file_of(self.part): parts.get(self.part, {})}
        layout: dict[str, dict[str, Entry] | None] = {}
        root = dict(parts.get(SITE, {}))
        for part in PARTS[1:]:
            mine, name = parts.get(part, {}), file_of(part)
            if len(mine) >= manifest.OWN_FILE_AT or (not fold and self._held.get(name)):
                layout[name] = mine
            else:
                root |= mine
                if self._held.get(name) is not None:
                    layout[name] = None
        return {ROOT: root} | layout

    def _owning(self) -> dict[str, bytes]:
        """After a failure: manifests owning every file this build may have written, beside
        those earlier builds owned, so the next build tidies as if this one had finished; and
        without the digest of any file it may have changed, so that none is taken for current
        (it may hold this build's bytes under an earlier build's digest). Empty when the
        manifests need no change."""
        before = self.previous()
        if self._produced <= before.keys() and not any(before[p].digest for p in self._sent):
            return {}
        owned = {p: Entry() if p in self._sent else before.get(p, Entry()) for p in before}
        owned |= {p: Entry() for p in self._produced - before.keys()}
        layout = self._layout(owned, fold=False)
        return {name: manifest.dump(held) for name, held in layout.items() if held is not None}

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, kind: object, error: BaseException | None, trace: object) -> None:
        if error is not None:
            self.abort()

    @abstractmethod
    def abort(self) -> None:
        """After a failed build: leave the target as the next build can repair (never raises,
        so the build's own error is the one reported)."""

    @abstractmethod
    def _where(self, path: str) -> str:
        """The target's name for ``path``, for messages."""

    @abstractmethod
    def _exists(self, path: str) -> bool:
        """Does the target hold a file at ``path``?"""

    @abstractmethod
    def _holds(self, path: str, data: bytes) -> bool:
        """Does the target already contain exactly these bytes?"""

    @abstractmethod
    def _get(self, path: str) -> bytes | None: ...

    @abstractmethod
    def _put(self, path: str, data: bytes) -> None: ...

    @abstractmethod
    def _remove(self, paths: list[str]) -> None: ...

    @abstractmethod
    def _flush(self) -> None:
        """Wait for writes still in flight."""


class FolderWriter(Writer):
    """Writes into a staging copy beside the folder and swaps it in at the end, so the folder
    always holds one whole build: a failed one (a full disk) leaves it as it was, and no stray
    files. The copy is hard links, made at the first change: a rebuild copies no data, and one
    that changes nothing touches nothing.

    Where that is impossible (the folder is a mount point, hard links or renames are refused,
    its parent is not writable) it stages inside the folder instead: what this build writes goes
    to a hidden ``.dctech-staging-<pid>-<random>/site`` in it (the folder's own filesystem, so
    renames work even on a mount point), what it removes is noted, and only once the whole build
    has succeeded are the new files renamed into place and the old ones removed (``_move``). A
    failed build leaves the folder as it was, but for the staging folder, which it removes.

    Writes are synchronous: on threads they cost more system time than they saved (creating
    tens of thousands of files is the kernel's work either way). A large build shares the
    work with a forked process instead (``generator.fork``), both writing into the staging
    copy, which ``prepare`` makes before the fork."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.root = Path(path)  # as given, for messages
        self._target = self.root.resolve()  # a symlinked folder is swapped where it really is
        self._staging: Path | None = None
        self._inside = False  # staging inside the target, as it cannot be swapped (see _begin)
        self._box: Path | None = None  # that staging folder, .dctech-staging-… in the target
        self._inner: Path | None = None  # where the new files go in it (its site/)
        self._doomed: list[str] = []  # to remove from the target once the new files are in
        self._moving = False  # the staged files are going in: the target may be a mix
        self._made = False  # the target did not exist: this build made it (to stage inside)
        self._removed: list[str] = []  # removed from the staging copy: the swap's fallback
        self._folders: set[str] = set()  # folders made (or found) by this build's writes
        self._linked = False  # the staging copy holds links to files of the target
        _sweep(self._target)

    @property
    def _dir(self) -> Path:
        """Where the build reads: the staging copy once there is one (the same files until a
        write changes them)."""
        return self._staging or self._target

    def _where(self, path: str) -> str:
        return str(self.root / path)

    def _exists(self, path: str) -> bool:
        return os.path.isfile(os.path.join(self._dir, path))

    def _holds(self, path: str, data: bytes) -> bool:
        if path not in self.previous():  # not a file of ours: nothing to compare (a first build)
            return False
        try:
            with open(os.path.join(self._dir, path), "rb") as existing:
                if os.fstat(existing.fileno()).st_size != len(data):
                    return False
                view = memoryview(data)  # compared a chunk at a time: no second copy held
                for start in range(0, len(data), CHUNK):
                    if existing.read(CHUNK) != view[start : start + CHUNK]:
                        return False
                return True
        except OSError:
            return False

    def _get(self, path: str) -> bytes | None:
        try:
            return (self._dir / path).read_bytes()
        except FileNotFoundError:
            return None

    def _put(self, path: str, data: bytes) -> None:
        target = self._stage() / path
        with _reporting(f"cannot write {self.root / path}"):
            if str(target.parent) not in self._folders:  # made already: no system call
                if self._inner is not None:
                    self._fits(path)
                target.parent.mkdir(parents=True, exist_ok=True)
                self._folders.add(str(target.parent))
            if self._inner is not None and (self._target / path).is_dir():
                raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
            if self._linked:  # maybe a link to the live file: never write through
                target.unlink(missing_ok=True)
            target.write_bytes(data)

    def _fits(self, path: str) -> None:
        """Staging inside the target: fail now, as the staging copy beside it would, if a file
        of the target stands where ``path`` needs a folder (the move must not meet it)."""
        for parent in reversed((self._target / path).parents):
            inside = parent.is_relative_to(self._target) and parent != self._target
            if inside and os.path.lexists(parent) and not parent.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))

    def _remove(self, paths: list[str]) -> None:
        for path in paths:
            root = self._stage()
            if self._inner is not None:  # staging inside: removed once the new files are in
                self._doomed.append(path)
                continue
            with _reporting(f"cannot remove {self.root / path}"):
                for parent in _unlink(root, path):
                    self._folders.discard(str(parent))
            self._removed.append(path)

    def _flush(self) -> None:
        """Nothing in flight: folder writes are synchronous."""

    def prepare(self) -> bool:
        """Only a first build (no build of ours here yet) is shared: its staging folder is
        empty, made now. A rebuild's staging copy is made at its first change, if any, so a
        rebuild that changes nothing touches nothing; it stays in one process."""
        if self.previous():
            return False
        self._stage()
        return True

    def _stage(self) -> Path:
        """Where writes go: the staging folder, made on the first change as hard links to the
        target's files; or, when the target cannot be staged or swapped, a staging folder
        inside it that holds only what this build writes."""
        if self._staging is None and self._inner is None:
            if not self._inside:
                self._begin()
            if self._inside:
                self._begin_inside()
        return self._staging or self._inner or self._target

    def _begin_inside(self) -> None:
        with _reporting(f"cannot prepare the new {self.root} in it"):
            if not self._target.is_dir():
                self._target.mkdir(parents=True)
                self._made = True
            self._box = _make_folder(self._target, f"{STAGING}{os.getpid()}-")
            self._inner = self._box / "site"
            self._inner.mkdir()
            self._folders.add(str(self._inner))

    def _begin(self) -> None:
        if os.path.ismount(self._target):  # a volume: it cannot be renamed away
            self._inside = True
            return
        with _reporting(f"cannot create {self.root.parent}"):
            self._target.parent.mkdir(parents=True, exist_ok=True)
        try:
            staging = self._sibling("staging")
        except OSError as exc:
            if exc.errno not in _NO_STAGING:  # e.g. a full disk: a real failure
                raise WriteError(f"cannot prepare the new {self.root}: {exc.strerror}") from exc
            self._inside = True  # the parent is not ours to write in
            return
        try:
            _link_tree(self._target, staging)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            if exc.errno not in _NO_STAGING:
                raise WriteError(
                    f"cannot prepare the new {self.root} in {staging}: {exc.strerror or exc}"
                ) from exc
            self._inside = True  # no hard links here (another filesystem, a mount inside)
            return
        self._staging, self._linked = staging, self._target.exists()

    def _sibling(self, role: str) -> Path:
        """A new, uniquely named folder in the target's parent (one filesystem, so renames are
        atomic), named for _sweep: ``.<name>.<role>-<pid>-<random>``."""
        prefix = f".{self._target.name}.{role}-{os.getpid()}-"
        return _make_folder(self._target.parent, prefix)

    def finish(self) -> WriteStats:
        stats = super().finish()
        if self._staging is not None:
            self._swap(self._staging)
        elif self._inner is not None:
            self._move()
        return stats

    def _swap(self, staging: Path) -> None:
        """Two renames (the old site aside, the new one in): the folder is a whole build at
        every moment but the instant between them, when it is absent. A folder that cannot be
        renamed (a mount point ismount missed, such as a bind mount) gets the new files by way
        of a staging folder inside it (``_copy_in``)."""
        with _reporting(f"cannot replace {self.root}"):
            backup = self._sibling("old") if self._target.exists() else None  # renamed over
            movable = backup is None or self._set_aside(backup)
            if movable:
                try:
                    staging.rename(self._target)
                except OSError:
                    if backup is not None:
                        backup.rename(self._target)  # the old site back, untouched
                    raise
        if not movable:
            self._copy_in(staging)
            return
        self._staging = None
        if backup is not None:
            with _reporting(f"built {self.root}, but cannot remove the old copy {backup}"):
                shutil.rmtree(backup)

    def _set_aside(self, backup: Path) -> bool:
        """Rename the target to the empty folder ``backup``; False if it cannot be renamed."""
        try:
            self._target.rename(backup)
        except OSError as exc:
            backup.rmdir()
            if exc.errno not in _NO_STAGING:
                raise
            return False
        return True

    def _copy_in(self, staging: Path) -> None:
        """The swap's fallback: the files the staged build changed copied into a staging folder
        inside the target, then moved into place as a build that stages there would be."""
        self._staging, self._inside, self._linked = None, True, False
        try:
            for path in sorted(self._produced):
                self._copy(staging, path)
            self._remove(self._removed)
            for name in sorted({file_of(part) for part in PARTS}):
                self._copy(staging, name)
            if self._inner is not None:
                self._move()
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _copy(self, staging: Path, path: str) -> None:
        with _reporting(f"cannot read the new {self.root / path} in {staging}"):
            try:
                data = (staging / path).read_bytes()
            except FileNotFoundError:  # the manifest only: no build has recorded one
                return
        if not self._holds(path, data):
            self._put(path, data)

    def _move(self) -> None:
        """The whole build staged inside the target: move it in, as briefly as may be. First
        the manifests are widened to own every file this build may change (``_owning``, staged
        too, then renamed in); then each new file is renamed over the old one (a folder the
        target lacks goes in whole, by one rename); then what this build no longer has is
        removed, and the new manifests renamed in last. It only renames and removes: every byte
        was written to the staging folder beforehand, so a full disk cannot stop it midway.

        A build killed during the move leaves a folder with some new files beside old ones,
        every one of them owned by the manifest in place, which records no digest for a file
        this build changed; and its staging folder, which the next build removes (``_sweep``).
        That build renders every such file again and removes what it no longer has: it repairs
        the folder. A failure here (an I/O error) leaves the same, its staging folder removed.
        The one exception to "only renames": a folder inside the target that is another
        filesystem (a mount inside it) takes its new files by copy, each atomically."""
        box, inner = self._box, self._inner
        assert box is not None and inner is not None
        with _reporting(f"cannot prepare the new {self.root} in {box}"):
            owning = box / "owning"
            owning.mkdir()
            for name, data in self._owning().items():
                (owning / name).write_bytes(data)
        with _reporting(f"cannot replace the files of {self.root}"):
            self._moving = True
            _merge(owning, self._target)
            manifests = {name for name in os.listdir(inner) if manifest.is_manifest(name)}
            _merge(inner, self._target, but=manifests)
            for path in self._doomed:
                if not manifest.is_manifest(path):
                    _unlink(self._target, path)
            for name in sorted(manifests):
                os.replace(inner / name, self._target / name)
            for path in self._doomed:
                if manifest.is_manifest(path):
                    _unlink(self._target, path)
        self._moving = False
        shutil.rmtree(box, ignore_errors=True)
        self._box = self._inner = None

    def abort(self) -> None:
        """Remove the staging folder: a build that failed before ``_move`` leaves the target as
        it was (a target it made is removed, if still empty). One that failed during the move
        leaves the manifests owning what came in, so that the next build tidies."""
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
            self._staging = None
        if self._box is not None:
            shutil.rmtree(self._box, ignore_errors=True)
            self._box = self._inner = None
        if self._moving:  # some new files may be in: own them, so the next build tidies
            try:
                for name, data in self._owning().items():
                    _replace(self._target / name, data)
            except OSError:
                pass
        elif self._made:
            with suppress(OSError):
                self._target.rmdir()


# Why a folder cannot be staged or swapped, so the build goes in place: another filesystem (a
# mount inside it), a busy mount point, a parent we may not write in, no hard links there.
_NO_STAGING = frozenset(
    {
        errno.EXDEV,
        errno.EBUSY,
        errno.EACCES,
        errno.EPERM,
        errno.EROFS,
        errno.EMLINK,
        errno.ENOTSUP,
        errno.EOPNOTSUPP,
    }
)


def _make_folder(parent: Path, prefix: str) -> Path:
    """A new folder with a unique name, as tempfile.mkdtemp makes, but with the umask's mode
    (not 0700): it may become the site, which a web server must be able to read."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _sweep(target: Path) -> None:
    """Remove what a killed build left beside ``target``: staging and backup folders named for
    it (``.<name>.staging-<pid>-…``, ``.<name>.old-<pid>-…``), and inside it (``.dctech-staging-
    <pid>-…``), whose process is gone, or is this one (a container's PIDs repeat). Best effort:
    what cannot go is only wasted space."""
    _sweep_in(target.parent, (f".{target.name}.staging-", f".{target.name}.old-"))
    _sweep_in(target, (STAGING,))


def _sweep_in(folder: Path, mine: tuple[str, ...]) -> None:
    try:
        names = [n for n in os.listdir(folder) if n.startswith(mine)]
    except OSError:
        return
    for name in names:
        pid = next(name.removeprefix(p) for p in mine if name.startswith(p)).split("-")[0]
        if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
            continue  # maybe a build running now
        path = folder / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):  # gone; or no PID at all
        return False
    except PermissionError:  # it exists: another user's
        return True
    return True


def _replace(target: Path, data: bytes) -> None:
    """Write ``target`` atomically: a temporary file beside it, then renamed over it. The
    temporary file never stays behind, whatever fails."""
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        with open(temp, "xb") as out:
            out.write(data)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _unlink(root: Path, path: str) -> list[Path]:
    """Remove the file ``root/path`` (if there) and the folders that leaves empty, which it
    returns."""
    target, emptied = root / path, []
    target.unlink(missing_ok=True)
    for parent in target.parents:  # drop folders the deletion emptied
        if parent == root or any(parent.iterdir()):
            break
        parent.rmdir()
        emptied.append(parent)
    return emptied


def _merge(source: Path, destination: Path, but: Collection[str] = ()) -> None:
    """Rename each entry of the folder ``source`` (but those named in ``but``) into the folder
    ``destination``: a file over the one there, a folder there is none of whole, a folder there
    is one of entry by entry. Across filesystems (a mount inside the target) a file is copied,
    atomically."""
    for entry in sorted(os.listdir(source)):
        if entry in but:
            continue
        here, there = source / entry, destination / entry
        if here.is_dir() and there.is_dir():
            _merge(here, there)
            continue
        try:
            os.replace(here, there)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise
            if here.is_dir():
                there.mkdir()
                shutil.copymode(here, there)
                _merge(here, there)
            else:
                _replace(there, here.read_bytes())


def _link_tree(source: Path, destination: Path) -> None:
    """Make the new, empty folder ``destination`` a copy of the folder ``source`` (if there is
    one) whose files are hard links: no data is copied, and replacing a file in one leaves the
    other's as it was."""
    if not source.exists():
        return
    for folder, dirs, files in os.walk(source, onerror=_raise):
        here = destination / os.path.relpath(folder, source)
        if here != destination:
            here.mkdir()
        else:  # a live build's staging folder inside the target is not the site's
            dirs[:] = [d for d in dirs if not d.startswith(STAGING)]
        shutil.copymode(folder, here)
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]  # not walked into
        for name in files + links:
            os.link(os.path.join(folder, name), here / name, follow_symlinks=False)


def _raise(error: OSError) -> None:
    """os.walk skips folders it cannot list unless told otherwise: a copy must be whole."""
    raise error


class S3Writer(Writer):
    """Uploads with Content-Type and Cache-Control per file; compares content by MD5 against the
    ETags of one listing of the prefix, so unchanged files cost no request at all."""

    WORKERS = 8
    IN_FLIGHT = 32  # bounds memory: at most this many bodies wait for upload

    def __init__(self, bucket: str, prefix: str = "", *, part: str | None = None) -> None:
        super().__init__(part)
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = None
        self._etags: dict[str, str] | None = None
        self._uploads = Background(self.WORKERS, self.IN_FLIGHT, "s3-put")

    @property
    def client(self):
        if self._client is None:  # lazily: a client made at import escapes moto and Lambda init
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def _existing(self) -> dict[str, str]:
        """Key -> ETag of what this writer builds: the whole prefix, or its part's keys and the
        manifests (the site part: the top level and every folder but the other parts')."""
        if self._etags is None:
            with self._errors("list"):
                if self.part is None:
                    etags = self._list("")[0]
                elif self.part == SITE:
                    etags, folders = self._list("", delimiter="/")
                    others = {self.prefix + f.split("/")[0] + "/" for f in FOLDERS.values()}
                    for folder in sorted(set(folders) - others):
                        etags |= self._list(folder.removeprefix(self.prefix))[0]
                else:
                    etags = self._list(FOLDERS[self.part])[0] | self._list(MANIFESTS)[0]
            self._etags = etags  # only once whole: a partial listing would hide the manifest
        return self._etags

    def _list(self, under: str, delimiter: str = "") -> tuple[dict[str, str], list[str]]:
        """The keys under ``under`` with their ETags, and the folders a ``delimiter`` left out."""
        etags, folders = {}, []
        query = {"Bucket": self.bucket, "Prefix": self.prefix + under}
        for page in self.client.get_paginator("list_objects_v2").paginate(
            **query, **({"Delimiter": delimiter} if delimiter else {})
        ):
            for item in page.get("Contents", []):
                etags[item["Key"]] = item["ETag"].strip('"')
            folders += [folder["Prefix"] for folder in page.get("CommonPrefixes", [])]
        return etags, folders

    def _where(self, path: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{path}"

    def _exists(self, path: str) -> bool:
        return self.prefix + path in self._existing()

    def _holds(self, path: str, data: bytes) -> bool:
        return (
            self._existing().get(self.prefix + path)
            == hashlib.md5(data, usedforsecurity=False).hexdigest()
        )

    def _get(self, path: str) -> bytes | None:
        if self.prefix + path not in self._existing():
            return None
        with self._errors("read", path):
            reply = self.client.get_object(Bucket=self.bucket, Key=self.prefix + path)
            return reply["Body"].read()

    def _put(self, path: str, data: bytes) -> None:
        self._uploads.submit(lambda: self._upload(path, data))

    def _upload(self, path: str, data: bytes) -> None:
        with self._errors("write", path):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self.prefix + path,
                Body=data,
                ContentType=content_type(path),
                CacheControl=cache_control(path),
            )

    def _remove(self, paths: list[str]) -> None:
        for start in range(0, len(paths), 1000):  # the DeleteObjects limit
            keys = [{"Key": self.prefix + p} for p in paths[start : start + 1000]]
            with self._errors("delete", paths[start]):
                self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True}
                )

    def _flush(self) -> None:
        self._uploads.wait()  # re-raises an upload's error

    def abort(self) -> None:
        """Drop the uploads still queued, then widen the manifest to every key this build may
        have written, so the next build deletes those it no longer produces as if this one had
        finished. Best effort: if S3 refuses that too, such keys stay, unowned and unlinked."""
        self._uploads.cancel()
        try:
            for name, data in self._owning().items():
                self._upload(name, data)
        except WriteError:
            pass

    def _errors(self, verb: str, path: str = "") -> AbstractContextManager[None]:
        """S3's refusals and unreachability as a WriteError naming the key."""
        from botocore.exceptions import BotoCoreError, ClientError

        return _reporting(f"cannot {verb} {self._where(path)}", (BotoCoreError, ClientError))


def open_writer(out: str | None, bucket: str | None) -> Writer:
    """The writer the command line asked for: ``--out DIR`` or ``--bucket NAME``."""
    if out and not bucket:
        return FolderWriter(out)
    if bucket and not out:
        return S3Writer(bucket)
    raise ValueError("give exactly one of an output folder or an S3 bucket")
