"""End to end in a real browser: JupyterLab started here, headless Chromium driven by Playwright.

Notebooks 00, 01 and 08 are run from a temporary copy (JupyterLab autosaves; the stored outputs
must stay those of `make outputs`), each with Run All; none may show an error. In notebook 08 a
slider of the style explorer is dragged and the picture must change.

Runs with `make test-browser` (which installs Chromium and Playwright); `make test` skips it.
Chromium comes from the system's packages (Playwright cannot download its own browser everywhere):
`/usr/bin/chromium`, or the path in $CHROMIUM.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NOTEBOOKS = {"00": "00_overview_and_setup.ipynb", "01": "01_instance_norm_and_adain.ipynb",
             "08": "08_multimodal_translation.ipynb"}
RUN_ALL_TIMEOUT_S = 600  # one notebook's Run All, CI profile (notebook 08 takes about a minute)
SERVER_START_TIMEOUT_S = 300  # JupyterLab's server, importing its extensions on a busy machine
PAGE_TIMEOUT_MS = 180_000  # loading JupyterLab's page on a busy 2-core machine can take a minute or two

if os.environ.get("MUNIT_BROWSER_TEST") != "1":
    pytest.skip("the browser test runs with `make test-browser` (MUNIT_BROWSER_TEST=1)", allow_module_level=True)
playwright_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: make test-browser installs it")
pytest.importorskip("jupyterlab", reason="jupyterlab is not installed: make test-browser installs it")
if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"no Chromium at {CHROMIUM}: install it (apt-get install chromium) or set CHROMIUM", allow_module_level=True)

# JupyterLab settings for the test: no autosave, every cell in the page (no virtual scrolling), no news
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(url: str, method: str = "GET"):
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 with a token, serving a copy of the notebooks; yields its URL."""
    served = tmp_path_factory.mktemp("lab")
    (served / "notebooks").mkdir()
    for name in NOTEBOOKS.values():
        shutil.copy(ROOT / "notebooks" / name, served / "notebooks" / name)
    for folder in ("configs", "data"):  # read-only inputs of the notebooks
        (served / folder).symlink_to(ROOT / folder)
    settings = served / ".settings"
    for name, values in LAB_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")

    port, token = free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
               f"--LabApp.user_settings_dir={settings}", f"--LabApp.workspaces_dir={served / '.workspaces'}",
               "--LabApp.expose_app_in_browser=True"]
    if os.getuid() == 0:
        command.append("--allow-root")
    env = dict(os.environ, MUNIT_PROFILE="ci", JUPYTER_PLATFORM_DIRS="1")
    log = open(served / "server.log", "w")
    server = subprocess.Popen(command, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                api(f"{base}/api/status?token={token}")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start; its log:\n{(served / 'server.log').read_text()[-3000:]}")
                time.sleep(0.5)
        yield {"base": base, "token": token}
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def shut_down_kernels(lab) -> None:
    for session in api(f"{lab['base']}/api/sessions?token={lab['token']}"):
        api(f"{lab['base']}/api/sessions/{session['id']}?token={lab['token']}", method="DELETE")


def wait_for_idle_kernel(lab, timeout_s: float = 120) -> None:
    """Until the notebook's kernel has started and is idle (the server's REST API says so)."""
    deadline = time.monotonic() + timeout_s
    while True:
        kernels = api(f"{lab['base']}/api/kernels?token={lab['token']}")
        if kernels and all(k["execution_state"] == "idle" for k in kernels):
            return
        if time.monotonic() > deadline:
            pytest.fail(f"the kernel did not become idle within {timeout_s:.0f} s: {kernels}")
        time.sleep(0.5)


def lab_command(page, command: str) -> None:
    """Run one of JupyterLab's commands (what a menu item or shortcut runs) on the current notebook.
    The server is started with expose_app_in_browser, which makes the application `window.jupyterapp`."""
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.commands.hasCommand(%r)" % command)
    page.evaluate("command => window.jupyterapp.commands.execute(command)", command)


def run_all(browser, lab, key: str):
    """Open notebook `key` in JupyterLab, Run All, wait until every code cell has run; return the page.
    On a failure, a screenshot goes to $MUNIT_BROWSER_SCREENSHOTS (a folder) when that is set."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        return _run_all(page, lab, key)
    except BaseException:
        folder = os.environ.get("MUNIT_BROWSER_SCREENSHOTS")
        if folder:
            page.screenshot(path=str(Path(folder) / f"notebook_{key}.png"))
        page.close()
        raise


def _run_all(page, lab, key: str):
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(f"{lab['base']}/lab/tree/notebooks/{NOTEBOOKS[key]}?token={lab['token']}", wait_until="domcontentloaded")
    page.wait_for_selector(".jp-Notebook .jp-CodeCell")
    wait_for_idle_kernel(lab)
    # the stored outputs carry execution counts 1..N, as a fresh run does: clear them first, so
    # that a numbered prompt means "ran in this browser"
    lab_command(page, "notebook:clear-all-cell-outputs")
    page.wait_for_function("() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
                           ".every(p => !/\\d/.test(p.textContent))")
    lab_command(page, "notebook:run-all-cells")

    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt")
    deadline = time.monotonic() + RUN_ALL_TIMEOUT_S
    while True:
        texts = prompts.all_inner_texts()
        done = [t for t in texts if re.fullmatch(r"\[\d+\]:", t.strip())]
        running = any("*" in t for t in texts)
        if len(done) == len(texts) and not running:
            return page
        errors = error_outputs(page)
        if errors and not running:  # Run All stops at an error
            pytest.fail(f"notebook {key}: error output:\n{errors[0][:2000]}")
        if time.monotonic() > deadline:
            pytest.fail(f"notebook {key}: Run All not finished after {RUN_ALL_TIMEOUT_S} s "
                        f"({len(done)} of {len(texts)} code cells ran)")
        time.sleep(1)


def error_outputs(page) -> list[str]:
    """Texts of the outputs that are Python errors (a traceback), not mere warnings on stderr."""
    texts = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t for t in texts if "Traceback" in t or re.search(r"^\w+Error\b", t, re.M)]


@pytest.mark.parametrize("key", ["00", "01"])
def test_notebook_runs_without_error_in_jupyterlab(browser, lab, key):
    page = run_all(browser, lab, key)
    try:
        assert error_outputs(page) == []
    finally:
        page.close()
        shut_down_kernels(lab)


def test_notebook_08_explorer_is_live_in_jupyterlab(browser, lab):
    page = run_all(browser, lab, "08")
    try:
        assert error_outputs(page) == []
        # the first explorer on the page: its s[0] slider and its picture
        explorer = page.locator(".widget-vbox", has=page.locator(".widget-label", has_text="s[0]")).first
        explorer.scroll_into_view_if_needed()
        picture = explorer.locator("img").first
        picture.wait_for(state="visible")
        before = picture.screenshot()
        handle = explorer.locator(".widget-hslider", has=page.locator(".widget-label", has_text="s[0]")).locator(
            ".noUi-handle").first
        box = handle.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=5)
        page.mouse.up()
        deadline = time.monotonic() + 30
        while picture.screenshot() == before:
            if time.monotonic() > deadline:
                pytest.fail("dragging the s[0] slider did not change the explorer's picture within 30 s")
            time.sleep(0.5)
        assert error_outputs(page) == []
    finally:
        page.close()
        shut_down_kernels(lab)
