"""End to end in a real browser: JupyterLab started here, headless Chromium driven by Playwright.

Notebooks 00, 01 and 08 are run from a temporary copy (JupyterLab autosaves; the stored outputs
must stay those of `make outputs`), each with Run All; every code cell must run in the browser and
none may show an error. In notebook 08 a slider of the style explorer is dragged and the picture
must change.

Runs with `make test-browser` (which installs Chromium and Playwright, and which `.ci/run` runs);
`make test` skips it. Chromium comes from the system's packages (Playwright cannot download its
own browser everywhere): `/usr/bin/chromium`, or the path in $CHROMIUM. With MUNIT_BROWSER_TEST=1
a missing Chromium, Playwright or JupyterLab fails the run and says what to install: never a
silent skip.

Each notebook gets its own browser context and its own JupyterLab workspace, and its kernel is
shut down (and seen gone through the server's REST API) before the next one opens. A shared
workspace was the cause of the old time-outs: JupyterLab stores the open tabs server-side, so the
page for notebook 01 also reopened notebook 00 (with its numbered prompts), and the wait for
"every prompt cleared" could never end. Progress is read from the notebook's model (execution
counts and states, outputs) and the kernel's state from the REST API, not by scraping the DOM
every second; the DOM is checked once at the end (numbered prompts, no error shown).
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NOTEBOOKS = {"00": "00_overview_and_setup.ipynb", "01": "01_instance_norm_and_adain.ipynb",
             "08": "08_multimodal_translation.ipynb"}
RUN_ALL_TIMEOUT_S = 600  # one notebook's Run All, CI profile (notebook 08: about a minute on a quiet machine)
SERVER_START_TIMEOUT_S = 300  # JupyterLab's server, importing its extensions on a busy machine
KERNEL_TIMEOUT_S = 180  # a kernel starting (imports torch) or shutting down on a busy machine
OPEN_TIMEOUT_S = 420  # JupyterLab's page loaded, the notebook open and its kernel idle: seconds on a quiet
# 2-core machine, four minutes seen when two jobs at a higher priority held both cores
PAGE_TIMEOUT_MS = 180_000  # any other single page action (a locator's wait, a screenshot)
SLIDER_TIMEOUT_S = 60  # the explorer's picture changing after a drag (a translation in the kernel)

if os.environ.get("MUNIT_BROWSER_TEST") != "1":
    pytest.skip("the browser test runs with `make test-browser` (MUNIT_BROWSER_TEST=1)", allow_module_level=True)
try:
    import playwright.sync_api as playwright_api
    import jupyterlab  # noqa: F401
except ImportError as error:
    pytest.fail(f"the browser test needs Playwright and JupyterLab in this environment ({error}): "
                "run it with `make test-browser`, which installs both", pytrace=False)
if not os.access(CHROMIUM, os.X_OK):
    pytest.fail(f"no Chromium at {CHROMIUM}: install it (apt-get update && apt-get install -y chromium; "
                "`make test-browser` does this when run as root) or set CHROMIUM=/path/to/chromium", pytrace=False)

# JupyterLab settings for the test: no autosave, every cell in the page (no virtual scrolling), no news
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false"},
}

# JavaScript run in the page. The server is started with expose_app_in_browser, which makes the
# application `window.jupyterapp`; a notebook is found among the main area's widgets by its path.
JS_PANELS = """() => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  return Array.from(app.shell.widgets('main')).filter(w => w.context && w.content && w.content.model)
    .map(w => w.context.path);
}"""
JS_FIND = """const panel = Array.from(window.jupyterapp.shell.widgets('main'))
  .find(w => w.context && w.context.path === path && w.content && w.content.model);"""
JS_READY = """path => {
  if (!window.jupyterapp || !window.jupyterapp.shell) return 'JupyterLab has not started in the page';
  %s
  if (!panel) return 'the notebook is not open';
  if (!panel.context.isReady) return 'the notebook is open but not loaded';
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel) return 'the notebook is loaded but has no kernel yet';
  if (kernel.connectionStatus !== 'connected') return 'its kernel is ' + kernel.connectionStatus;
  if (kernel.status !== 'idle') return 'its kernel is ' + kernel.status;
  return 'ready';
}""" % JS_FIND
JS_ACTIVATE = """path => { %s window.jupyterapp.shell.activateById(panel.id); return panel.id; }""" % JS_FIND
# Fire and forget: Run All's promise settles only when the last cell has run.
JS_COMMAND = """command => {
  window.__munitCommandError = null;
  window.jupyterapp.commands.execute(command).catch(e => { window.__munitCommandError = String(e); });
}"""
JS_CELLS = """path => {
  %s
  if (!panel) return null;
  const cells = [];
  const list = panel.content.model.cells;
  for (let i = 0; i < list.length; i++) {
    const cell = list.get(i);
    if (cell.type !== 'code') continue;
    const errors = [];
    for (let j = 0; j < cell.outputs.length; j++) {
      const output = cell.outputs.get(j);
      if (output.type === 'error') {
        const o = output.toJSON();
        errors.push(o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n'));
      } else if (output.type === 'stream') {
        const o = output.toJSON();
        const text = Array.isArray(o.text) ? o.text.join('') : String(o.text);
        if (o.name === 'stderr' && /Traceback|^\\w+Error\\b/m.test(text)) errors.push(text);
      }
    }
    cells.push({number: i + 1,  // the cell's place in the notebook, every cell counted
                count: cell.executionCount, state: cell.executionState || 'idle', errors,
                source: cell.sharedModel.getSource().split('\\n')[0].slice(0, 100)});
  }
  return {cells, commandError: window.__munitCommandError || null};
}""" % JS_FIND
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def api(lab, path: str, method: str = "GET"):
    url = f"{lab['base']}{path}?token={lab['token']}"
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=30) as response:
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
    log_path = served / "server.log"
    log = open(log_path, "w")
    server = subprocess.Popen(command, cwd=served, env=env, stdout=log, stderr=subprocess.STDOUT)
    lab = {"base": f"http://127.0.0.1:{port}", "token": token, "log": log_path}
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while True:
            try:
                api(lab, "/api/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start within {SERVER_START_TIMEOUT_S} s; its log:\n"
                                f"{log_path.read_text()[-3000:]}")
                time.sleep(0.5)
        yield lab
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
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
    """Delete every session, then wait until the server has no kernel left (deleting any straggler)."""
    for session in api(lab, "/api/sessions"):
        with contextlib.suppress(urllib.error.HTTPError):  # already gone
            api(lab, f"/api/sessions/{session['id']}", method="DELETE")
    deadline = time.monotonic() + KERNEL_TIMEOUT_S
    while kernels := api(lab, "/api/kernels"):
        if time.monotonic() > deadline:
            pytest.fail(f"kernels still running {KERNEL_TIMEOUT_S} s after their sessions were deleted: {kernels}")
        for kernel in kernels:
            with contextlib.suppress(urllib.error.HTTPError):
                api(lab, f"/api/kernels/{kernel['id']}", method="DELETE")
        time.sleep(1)


def kernel_state(lab, path: str) -> str:
    """The execution state the server reports for the kernel of the notebook at `path` ('missing' if none)."""
    for session in api(lab, "/api/sessions"):
        if session["path"] == path and session.get("kernel"):
            return session["kernel"]["execution_state"]
    return "missing"


class NotebookRun:
    """Notebook `key` opened in a fresh browser context and its own JupyterLab workspace."""

    def __init__(self, page, lab, key: str):
        self.page, self.lab, self.key = page, lab, key
        self.path = f"notebooks/{NOTEBOOKS[key]}"
        self.stage = "opening JupyterLab"

    def fail(self, message: str):
        pytest.fail(f"notebook {self.key} ({self.path}): {message}", pytrace=False)

    def cells(self) -> list[dict]:
        state = self.page.evaluate(JS_CELLS, self.path)
        if state is None:
            self.fail(f"{self.stage}: the notebook is no longer open in JupyterLab")
        if state["commandError"]:
            self.fail(f"{self.stage}: JupyterLab's command failed: {state['commandError']}")
        return state["cells"]

    def command(self, command: str) -> None:
        """Run one of JupyterLab's commands (what a menu item or shortcut runs) on this notebook."""
        self.page.wait_for_function("c => window.jupyterapp.commands.hasCommand(c)", arg=command, polling=500)
        self.page.evaluate(JS_ACTIVATE, self.path)
        self.page.evaluate(JS_COMMAND, command)

    def open(self) -> None:
        # A workspace of its own: the default one would reopen the notebooks of the earlier tests
        url = f"{self.lab['base']}/lab/workspaces/munit-test-{self.key}/tree/{self.path}?token={self.lab['token']}"
        started = time.monotonic()
        self.page.goto(url, wait_until="domcontentloaded", timeout=OPEN_TIMEOUT_S * 1000)
        self.stage = "waiting for the notebook and its kernel"
        while True:  # one deadline for the whole opening; the message says how far it got
            page_state = self.page.evaluate(JS_READY, self.path)
            server_state = kernel_state(self.lab, self.path)
            if page_state == "ready" and server_state == "idle":
                break
            if time.monotonic() - started > OPEN_TIMEOUT_S:
                self.fail(f"not ready {OPEN_TIMEOUT_S} s after the page was requested: in the page, {page_state}; "
                          f"the server says its kernel is {server_state}")
            time.sleep(0.5)
        panels = self.page.evaluate(JS_PANELS)
        if panels != [self.path]:
            self.fail(f"JupyterLab's main area should hold this notebook alone, it holds {panels}")

    def run_all(self) -> None:
        """Clear the stored outputs, Run All, and wait until every code cell has run in this browser."""
        # The stored outputs carry execution counts 1..N, as a fresh run does: clear them first, so
        # that a count means "ran in this browser".
        self.stage = "clearing the stored outputs"
        self.command("notebook:clear-all-cell-outputs")
        deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
        while any(c["count"] is not None or c["errors"] for c in self.cells()):
            if time.monotonic() > deadline:
                self.fail("clearing all outputs left execution counts or outputs behind")
            time.sleep(0.5)

        self.stage = "Run All"
        self.command("notebook:run-all-cells")
        started = time.monotonic()
        while True:
            cells = self.cells()
            for cell in cells:
                if cell["errors"]:
                    self.fail(f"cell {cell['number']} ({cell['source']!r}) shows an error:\n"
                              f"{ANSI.sub('', cell['errors'][0])[-3000:]}")
            state = kernel_state(self.lab, self.path)
            if state in ("dead", "missing"):
                self.fail(f"the kernel is {state} during Run All")
            pending = [c for c in cells if c["count"] is None or c["state"] == "running"]
            if not pending and state == "idle":
                return
            if time.monotonic() - started > RUN_ALL_TIMEOUT_S:
                running = next((c for c in cells if c["state"] == "running"), pending[0] if pending else None)
                where = (f"cell {running['number']} ({running['source']!r}) was "
                         f"{'running' if running['state'] == 'running' else 'waiting to run'}"
                         if running else f"every cell has run but the kernel is {state}")
                self.fail(f"Run All not finished after {RUN_ALL_TIMEOUT_S} s: "
                          f"{len(cells) - len(pending)} of {len(cells)} code cells ran; {where}")
            time.sleep(1)

    def panel(self):
        panel_id = self.page.evaluate(JS_ACTIVATE, self.path)
        return self.page.locator(f"[id='{panel_id}']")

    def check_page(self) -> None:
        """What the browser shows: every code cell's prompt numbered, and no error output."""
        panel = self.panel()
        prompts = [t.strip() for t in panel.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()]
        unnumbered = [n + 1 for n, t in enumerate(prompts) if not re.fullmatch(r"\[\d+\]:", t)]
        assert prompts and not unnumbered, (f"notebook {self.key}: code cells {unnumbered} (code cells only "
                                            f"counted) show no count: {prompts}")
        assert error_outputs(panel) == [], f"notebook {self.key}: the page shows an error"


def error_outputs(panel) -> list[str]:
    """Texts of the outputs shown that are Python errors (a traceback), not mere warnings on stderr."""
    texts = panel.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t for t in texts if "Traceback" in t or re.search(r"^\w+Error\b", t, re.M)]


@contextlib.contextmanager
def notebook_in_lab(browser, lab, key: str):
    """Notebook `key` open in a fresh browser context, its kernel started and idle. Afterwards the
    context is closed and every kernel shut down. On a failure a screenshot goes to
    $MUNIT_BROWSER_SCREENSHOTS (a folder) when that is set, and the server's log is printed."""
    shut_down_kernels(lab)  # nothing left from an earlier test
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    run = NotebookRun(context.new_page(), lab, key)
    started = time.monotonic()
    failure = None
    try:
        run.open()
        yield run
    except playwright_api.Error as error:  # a page action timed out, or the page went away
        run_failed(run)
        failure = f"notebook {key}: {run.stage}: {error}"
    except BaseException:
        run_failed(run)
        raise
    finally:
        print(f"notebook {key}: {time.monotonic() - started:.0f} s")
        context.close()
        shut_down_kernels(lab)
    if failure:  # outside the except block: the message alone, without Playwright's chained traceback
        pytest.fail(failure, pytrace=False)


def run_failed(run: NotebookRun) -> None:
    folder = os.environ.get("MUNIT_BROWSER_SCREENSHOTS")
    if folder:
        with contextlib.suppress(Exception):
            Path(folder).mkdir(parents=True, exist_ok=True)
            run.page.screenshot(path=str(Path(folder) / f"notebook_{run.key}.png"), timeout=60_000)
    print(f"JupyterLab's log (end):\n{run.lab['log'].read_text()[-3000:]}")


@pytest.mark.parametrize("key", ["00", "01"])
def test_notebook_runs_without_error_in_jupyterlab(browser, lab, key):
    with notebook_in_lab(browser, lab, key) as run:
        run.run_all()
        run.check_page()


def test_notebook_08_explorer_is_live_in_jupyterlab(browser, lab):
    with notebook_in_lab(browser, lab, "08") as run:
        run.run_all()
        run.check_page()
        run.stage = "dragging a slider of the style explorer"
        page, panel = run.page, run.panel()
        # the first explorer in the notebook: its s[0] slider and its picture
        explorer = panel.locator(".widget-vbox", has=page.locator(".widget-label", has_text="s[0]")).first
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
        deadline = time.monotonic() + SLIDER_TIMEOUT_S
        while picture.screenshot() == before:
            if time.monotonic() > deadline:
                run.fail(f"dragging the s[0] slider did not change the explorer's picture within {SLIDER_TIMEOUT_S} s")
            time.sleep(0.5)
        assert error_outputs(panel) == [], "notebook 08: an error is shown after the drag"
