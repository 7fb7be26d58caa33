"""Choose and start the Chromium the bots drive, in one place.

Playwright's own Chromium when it is installed, else a system Chromium, else a
clear error saying how to get one. A headless run of a system Chromium takes the
system's headless shell when there is one (Debian's ``chromium-headless-shell``), as
Playwright takes its own: the full browser in headless mode spends about twice the CPU
on every page load (its window, tab strip and UI renderer run unseen).
``AP_HEADED=1`` shows the window and ``AP_SLOWMO=250`` slows every action by 250 ms,
so people can watch a bot work.

    python -m tasks.browser --install   # set-up: get a Chromium or say how to
"""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright.sync_api import Error as PlaywrightError

SYSTEM_CHROMIUMS = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SYSTEM_HEADLESS_SHELLS = ("chromium-headless-shell", "chrome-headless-shell")
# Quiet, sandbox-free flags for a system Chromium in containers and CI runners.
SYSTEM_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
HOW_TO_GET_ONE = (
    "No Chromium found. Install Playwright's own with `python -m playwright install chromium`, "
    "or the system package (Debian/Ubuntu: `apt-get install chromium`; Fedora: "
    "`dnf install chromium`), or put google-chrome on PATH."
)


class BrowserNotFound(RuntimeError):
    """Neither Playwright's Chromium nor a system Chromium is installed."""


def _playwright_chromium(playwright: Playwright) -> str | None:
    path = playwright.chromium.executable_path
    return path if path and Path(path).exists() else None


def system_chromium() -> str | None:
    """The first system Chromium found: an absolute path, or a name on PATH."""
    return _first_executable(SYSTEM_CHROMIUMS)


def system_headless_shell() -> str | None:
    """The system's Chromium headless shell (headless runs only), or None."""
    return _first_executable(SYSTEM_HEADLESS_SHELLS)


def _first_executable(candidates: tuple[str, ...]) -> str | None:
    for candidate in candidates:
        if os.path.isabs(candidate):
            if os.access(candidate, os.X_OK):
                return candidate
        elif found := shutil.which(candidate):
            return found
    return None


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


_shared: Playwright | None = None
_open_browsers = 0


def _acquire_playwright() -> Playwright:
    """The process's Playwright driver, started on first use.

    The sync API allows one driver per thread, so every browser launched here shares
    it; it stops when the last of them closes, leaving the thread free for code that
    starts its own ``sync_playwright()``.
    """
    global _shared, _open_browsers
    if _shared is None:
        _shared = sync_playwright().start()
    _open_browsers += 1
    return _shared


def _release_playwright() -> None:
    global _shared, _open_browsers
    _open_browsers = max(0, _open_browsers - 1)
    if _open_browsers == 0 and _shared is not None:
        _shared.stop()
        _shared = None


@atexit.register
def _stop_at_exit() -> None:
    """Browsers left open at exit: stop their driver too."""
    global _shared, _open_browsers
    if _shared is not None:
        _shared.stop()
        _shared = None
    _open_browsers = 0


def launch_browser(
    headless: bool | None = None,
    slow_mo: int | None = None,
    *,
    playwright: Playwright | None = None,
) -> Browser:
    """A launched Chromium. ``headless``/``slow_mo`` default to AP_HEADED / AP_SLOWMO.

    Close it with ``browser.close()``. Without ``playwright`` the browser runs on a
    driver shared by the browsers launched here, stopped when the last one closes.
    """
    if headless is None:
        headless = not _env_flag("AP_HEADED")
    if slow_mo is None:
        slow_mo = int(os.environ.get("AP_SLOWMO", "0") or 0)
    if playwright is not None:
        return _launch(playwright, headless, slow_mo)
    pw = _acquire_playwright()
    try:
        browser = _launch(pw, headless, slow_mo)
    except BaseException:
        _release_playwright()
        raise
    close = browser.close
    closed = False

    def close_and_release(*args: object, **kwargs: object) -> None:
        nonlocal closed
        try:
            close(*args, **kwargs)
        finally:
            if not closed:
                closed = True
                _release_playwright()

    browser.close = close_and_release  # type: ignore[method-assign]
    return browser


def _launch(pw: Playwright, headless: bool, slow_mo: int) -> Browser:
    if _playwright_chromium(pw):
        try:
            return pw.chromium.launch(headless=headless, slow_mo=slow_mo)
        except PlaywrightError as exc:
            # A partial install (e.g. the headless shell missing): try the system's instead.
            if "Executable doesn't exist" not in str(exc):
                raise
    if path := (headless and system_headless_shell()) or system_chromium():
        return pw.chromium.launch(
            executable_path=path, headless=headless, slow_mo=slow_mo, args=list(SYSTEM_FLAGS)
        )
    raise BrowserNotFound(HOW_TO_GET_ONE)


# The OS packages that give a Chromium, per package manager (Debian/Ubuntu, Fedora/RHEL);
# on Debian its headless shell too (see the module's docstring).
SYSTEM_PACKAGES = {"apt-get": ("chromium", "chromium-headless-shell"), "dnf": ("chromium",)}


def _run_quietly(command: list[str], timeout: float) -> bool:
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


def _package_manager() -> str | None:
    return next((name for name in SYSTEM_PACKAGES if shutil.which(name)), None)


def _privilege_prefix() -> list[str] | None:
    """``[]`` as root, ``["sudo", "-n"]`` with password-less sudo, else None."""
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        return []
    if shutil.which("sudo") and _run_quietly(["sudo", "-n", "true"], timeout=10):
        return ["sudo", "-n"]
    return None


def install_command(manager: str, prefix: list[str] | None = None) -> list[str]:
    """The command that installs the system Chromium with ``manager``."""
    prefix = ["sudo"] if prefix is None else prefix
    return [*prefix, manager, "install", "-y", *SYSTEM_PACKAGES[manager]]


def _install_system_chromium() -> str | None:
    """Install the OS's Chromium when we may (root or password-less sudo); its path or None."""
    manager = _package_manager()
    prefix = _privilege_prefix()
    if manager is None or prefix is None:
        return None
    print(f"Installing the system Chromium with {manager} (a few minutes)...", flush=True)
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"] if manager == "apt-get" else []
    if manager == "apt-get":
        _run_quietly([*prefix, *env_prefix, "apt-get", "update", "-q"], timeout=900)
    _run_quietly([*prefix, *env_prefix, *install_command(manager, [])], timeout=1800)
    return system_chromium()


def _how_to_get_one() -> str:
    """HOW_TO_GET_ONE, led by the one command that fits this machine when we know it."""
    manager = _package_manager()
    if manager is None:
        return HOW_TO_GET_ONE
    return f"No Chromium found. Run: {' '.join(install_command(manager))}\n{HOW_TO_GET_ONE}"


def install() -> int:
    """Get a usable Chromium; 0 when there is one.

    Playwright's download first; where that fails (no access to its download host),
    a system Chromium, with the OS packages (the browser, its headless shell) installed
    as root or with password-less sudo when one is missing; else the one command to
    run is printed.
    """
    if _run_quietly([sys.executable, "-m", "playwright", "install", "chromium"], timeout=900):
        print("Playwright's Chromium is installed.")
        return 0
    found = system_chromium()
    if found is None or system_headless_shell() is None:
        _install_system_chromium()  # or its headless shell; only as root or with sudo
    if path := system_chromium():
        how = "using" if found else "installed"
        shell = system_headless_shell()
        headless = f" (headless runs: {shell})" if shell else ""
        print(f"Playwright could not download its Chromium; {how} the system Chromium at "
              f"{path}{headless}.")
        return 0
    print(_how_to_get_one(), file=sys.stderr)
    return 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Find or install the Chromium the bots use.")
    parser.add_argument("--install", action="store_true", help="install or locate a Chromium")
    args = parser.parse_args(argv)
    if args.install:
        return install()
    try:
        browser = launch_browser()
    except BrowserNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"Chromium {browser.version} starts fine.")
    browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
