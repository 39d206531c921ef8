"""`keras.utils.get_file`: fetch a file into the Keras cache, check its hash,
optionally extract it.

Layout and names follow Keras 3 (`$KERAS_HOME` or `~/.keras`, then
`cache_subdir`), so files Keras downloaded are found and files lamina
downloads are found by Keras. Improvements: the download goes to a `.part`
file that is renamed only once its hash matches (no truncated file is ever
left under the real name), an archive is extracted once rather than at every
call, and when the download fails the error says which file to place where.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.parse
import warnings
import zipfile
from typing import Any, List, Optional, Union

from lamina.utils.progbar import Progbar

_CHUNK = 1 << 16


class DownloadError(OSError):
    """A file could not be fetched from its origin (offline, HTTP error, ...)."""


def keras_home() -> str:
    """Keras's base directory: `$KERAS_HOME`, else `~/.keras` (`/tmp/.keras`
    when the home directory is not writable), as Keras decides it.

    Unlike Keras, the variable is read at each call, not once at import.
    """
    if "KERAS_HOME" in os.environ:
        return os.environ["KERAS_HOME"]
    home = os.path.expanduser("~")
    if not os.access(home, os.W_OK):
        home = "/tmp"
    return os.path.join(home, ".keras")


def _hasher(algorithm: str, file_hash: Optional[str]) -> Any:
    """sha256 for "sha256" or a 64-digit hash under "auto"; md5 otherwise (legacy)."""
    if algorithm == "sha256" or (
        algorithm == "auto" and file_hash is not None and len(file_hash) == 64
    ):
        return hashlib.sha256()
    return hashlib.md5()


def hash_file(fpath: str, algorithm: str = "sha256", chunk_size: int = 65535) -> str:
    """The hex digest of a file (`"sha256"`, `"md5"` or `"auto"` = sha256).

    Args:
        fpath: the file.
        algorithm: the hash algorithm.
        chunk_size: bytes read at a time.

    Returns:
        The hex digest.
    """
    hasher = _hasher("sha256" if algorithm == "auto" else algorithm, None)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return str(hasher.hexdigest())


def validate_file(
    fpath: str, file_hash: str, algorithm: str = "auto", chunk_size: int = 65535
) -> bool:
    """Whether a file's sha256 or md5 digest equals `file_hash`.

    Args:
        fpath: the file.
        file_hash: the expected hex digest.
        algorithm: `"sha256"`, `"md5"`, or `"auto"` (by the hash's length).
        chunk_size: bytes read at a time.

    Returns:
        True when the digests match.
    """
    hasher = _hasher(algorithm, file_hash)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            hasher.update(chunk)
    return str(hasher.hexdigest()) == str(file_hash)


def _algorithm_name(algorithm: str, file_hash: str) -> str:
    return str(_hasher(algorithm, file_hash).name)


def _download(origin: str, target: str) -> None:
    """Streams `origin` into `target` with a progress bar (bytes)."""
    import urllib.request  # imported on first download: it costs ~15 ms

    with urllib.request.urlopen(origin) as response, open(target, "wb") as out:
        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None
        bar = Progbar(total, unit_name="byte")
        done = 0
        while True:
            chunk = response.read(_CHUNK)
            if not chunk:
                break
            out.write(chunk)
            done += len(chunk)
            bar.update(done, finalize=False)
        bar.update(done, finalize=True)


def _offline_hint(origin: str, target: str, extraction_dir: Optional[str]) -> str:
    where = f"place that file at {target}"
    if extraction_dir is not None:
        where += f" (or its extracted contents in {extraction_dir})"
    return f"To use the file offline, download {origin} on another machine and {where}."


def _safe_tar_members(archive: tarfile.TarFile, base: str) -> List[tarfile.TarInfo]:
    """Members that stay inside `base`; the others are skipped with a warning."""
    base = os.path.realpath(base)
    kept = []
    for member in archive.getmembers():
        dest = os.path.realpath(os.path.join(base, member.name))
        safe = os.path.commonpath([dest, base]) == base and not member.isdev()
        if safe and (member.issym() or member.islnk()):
            link_base = base if member.islnk() else os.path.dirname(dest)
            link = os.path.realpath(os.path.join(link_base, member.linkname))
            safe = os.path.commonpath([link, base]) == base
        if safe:
            kept.append(member)
        else:
            warnings.warn(
                f"Skipping invalid path during archive extraction: '{member.name}'.",
                stacklevel=3,
            )
    return kept


def extract_archive(
    file_path: str, path: str = ".", archive_format: Union[str, List[str], None] = "auto"
) -> bool:
    """Extracts a tar (`.tar`, `.tar.gz`, `.tar.bz2`) or zip archive into `path`.

    Members that would land outside `path` (absolute names, `..`, links
    pointing out) are skipped.

    Args:
        file_path: the archive.
        path: the directory to extract into.
        archive_format: `"auto"` (tar then zip), `"tar"`, `"zip"`, a list of
            those, or None (extract nothing).

    Returns:
        True if the archive matched a format and was extracted.

    Raises:
        NotImplementedError: for an unknown format name.
    """
    if archive_format is None:
        return False
    formats = ["tar", "zip"] if archive_format == "auto" else archive_format
    if isinstance(formats, str):
        formats = [formats]
    for kind in formats:
        if kind == "tar" and tarfile.is_tarfile(file_path):
            with tarfile.open(file_path) as tar:
                members = _safe_tar_members(tar, path)
                if hasattr(tarfile, "data_filter"):  # also drops special bits
                    tar.extractall(path, members=members, filter="data")
                else:  # Python < 3.9.17 has no extraction filters
                    tar.extractall(path, members=members)
            return True
        if kind == "zip" and zipfile.is_zipfile(file_path):
            with zipfile.ZipFile(file_path) as archive:
                base = os.path.realpath(path)
                names = []
                for name in archive.namelist():
                    dest = os.path.realpath(os.path.join(base, name))
                    if os.path.commonpath([dest, base]) == base:
                        names.append(name)
                    else:
                        warnings.warn(
                            f"Skipping invalid path during archive extraction: '{name}'.",
                            stacklevel=2,
                        )
                archive.extractall(path, members=names)
            return True
        if kind not in ("tar", "zip"):
            raise NotImplementedError(kind)
    return False


def get_file(
    fname: Optional[Union[str, os.PathLike]] = None,
    origin: Optional[str] = None,
    untar: bool = False,
    md5_hash: Optional[str] = None,
    file_hash: Optional[str] = None,
    cache_subdir: str = "datasets",
    hash_algorithm: str = "auto",
    extract: bool = False,
    archive_format: str = "auto",
    cache_dir: Optional[Union[str, os.PathLike]] = None,
    force_download: bool = False,
) -> str:
    """Returns the path of a cached file, downloading it from `origin` first
    if it is missing or its hash does not match.

    Args:
        fname: the file's name in the cache (no directories); the last part
            of `origin`'s path when None.
        origin: the URL to download from.
        untar: tf.keras 2.x spelling of `extract=True, archive_format="tar"`.
        md5_hash: legacy spelling of `file_hash` with `hash_algorithm="md5"`.
        file_hash: the expected sha256 (or md5) hex digest; not checked if None.
        cache_subdir: the directory under `cache_dir` (may be absolute).
        hash_algorithm: `"auto"`, `"sha256"` or `"md5"`.
        extract: extract the archive and return the extraction directory.
        archive_format: `"auto"`, `"tar"`, `"zip"` or None.
        cache_dir: the base directory; `keras_home()` when None.
        force_download: download even when a cached file exists.

    Returns:
        The path of the file, or of the extraction directory when extracting.

    Raises:
        ValueError: if `origin` is missing, `fname` contains a directory, or
            the downloaded file's hash does not match `file_hash`.
        DownloadError: (an OSError) if the download fails; the message says
            where to place the file by hand.
    """
    if origin is None:
        raise ValueError('Please specify the "origin" argument (URL of the file to download).')
    if md5_hash is not None and file_hash is None:
        file_hash, hash_algorithm = md5_hash, "md5"
    base = os.path.expanduser(os.fspath(cache_dir) if cache_dir is not None else keras_home())
    if not os.access(base, os.W_OK) and os.path.exists(base):
        base = os.path.join(tempfile.gettempdir(), ".keras")
    datadir = os.path.join(base, cache_subdir)
    os.makedirs(datadir, exist_ok=True)

    given_name = os.fspath(fname) if fname is not None else None
    name = given_name or os.path.basename(urllib.parse.urlsplit(origin).path)
    if not name:
        raise ValueError(
            f"Can't parse the file name from the origin provided: '{origin}'. "
            "Please specify the `fname` argument."
        )
    if given_name and os.sep in given_name:
        raise ValueError(
            "Paths are no longer accepted as the `fname` argument. To specify the file's "
            f"parent directory, use the `cache_dir` argument. Received: fname={given_name}"
        )

    extraction_dir: Optional[str] = None
    if extract or untar:
        # Keras 3's names: "x.tar.gz" -> archive "x.tar.gz", directory
        # "x_extracted"; "x" -> archive "x_archive", directory "x".
        if given_name and "." in name:
            target = os.path.join(datadir, name)
            extraction_dir = os.path.join(datadir, f"{name[: name.find('.')]}_extracted")
        else:
            extraction_dir = os.path.join(datadir, name)
            target = os.path.join(datadir, f"{name}_archive")
    else:
        target = os.path.join(datadir, name)

    downloaded = False
    if force_download:
        download = True
    elif not os.path.exists(target):
        # Extracted contents placed by hand (or kept after the archive was
        # deleted) are used as they are.
        download = not (extraction_dir is not None and os.path.isdir(extraction_dir))
    else:
        download = False
        if file_hash is not None and not validate_file(target, file_hash, hash_algorithm):
            print(
                "A local file was found, but it seems to be incomplete or outdated because "
                f"the {_algorithm_name(hash_algorithm, file_hash)} file hash does not match "
                f"the original value of {file_hash} so we will re-download the data."
            )
            download = True

    if download:
        from urllib.error import HTTPError, URLError

        print(f"Downloading data from {origin}")
        partial = target + ".part"
        try:
            _download(origin, partial)
        except (URLError, OSError, ValueError) as err:
            if os.path.exists(partial):
                os.remove(partial)
            if isinstance(err, HTTPError):
                reason = f"{err.code} -- {err.msg}"
            else:
                reason = str(getattr(err, "reason", err))
            raise DownloadError(
                f"URL fetch failure on {origin}: {reason}. "
                + _offline_hint(origin, target, extraction_dir)
            ) from err
        except BaseException:
            if os.path.exists(partial):
                os.remove(partial)
            raise
        if file_hash is not None and not validate_file(partial, file_hash, hash_algorithm):
            actual = hash_file(partial, _algorithm_name(hash_algorithm, file_hash))
            os.remove(partial)
            raise ValueError(
                "Incomplete or corrupted file detected. The "
                f"{_algorithm_name(hash_algorithm, file_hash)} file hash does not match the "
                f"provided value of {file_hash} (the download from {origin} hashes to {actual})."
            )
        os.replace(partial, target)
        downloaded = True

    if extraction_dir is not None:
        if downloaded or not os.path.isdir(extraction_dir):
            if downloaded and os.path.isdir(extraction_dir):
                shutil.rmtree(extraction_dir)
            if not extract_archive(target, extraction_dir, "tar" if untar else archive_format):
                raise ValueError(f"Could not extract the archive {target}: unknown format.")
        return extraction_dir
    return target
