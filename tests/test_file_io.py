"""atomic_write: a failed save never corrupts or removes the existing file.

Crashes are simulated with `file_io._fault_hook`, raising at each named
point of the write, so the tests depend on no timing.
"""

from __future__ import annotations

import os
import stat
import zipfile

import pytest

from lamina.saving import file_io


class Crash(Exception):
    pass


def _crash_at(point):
    def hook(name: str) -> None:
        if name == point:
            raise Crash(name)

    return hook


def _listing(directory):
    return sorted(os.listdir(directory))


def test_writes_new_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model.bin"
    with file_io.atomic_write(target) as f:
        f.write(b"hello")
    assert target.read_bytes() == b"hello"
    assert _listing(tmp_path) == ["model.bin"]


def test_replaces_existing_file(tmp_path):
    target = tmp_path / "model.bin"
    target.write_bytes(b"old contents")
    with file_io.atomic_write(str(target)) as f:
        f.write(b"new")
    assert target.read_bytes() == b"new"
    assert _listing(tmp_path) == ["model.bin"]


def test_hook_points_are_called_in_order(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(file_io, "_fault_hook", seen.append)
    with file_io.atomic_write(tmp_path / "x") as f:
        f.write(b"1")
    assert tuple(seen) == file_io.HOOK_POINTS


@pytest.mark.parametrize("point", file_io.HOOK_POINTS)
def test_old_file_survives_a_crash_at_every_point(tmp_path, monkeypatch, point):
    target = tmp_path / "model.keras"
    target.write_bytes(b"the previous, good save")
    monkeypatch.setattr(file_io, "_fault_hook", _crash_at(point))
    with pytest.raises(Crash):
        with file_io.atomic_write(target) as f:
            f.write(b"half of a new sa")
    assert target.read_bytes() == b"the previous, good save"
    assert _listing(tmp_path) == ["model.keras"]


@pytest.mark.parametrize("point", file_io.HOOK_POINTS)
def test_crash_without_previous_file_leaves_nothing(tmp_path, monkeypatch, point):
    monkeypatch.setattr(file_io, "_fault_hook", _crash_at(point))
    with pytest.raises(Crash):
        with file_io.atomic_write(tmp_path / "new.h5") as f:
            f.write(b"partial")
    assert _listing(tmp_path) == []


def test_exception_in_the_block_keeps_old_file(tmp_path):
    target = tmp_path / "w.h5"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="serializer failed"):
        with file_io.atomic_write(target) as f:
            f.write(b"garbage")
            raise RuntimeError("serializer failed")
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["w.h5"]


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "w.h5"
    target.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with file_io.atomic_write(target) as f:
            f.write(b"x")
            raise KeyboardInterrupt
    assert target.read_bytes() == b"old"
    assert _listing(tmp_path) == ["w.h5"]


def test_block_may_close_the_file_and_read_back(tmp_path):
    target = tmp_path / "a.zip"
    with file_io.atomic_write(target) as f:
        with zipfile.ZipFile(f, "w") as archive:
            archive.writestr("config.json", "{}")
        f.seek(0)
        assert f.read(2) == b"PK"  # readable and seekable, as h5py needs
        f.close()
    with zipfile.ZipFile(target) as archive:
        assert archive.read("config.json") == b"{}"
    assert _listing(tmp_path) == ["a.zip"]


def test_keeps_permissions_of_replaced_file(tmp_path):
    target = tmp_path / "m.bin"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    with file_io.atomic_write(target) as f:
        f.write(b"new")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640


def test_new_file_gets_umask_permissions_not_private(tmp_path):
    old = os.umask(0o022)
    try:
        with file_io.atomic_write(tmp_path / "m.bin") as f:
            f.write(b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "m.bin").st_mode) == 0o644


def test_symlink_is_kept_and_its_target_replaced(tmp_path):
    real = tmp_path / "real.bin"
    real.write_bytes(b"old")
    link = tmp_path / "link.bin"
    link.symlink_to(real)
    with file_io.atomic_write(link) as f:
        f.write(b"new")
    assert link.is_symlink()
    assert real.read_bytes() == b"new"


def test_missing_directory_raises_oserror(tmp_path):
    with pytest.raises(OSError):
        with file_io.atomic_write(tmp_path / "no" / "such" / "dir.bin") as f:
            f.write(b"x")


def test_write_bytes(tmp_path):
    file_io.write_bytes(tmp_path / "b", b"data")
    assert (tmp_path / "b").read_bytes() == b"data"
