"""Bounded growth: the zoo's memo, download files and the temp folders a killed checkpoint write leaves."""

import os
import time

from explorer.models.folder import ORPHAN_SECONDS, remove_orphans, write_folder_atomically
from explorer.settings import Settings
from explorer.ui import common
from explorer.zoo import Zoo


def test_the_zoo_memo_keeps_the_most_recent_entries_up_to_its_bound(tmp_path):
    zoo = Zoo(tmp_path / "none.json", device="cpu", settings=Settings(memo_entries=3))
    calls = []

    def value(key):
        return zoo.memo("kind", "model", lambda: calls.append(key) or key, key=key)

    for key in range(3):
        value(key)
    value(0)  # used again: now the most recent
    value(3)  # a fourth: the least recent (1) goes
    assert len(zoo._memo) == 3
    value(0)
    value(1)  # recomputed, since it went
    assert calls == [0, 1, 2, 3, 1]
    assert Settings.from_env({"LATENT_EXPLORER_MEMO_ENTRIES": "7"}).memo_entries == 7


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_download_path_removes_download_folders_older_than_their_lifetime(monkeypatch):
    monkeypatch.setattr(common, "DOWNLOAD_LIFETIME_S", 60)
    first = common.download_path("old", ".png")
    first.write_bytes(b"x")
    recent = common.download_path("recent", ".png")
    recent.write_bytes(b"x")
    age(first.parent, 120)
    fresh = common.download_path("new", ".png")
    assert not first.parent.exists() and recent.exists()
    assert fresh.parent.is_dir() and fresh.name == "new.png"
    assert Settings.from_env({"LATENT_EXPLORER_DOWNLOAD_MINUTES": "5"}).download_minutes == 5


def test_orphan_checkpoint_temp_folders_older_than_a_write_are_removed_and_nothing_else(tmp_path):
    def killed(tmp):  # a write killed mid-way: what write_folder_atomically leaves is its temp folder
        (tmp / "model.safetensors").write_bytes(b"half")
        raise KeyboardInterrupt

    try:
        write_folder_atomically(tmp_path / "run", killed)
    except KeyboardInterrupt:
        pass
    assert not any(tmp_path.glob(".run.*.tmp"))  # an exception inside Python cleans up itself …
    orphan = tmp_path / ".run.abc123.tmp"  # … a killed process leaves this behind
    orphan.mkdir()
    (orphan / "model.safetensors").write_bytes(b"half")
    writing = tmp_path / ".other.def456.tmp"  # another process writing now
    writing.mkdir()
    old = tmp_path / ".run.ghi789.old"
    old.mkdir()
    run = tmp_path / "run-kept"
    run.mkdir()
    for path in (orphan, old, run):
        age(path, ORPHAN_SECONDS + 60)
    removed = remove_orphans(tmp_path, tmp_path / "missing")
    assert sorted(removed) == sorted([orphan, old])
    assert writing.is_dir() and run.is_dir() and not orphan.exists() and not old.exists()
