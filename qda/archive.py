"""Reading an untrusted ``.qdpx`` (a ZIP) and its XML safely, in memory.

Nothing is extracted to disk: members are read into memory, so no member can be
written outside a folder. Still, a member whose name is absolute or climbs out
with ``..`` marks a crafted file and the whole file is refused. Zip bombs are
refused before and while reading: at most :data:`MAX_MEMBERS` members, at most
:data:`MAX_UNPACKED` bytes in all (counted on the bytes actually inflated, not on
the sizes the archive claims), no member larger than 64 KB that inflates more
than :data:`MAX_RATIO` times, and the whole archive at most :data:`MAX_RATIO` times its
size (many small members each inflating a thousand times made a 2.7 MB file 1 GB of
text). A text source over :data:`qda.limits.MAX_DOCUMENT_BYTES` is refused like a file.
XML is parsed with ``defusedxml``: no DTD, no entities, no external references.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from qda import limits
from qda.errors import InputError

__all__ = [
    "Archive",
    "open_archive",
    "parse_xml",
    "MAX_MEMBERS",
    "MAX_UNPACKED",
    "MAX_RATIO",
    "MAX_ARCHIVE_BYTES",
]

MAX_ARCHIVE_BYTES = limits.MAX_ARCHIVE_BYTES  # the .qdpx file itself
MAX_MEMBERS = limits.MAX_ARCHIVE_MEMBERS
MAX_UNPACKED = limits.MAX_UNPACKED_BYTES  # inflated, all members together
MAX_RATIO = limits.MAX_ZIP_RATIO  # inflated / compressed
_RATIO_FLOOR = limits.MAX_RATIO_FLOOR_BYTES  # members smaller than this are not compared


@dataclass
class Archive:
    """A checked .qdpx: the project XML and a reader for members by last name component."""

    path: Path
    project_name: str  # the .qde member's name as stored
    project_xml: bytes
    _zip: zipfile.ZipFile
    _members: dict[str, zipfile.ZipInfo]  # lower-cased file name -> member
    _budget: list[int]  # bytes still allowed to inflate

    def member(self, reference: str) -> bytes | None:
        """The bytes of ``internal://<name>`` (or a bare name), matched case-insensitively on
        the last path component; None when the archive has no such file."""
        name = reference.split("://", 1)[-1].replace("\\", "/").rsplit("/", 1)[-1].lower()
        info = self._members.get(name)
        return None if info is None else _read(self, info)

    def close(self) -> None:
        self._zip.close()


def open_archive(path: str | Path) -> Archive:
    """Open a .qdpx and read its ``*.qde``; every problem is an :class:`InputError`."""
    path = Path(path)
    zf = _open_zip(path)
    try:
        members, qde, claimed = _index(path, zf)
        budget = _unpack_budget(path, claimed)
        if not qde:
            raise InputError(
                f"{path}: is a ZIP file but not a REFI-QDA project: it has no "
                "project.qde inside; export a .qdpx project from the "
                "QDA program"
            )
        if len(qde) > 1:
            raise InputError(
                f"{path}: has {len(qde)} project files "
                f"({', '.join(i.filename for i in qde)}); a .qdpx holds one .qde"
            )
        archive = Archive(path, qde[0].filename, b"", zf, members, [budget])
        archive.project_xml = _read(archive, qde[0])
        return archive
    except BaseException:
        zf.close()
        raise


def _open_zip(path: Path) -> zipfile.ZipFile:
    """The file as a ZIP archive, once it is known to be a file of a sane size."""
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give a REFI-QDA project file (.qdpx)")
    if path.stat().st_size > MAX_ARCHIVE_BYTES:
        raise InputError(
            f"{path}: is over {MAX_ARCHIVE_BYTES // 1024**3} GB; a REFI-QDA project that large is refused"
        )
    try:
        return zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(
            f"{path}: is not a REFI-QDA project: a .qdpx is a ZIP archive and this "
            f"file is not one, or is truncated ({exc}); export the project again "
            "from its program"
        ) from exc
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from exc


def _index(path: Path, zf: zipfile.ZipFile) -> tuple[dict[str, zipfile.ZipInfo], list[zipfile.ZipInfo], int]:
    """The members by lower-case file name, the ``.qde`` members and the unpacked size the
    directory claims; names and packing ratios are checked on the way."""
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise InputError(
            f"{path}: holds {len(infos)} files, over the limit of {MAX_MEMBERS} "
            "for a REFI-QDA project; refused"
        )
    claimed = 0
    members: dict[str, zipfile.ZipInfo] = {}
    qde: list[zipfile.ZipInfo] = []
    for info in infos:
        _check_name(path, info.filename)
        if info.is_dir():
            continue
        claimed += info.file_size
        if info.file_size > _RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise _bomb(
                path,
                info.filename,
                f"inflates over {MAX_RATIO} times its packed size (the limit MAX_ZIP_RATIO)",
            )
        name = info.filename.rsplit("/", 1)[-1]
        if name.lower().endswith(".qde"):
            qde.append(info)
        members.setdefault(name.lower(), info)
    return members, qde, claimed


def _unpack_budget(path: Path, claimed: int) -> int:
    """How many bytes reading may inflate; a directory claiming more is refused."""
    if claimed > MAX_UNPACKED:
        raise _bomb(
            path, None, f"would unpack to {claimed / 1e6:.0f} MB, over the {MAX_UNPACKED // 1024**2} MB limit"
        )
    # The directory's sizes can lie: what is actually inflated is held to the same
    # ratio to the file's size (and to MAX_UNPACKED) while reading.
    budget = min(MAX_UNPACKED, max(1024**2, MAX_RATIO * path.stat().st_size))
    if claimed > budget:
        raise _bomb(
            path,
            None,
            f"would unpack to {claimed / 1e6:.0f} MB, over "
            f"{MAX_RATIO} times its size (the limit MAX_ZIP_RATIO)",
        )
    return budget


def _check_name(path: Path, name: str) -> None:
    posix = PurePosixPath(name.replace("\\", "/"))
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or ".." in posix.parts or "\x00" in name:
        raise InputError(
            f"{path}: refused: member {name!r} points outside the archive "
            "(absolute or '..' path), which only a crafted file has"
        )


def _bomb(path: Path, member: str | None, why: str) -> InputError:
    what = f"member {member!r} " if member else ""
    return InputError(f"{path}: refused as a possible zip bomb: {what}{why}")


def _read(archive: Archive, info: zipfile.ZipInfo) -> bytes:
    """Inflate one member, stopping as soon as it passes what is left of the budget (the
    sizes in the archive's directory can lie)."""
    limit = archive._budget[0]
    chunks, total = [], 0
    try:
        with archive._zip.open(info) as fh:
            while True:
                chunk = fh.read(1024 * 1024)
                if not chunk:
                    break
                total += len(chunk)
                if total > limit:
                    raise _bomb(
                        archive.path,
                        info.filename,
                        "unpacks to more than its "
                        f"directory says, past the size limit ({MAX_RATIO} times "
                        f"the file's size, at most {MAX_UNPACKED // 1024**2} MB)",
                    )
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
        raise InputError(
            f"{archive.path}: member {info.filename!r} cannot be read ({exc}); "
            "the file is damaged or truncated; export the project again"
        ) from exc
    archive._budget[0] -= total
    return b"".join(chunks)


def parse_xml(data: bytes, where: str) -> ET.Element:
    """Parse untrusted XML: a DTD, any entity and any external reference are refused."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import DefusedXMLParser

    try:
        parser = DefusedXMLParser(forbid_dtd=True, forbid_entities=True, forbid_external=True)
        parser.feed(data)
        return parser.close()
    except ET.ParseError as exc:
        line, column = getattr(exc, "position", (None, None))
        at = f", line {line}, column {column + 1}" if line and column is not None else ""
        reason = re.sub(r":\s*line \d+, column \d+$", "", str(exc))
        raise InputError(
            f"{where}{at}: not valid XML ({reason}); export the project again from its program"
        ) from exc
    except DefusedXmlException as exc:
        raise InputError(
            f"{where}: refused: the XML declares a DTD, entities or external "
            f"references ({type(exc).__name__}), which REFI-QDA files never need "
            "and crafted files use to attack; export it again from its "
            "program"
        ) from exc
