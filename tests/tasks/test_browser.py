"""Choosing the browser: Playwright's own, else a system Chromium, else a clear message."""

from __future__ import annotations

import pytest

from tasks import browser as browser_module


def test_a_chromium_is_found_and_starts() -> None:
    try:
        launched = browser_module.launch_browser(headless=True)
    except browser_module.BrowserNotFound as exc:
        pytest.skip(str(exc))
    try:
        page = launched.new_page()
        page.set_content("<h1>ok</h1>")
        assert page.inner_text("h1") == "ok"
    finally:
        launched.close()


def test_no_chromium_anywhere_says_how_to_get_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(browser_module, "_playwright_chromium", lambda pw: None)
    monkeypatch.setattr(browser_module, "system_chromium", lambda: None)
    monkeypatch.setattr(browser_module, "system_headless_shell", lambda: None)
    with pytest.raises(browser_module.BrowserNotFound, match="playwright install chromium"):
        browser_module.launch_browser()


def test_install_falls_back_to_the_system_chromium(monkeypatch, capsys) -> None:
    class Failed:
        returncode = 1

    monkeypatch.setattr(browser_module.subprocess, "run", lambda *a, **k: Failed())
    monkeypatch.setattr(browser_module, "system_chromium", lambda: "/opt/chromium/chrome")
    assert browser_module.install() == 0
    assert "using the system Chromium" in capsys.readouterr().out
    monkeypatch.setattr(browser_module, "system_chromium", lambda: None)
    monkeypatch.setattr(browser_module, "_privilege_prefix", lambda: None)
    assert browser_module.install() == 1
    assert "apt-get install chromium" in capsys.readouterr().err


def test_install_uses_the_package_manager_when_allowed(monkeypatch, capsys) -> None:
    """No download, no Chromium yet, root on Debian: apt-get installs it."""
    commands: list[list[str]] = []
    installed: list[str] = []

    class Result:
        def __init__(self, code: int) -> None:
            self.returncode = code

    def run(command, **kwargs):
        commands.append(command)
        if "install" in command and "chromium" in command and "playwright" not in command:
            installed.append("/usr/bin/chromium")
            return Result(0)
        return Result(0 if command[-2:] == ["update", "-q"] else 1)

    monkeypatch.setattr(browser_module.subprocess, "run", run)
    monkeypatch.setattr(browser_module, "system_chromium",
                        lambda: installed[0] if installed else None)
    monkeypatch.setattr(browser_module, "_package_manager", lambda: "apt-get")
    monkeypatch.setattr(browser_module, "_privilege_prefix", lambda: [])
    assert browser_module.install() == 0
    apt = ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "install", "-y", "chromium",
           "chromium-headless-shell"]
    assert apt in commands
    assert "installed the system Chromium" in capsys.readouterr().out


def test_without_rights_the_one_command_to_run_is_printed(monkeypatch, capsys) -> None:
    class Failed:
        returncode = 1

    monkeypatch.setattr(browser_module.subprocess, "run", lambda *a, **k: Failed())
    monkeypatch.setattr(browser_module, "system_chromium", lambda: None)
    monkeypatch.setattr(browser_module, "_package_manager", lambda: "dnf")
    monkeypatch.setattr(browser_module, "_privilege_prefix", lambda: None)
    assert browser_module.install() == 1
    assert "Run: sudo dnf install -y chromium" in capsys.readouterr().err


def test_headed_and_slow_motion_come_from_the_environment(monkeypatch) -> None:
    seen = {}

    class FakeChromium:  # records the launch options instead of opening a window
        executable_path = __file__

        def launch(self, **options):
            seen.update(options)
            raise RuntimeError("stop here")

    class FakePlaywright:
        chromium = FakeChromium()

    monkeypatch.setenv("AP_HEADED", "1")
    monkeypatch.setenv("AP_SLOWMO", "250")
    with pytest.raises(RuntimeError, match="stop here"):
        browser_module.launch_browser(playwright=FakePlaywright())
    assert seen["headless"] is False and seen["slow_mo"] == 250


def test_a_partial_playwright_install_falls_back_to_the_system(monkeypatch) -> None:
    from playwright.sync_api import Error as PlaywrightError

    launches = []

    class FakeChromium:  # Playwright's own browser is listed but its headless shell is gone
        executable_path = __file__

        def launch(self, **options):
            launches.append(options.get("executable_path"))
            if "executable_path" not in options:
                raise PlaywrightError("BrowserType.launch: Executable doesn't exist at /x")
            return "system browser"

    class FakePlaywright:
        chromium = FakeChromium()

    monkeypatch.setattr(browser_module, "system_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(browser_module, "system_headless_shell", lambda: None)
    assert browser_module.launch_browser(playwright=FakePlaywright()) == "system browser"
    assert launches == [None, "/usr/bin/chromium"]


@pytest.mark.parametrize(("headed", "expected"), [
    ("0", "/usr/bin/chromium-headless-shell"), ("1", "/usr/bin/chromium")])
def test_a_headless_run_takes_the_system_headless_shell(monkeypatch, headed, expected) -> None:
    launched = []

    class FakeChromium:  # no Playwright browser: the system's is launched
        executable_path = "/nonexistent/playwright/chromium"

        def launch(self, **options):
            launched.append(options["executable_path"])
            return "browser"

    class FakePlaywright:
        chromium = FakeChromium()

    monkeypatch.setenv("AP_HEADED", headed)
    monkeypatch.setattr(browser_module, "system_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(browser_module, "system_headless_shell",
                        lambda: "/usr/bin/chromium-headless-shell")
    browser_module.launch_browser(playwright=FakePlaywright())
    monkeypatch.setattr(browser_module, "system_headless_shell", lambda: None)
    browser_module.launch_browser(playwright=FakePlaywright())  # no shell: the browser
    assert launched == [expected, "/usr/bin/chromium"]


@pytest.mark.slow
def test_the_driver_stops_with_the_last_browser_so_others_can_start_theirs() -> None:
    from playwright.sync_api import sync_playwright

    try:
        first = browser_module.launch_browser(headless=True)
    except browser_module.BrowserNotFound as exc:
        pytest.skip(str(exc))
    second = browser_module.launch_browser(headless=True)  # shares the running driver
    first.close()
    assert second.new_page().evaluate("1 + 1") == 2
    second.close()
    with sync_playwright() as playwright:  # fails while another sync driver runs
        assert playwright.chromium is not None
