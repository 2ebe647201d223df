"""scripts/bootstrap: when it cannot install what is missing it says exactly what to run, and fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import ROOT


def _checkout(tmp_path: Path, tools: dict[str, str], linked: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """A folder holding scripts/bootstrap, and a bin/ of stand-in ``tools`` plus ``linked`` real ones."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "bootstrap", tmp_path / "scripts" / "bootstrap")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in tools.items():
        (bin_dir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bin_dir / name).chmod(0o755)
    for name in linked:
        (bin_dir / name).symlink_to(shutil.which(name))
    return tmp_path, bin_dir


def _run(folder: Path, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([shutil.which("bash"), "scripts/bootstrap"], cwd=folder, capture_output=True,
                          text=True, timeout=60, env={"PATH": path, "HOME": str(folder)})


def test_without_root_it_prints_the_apt_command_and_fails(tmp_path: Path) -> None:
    # dpkg-query finds nothing installed, and `id -u` says we are not root.
    folder, bin_dir = _checkout(tmp_path, {"dpkg-query": "exit 1", "id": "echo 1000"})
    result = _run(folder, f"{bin_dir}:/usr/bin:/bin")
    assert result.returncode == 1
    assert ("  sudo apt-get update && sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 "
            "libharfbuzz-subset0 fontconfig") in result.stderr.splitlines()
    assert not (folder / ".venv").exists()


def test_without_apt_or_homebrew_it_names_the_routes_and_fails(tmp_path: Path) -> None:
    folder, bin_dir = _checkout(tmp_path, {"uname": "echo Linux"}, ("dirname", "grep", "python3"))
    result = _run(folder, str(bin_dir))
    assert result.returncode == 1
    assert "neither apt (Debian, Ubuntu, WSL) nor Homebrew (macOS)" in result.stderr
    assert "  wsl --install -d Ubuntu" in result.stderr.splitlines()


def test_on_macos_without_homebrew_it_points_to_brew_and_fails(tmp_path: Path) -> None:
    folder, bin_dir = _checkout(tmp_path, {"uname": "echo Darwin"}, ("dirname", "grep", "python3"))
    result = _run(folder, str(bin_dir))
    assert result.returncode == 1
    assert "  brew install python@3.12 pango" in result.stderr.splitlines()
