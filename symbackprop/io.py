"""Files: atomic writes that never leave half a file, and PDFs through pdflatex.

Every file symbackprop writes (notes, PDFs, plots, CSV tables, saved parameters) goes through
:func:`write_bytes`: the content is written to an anonymous file in the target folder (Linux
``O_TMPFILE``, so a writer killed at any moment leaves nothing behind), then linked into place.
Without ``force`` the link is exclusive: if the file exists, or another writer creates it
first, the write fails and the existing file is kept. With ``force`` it replaces the file
atomically, through a hidden temporary name ``.NAME.PID.RANDOM.tmp`` that lives for
the instant of the rename; where anonymous files are not available, the content is written
under that name. It is removed on any failure or signal Python sees; a SIGKILL in that instant
can leave it, and the next write to the same name removes it.

Examples
========
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> p = write_text(d / "a.txt", "one")
>>> write_text(d / "a.txt", "two")
Traceback (most recent call last):
...
symbackprop.core.errors.OutputFileError: ... exists; pass force=True (--force) to overwrite it
>>> _ = write_text(d / "a.txt", "two", force=True); p.read_text()
'two'
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .core.errors import ExternalToolError, InputTypeError, OutputFileError
from .core.types import PathLike

__all__ = ["PdfResult", "check_writable", "compile_pdf", "write_bytes", "write_text"]


def check_writable(path: PathLike, force: bool = False) -> Path:
    """Check, before any work is done, that ``path`` can be written; returns it as a Path."""
    if not isinstance(path, (str, os.PathLike)):
        raise InputTypeError(f"a file path must be a str or Path, not {type(path).__name__}")
    path = Path(path)
    parent = path.parent
    if not parent.exists():
        raise OutputFileError(f"the folder {str(parent)!r} does not exist")
    if not parent.is_dir():
        raise OutputFileError(f"{str(parent)!r} is not a folder")
    if path.is_dir():
        raise OutputFileError(f"{str(path)!r} is a folder; give a file name")
    # a device, pipe or socket is never replaced, not even with force (/dev/full stays a device)
    if path.exists() and not path.is_file():
        raise OutputFileError(f"{str(path)!r} is not a regular file (a device, pipe or "
                              "socket); give the name of a file")
    if path.is_symlink() and not path.exists() and not force:
        raise OutputFileError(f"{str(path)!r} is a dangling symbolic link; pass force=True "
                              "(--force) to replace the link")
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputFileError(f"{str(path)!r} exists; pass force=True (--force) to overwrite it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputFileError(f"no permission to write in {str(parent)!r}")
    return path


def _os_error(path: Path, e: OSError) -> OutputFileError:
    return OutputFileError(f"cannot write {str(path)!r}: {e.strerror or e}")


def _anonymous(folder: Path) -> int | None:
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not Path("/proc/self/fd").is_dir():
        return None
    try:
        return os.open(folder, flag | os.O_WRONLY, 0o666)
    except OSError:
        return None


def _link_anonymous(fd: int, dest: Path) -> None:
    """Give the anonymous file ``fd`` the name ``dest`` (linkat with AT_SYMLINK_FOLLOW)."""
    procfd = os.open("/proc/self/fd", os.O_RDONLY)
    try:
        os.link(str(fd), dest, src_dir_fd=procfd, follow_symlinks=True)
    finally:
        os.close(procfd)


_TMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.tmp")


def _tmp_name(path: Path) -> Path:
    """A hidden temporary name beside ``path`` that records the writer's process id."""
    return path.parent / f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists, under another user
        return True
    return True


def _sweep(path: Path) -> None:
    """Remove temporary files of writes to ``path`` whose writer was killed (SIGKILL can strike
    between naming the temporary file and moving it into place)."""
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        m = _TMP.fullmatch(entry.name)
        if m and m["name"] == path.name and not _alive(int(m["pid"])):
            try:
                os.unlink(entry.path)
            except OSError:
                pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]
    os.fsync(fd)


def write_bytes(path: PathLike, data: bytes, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically (see the module docstring); returns the Path."""
    path = check_writable(path, force)
    _sweep(path)
    folder = path.parent
    fd = _anonymous(folder)
    if fd is not None:
        try:
            _write_all(fd, data)
            if not force:
                try:
                    _link_anonymous(fd, path)
                except FileExistsError:
                    raise OutputFileError(f"{str(path)!r} exists (another writer made it "
                                          "first); pass force=True to overwrite it") from None
            else:
                tmp = _tmp_name(path)
                _link_anonymous(fd, tmp)
                try:
                    os.replace(tmp, path)
                except BaseException:
                    tmp.unlink(missing_ok=True)
                    raise
        except OSError as e:
            if isinstance(e, OutputFileError):
                raise
            raise _os_error(path, e) from None
        finally:
            os.close(fd)
        return path
    return _write_named(path, data, force)


def _write_named(path: Path, data: bytes, force: bool) -> Path:
    """Fallback: a hidden temporary file, removed on every failure."""
    tmp = str(_tmp_name(path))
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise _os_error(path, e) from None
    try:
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        if force:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise OutputFileError(f"{str(path)!r} exists; pass force=True to overwrite "
                                      "it") from None
    except OSError as e:
        if isinstance(e, OutputFileError):
            raise
        raise _os_error(path, e) from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def write_text(path: PathLike, text: str, force: bool = False) -> Path:
    """Write text (UTF-8) atomically; an existing file needs ``force=True``."""
    if not isinstance(text, str):
        raise InputTypeError(f"text must be a str, not {type(text).__name__}")
    return write_bytes(path, text.encode("utf-8"), force)


def write_with(path: PathLike, make: Callable[[object], None], force: bool = False) -> Path:
    """Write what ``make(file_object)`` writes into a binary in-memory file, atomically."""
    import io
    check_writable(path, force)
    buf = io.BytesIO()
    make(buf)
    return write_bytes(path, buf.getvalue(), force)


# ---- PDF ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PdfResult:
    """A PDF made by :func:`compile_pdf`: its ``path`` and pdflatex's ``log``."""

    path: Path
    log: str = field(repr=False)

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def __repr__(self) -> str:
        pages = self.pages
        shown = "?" if pages is None else f"{pages} page{'s' if pages != 1 else ''}"
        boxes = len(self.overfull)
        return (f"<PdfResult {str(self.path)!r}: {shown}, "
                f"{boxes or 'no'} overfull line{'s' if boxes != 1 else ''}; .log has the log>")

    @property
    def pages(self) -> int | None:
        """Number of pages, as pdflatex reports it (None if the log does not say)."""
        m = re.search(r"Output written on .*?\((\d+) pages?", self.log, re.DOTALL)
        return int(m.group(1)) if m else None

    @property
    def overfull(self) -> list[str]:
        """Lines of the log that report an overfull box (text wider than the page)."""
        return [ln for ln in self.log.splitlines() if ln.startswith("Overfull")]


_MISSING = re.compile(r"File `([^']+)' not found")


_UNICODE = re.compile(r"Unicode character (.) \(U\+[0-9A-F]{4,6}\)")
_NO_GLYPH = re.compile(r"^! LaTeX Error: Command \\\S+ unavailable in encoding", re.MULTILINE)
_CONTEXT = re.compile(r"^l\.\d+ (.*)$", re.MULTILINE)


def _untypeset(log: str) -> str | None:
    """The character pdflatex stopped at for want of a glyph, if that is why it failed: named in
    the error, or (an accent the font lacks) the last one it read before the error."""
    m = _UNICODE.search(log)
    if m:
        return m.group(1)
    m = _NO_GLYPH.search(log)
    if m:
        ctx = _CONTEXT.search(log, m.end())
        chars = [c for c in (ctx.group(1) if ctx else "") if not c.isascii()]
        if chars:
            return chars[-1]
    return None


def _tex_env() -> dict[str, str]:
    """pdflatex's environment: kpathsea's paranoid mode, so that no ``\\input``, ``\\openin``,
    ``\\pdffiledump`` or ``\\openout`` reaches a file outside the folder it runs in (absolute
    paths, ``..`` and dot files are refused), whatever the document says."""
    env = dict(os.environ)
    env.update(openin_any="p", openout_any="p", shell_escape="f")
    env.pop("TEXMFOUTPUT", None)
    return env


def compile_pdf(tex_path: PathLike, timeout: float = 120, force: bool = False) -> PdfResult:
    """Run pdflatex on a .tex file; the PDF lands next to it (atomically; an existing PDF
    needs ``force=True``).

    pdflatex runs on a copy of the file in a fresh temporary folder, without shell escape and
    in kpathsea's paranoid mode (``openin_any=p``, ``openout_any=p``): the document can read
    and write nothing but that folder and the TeX installation, so a stray ``\\input`` of a
    private file fails instead of printing it.

    Raises :class:`~symbackprop.ExternalToolError` when pdflatex is missing, fails (with the
    log's first error, the character it cannot typeset, and the Debian package to install for a
    missing ``.sty``) or takes longer than ``timeout`` seconds.
    """
    tex_path = Path(tex_path)
    if not tex_path.is_file():
        raise OutputFileError(f"{str(tex_path)!r} does not exist")
    out = tex_path.with_suffix(".pdf")
    if tex_path.suffix.lower() == ".pdf":
        raise OutputFileError(f"{str(tex_path)!r} would be replaced by its own PDF; name the "
                              "LaTeX file with .tex")
    check_writable(out, force)
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ExternalToolError(
            f"no pdflatex found, so no PDF was made; {str(tex_path)!r} was written. Install a "
            "TeX engine (Debian: apt-get install texlive-latex-base texlive-latex-recommended; "
            "for Korean also texlive-lang-korean)")
    with tempfile.TemporaryDirectory() as tmp:
        name = "notes.tex"
        shutil.copyfile(tex_path, Path(tmp) / name)
        cmd = [exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape",
               "-output-directory=.", name]
        log_path = Path(tmp) / "notes.log"
        for _ in range(3):  # again while equation numbers referred to are not yet known
            try:
                res = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                                     cwd=tmp, stdin=subprocess.DEVNULL, check=False,
                                     encoding="utf-8", errors="replace", env=_tex_env())
            except subprocess.TimeoutExpired:
                raise ExternalToolError(f"pdflatex took longer than {timeout} s") from None
            log = log_path.read_text(encoding="utf-8", errors="replace") \
                if log_path.exists() else res.stdout
            if res.returncode != 0 or "Rerun to get cross-references right" not in log:
                break
        pdf = Path(tmp) / "notes.pdf"
        if res.returncode != 0 or not pdf.exists():
            missing = _MISSING.search(log)
            if missing and missing.group(1).endswith((".sty", ".cls", ".def", ".fd")):
                pkg = "texlive-lang-korean" if "kotex" in missing.group(1) else \
                    "texlive-latex-recommended"
                raise ExternalToolError(f"pdflatex misses {missing.group(1)}; install it "
                                        f"(Debian: apt-get install {pkg})")
            char = _untypeset(log)
            if char:
                raise ExternalToolError(
                    f"pdflatex cannot typeset the character {char!r} (U+{ord(char):04X}) in "
                    f"{str(tex_path)!r}; leave it out or replace it")
            err = [ln for ln in log.splitlines() if ln.startswith("!")]
            raise ExternalToolError(f"pdflatex failed on {str(tex_path)!r}: "
                                    f"{err[0] if err else 'see its log'}")
        write_bytes(out, pdf.read_bytes(), force=True)
    return PdfResult(out, log)
