"""The HTML report: its numbers against independent cv_path runs, its escaping and
self-containment, its errors, and how it renders in a real browser (headless Chromium).

The browser checks drive Chromium through the DevTools protocol over a pipe
(``--remote-debugging-pipe``: stdlib only, no port, no websocket library) and collect every
console error, uncaught exception, error log entry ("Failed to load resource", ...), failed
request and request that leaves the file. ``test_checker_reports_*`` prove the checker
catches each kind on deliberately broken pages.

The screenshot of the real report is saved into tmp_path and, when PENALIZED_FIGURE_DIR is
set, into that directory too, so it can be looked at.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import time
from pathlib import Path as FilePath

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import penalized  # noqa: E402
from penalized.datasets import diabetes  # noqa: E402
from penalized.explain.report import report  # noqa: E402

N_FIGURES = 9  # coefficients, 3 paths, 3 CV curves, geometry, shrinkage
OPTIONS = dict(cv=5, rule="min", standardize=True, n_alphas=50)
MODELS = {"ridge": 0.0, "lasso": 1.0, "elasticnet": 0.5}


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data():
    return diabetes()


@pytest.fixture(scope="module")
def rendered(data, tmp_path_factory):
    """The diabetes report (written to a file), with the progress calls it made."""
    X, y, names = data
    out = tmp_path_factory.mktemp("report") / "report.html"
    calls = []
    start = time.perf_counter()
    text = report(X, y, feature_names=names, target_name="progression",
                  progress=lambda *args: calls.append(args), out=out)
    seconds = time.perf_counter() - start
    return text, out, calls, seconds


@pytest.fixture(scope="module")
def independent(data):
    """cv_path of each model with the report's arguments, run separately."""
    X, y, _ = data
    return {key: penalized.cv_path(X, y, ratio, **OPTIONS) for key, ratio in MODELS.items()}


def _cell_values(text: str, table_id: str) -> dict[str, list[tuple[str, str]]]:
    """Rows of a table: {row header: [(td attributes, td text), ...]}."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', text, re.DOTALL).group(0)
    rows = {}
    for head, cells in re.findall(r"<tr[^>]*><th>(.*?)</th>(.*?)</tr>", table, re.DOTALL):
        rows[head] = re.findall(r"<td([^>]*)>(.*?)</td>", cells, re.DOTALL)
    return rows


# --------------------------------------------------------------------------------------------
# numbers
# --------------------------------------------------------------------------------------------
def test_chosen_alphas_and_nonzero_counts_match_cv_path(rendered, independent):
    text = rendered[0]
    for key, cv in independent.items():
        shown = re.search(rf'id="alpha-{key}" data-value="([^"]+)"', text).group(1)
        assert float(shown) == cv.alpha  # the same grid point, exactly
        coef = cv.path.coef_at(cv.alpha)[0]
        count = re.search(rf'id="nonzero-{key}" data-value="(\d+)">(\d+) of 10<', text)
        assert int(count.group(1)) == int(count.group(2)) == np.count_nonzero(coef)
        i = int(np.argmin(np.abs(cv.alphas - cv.alpha)))
        score = re.search(rf'id="score-{key}">([^<]+)<', text).group(1)
        mean, se = (float(v) for v in score.split(" ± "))
        assert mean == pytest.approx(cv.mean[i], rel=1e-3)
        assert se == pytest.approx(cv.std_error[i], rel=1e-2)


def test_selection_frequencies_match_cv_path(rendered, independent, data):
    text, names = rendered[0], data[2]
    for key in ("lasso", "elasticnet"):
        table = re.search(rf'id="selection-{key}".*?</table>', text, re.DOTALL).group(0)
        found = dict(re.findall(r'data-feature="([^"]+)">.*?data-value="([^"]+)"', table))
        expected = independent[key].selection_frequency
        assert set(found) == set(names)
        assert [float(found[n]) for n in names] == list(expected)
        shown = [float(v) for v in re.findall(r'data-value="([^"]+)"', table)]
        assert shown == sorted(shown, reverse=True)  # sorted, most often selected first


def test_exact_zeros_of_the_lasso_are_marked(rendered, independent, data):
    text, names = rendered[0], data[2]
    coef = independent["lasso"].path.coef_at(independent["lasso"].alpha)[0]
    assert (coef == 0).any(), "the diabetes lasso at alpha_min should drop a feature"
    rows = _cell_values(text, "coefficients")
    for name, value in zip(names, coef, strict=True):
        attributes, shown = dict((re.search(r'data-model="(\w+)"', a).group(1), (a, t))
                                 for a, t in rows[name])["lasso"]
        if value == 0:
            assert shown == "0" and 'class="zero"' in attributes, name
        else:
            assert 'class="zero"' not in attributes and float(shown) == pytest.approx(
                value, rel=1e-3), name
    # ridge has no exact zero on this data, so no ridge cell is marked
    assert not any('class="zero"' in a for cells in rows.values() for a, _ in cells
                   if 'data-model="ridge"' in a)


def test_page_is_self_contained_with_one_svg_per_figure(rendered):
    text = rendered[0]
    assert len(re.findall(r"<svg[\s>]", text)) == N_FIGURES
    assert text.count("</svg>") == N_FIGURES
    assert not re.search(r"(?i)https?://|//[a-z0-9.-]+\.[a-z]{2,}/|@import|@font-face", text)
    # every src/href points inside the page
    targets = re.findall(r"""(?i)\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", text)
    assert targets and all(t.startswith("#") for t in targets), set(targets)
    assert all(t.startswith("#") for t in re.findall(r"url\(\s*['\"]?([^)'\"]*)", text))
    assert "<script" not in text.lower()
    # the ids of the inline figures do not collide
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert len(ids) == len(set(ids))


def test_out_writes_the_same_text(rendered):
    text, out = rendered[0], rendered[1]
    assert out.read_text(encoding="utf-8") == text


def test_header_and_data_summary(rendered, data):
    text, (_, y, names) = rendered[0], data
    assert f"penalized {penalized.__version__}" in text
    assert re.search(r'id="n-samples">442<', text) and re.search(r'id="n-features">10<', text)
    target = re.search(r"<caption>Target</caption>.*?</table>", text, re.DOTALL).group(0)
    assert [float(v) for v in re.findall(r"<td>([^<]+)</td>", target)] == pytest.approx(
        [y.mean(), y.std(), y.min(), y.max()], rel=1e-3)
    features = re.search(r'<table class="num features">.*?</table>', text, re.DOTALL)
    assert all(f"<tr><th>{n}</th>" in features.group(0) for n in names)


def test_progress_is_called_with_increasing_done_up_to_total(rendered):
    calls = rendered[2]
    done = [c[0] for c in calls]
    totals = {c[1] for c in calls}
    assert done == list(range(1, len(calls) + 1))
    assert totals == {len(calls)} and len(calls) >= 3 + N_FIGURES
    assert all(isinstance(c[2], str) and c[2] for c in calls)
    assert sum("cross-validation" in c[2] and "figure" not in c[2] for c in calls) == 3


def test_geometry_caption_states_the_computed_optimum(rendered):
    text = rendered[0]
    claim = re.search(r'id="l1-claim">The L1 optimum \(([^,]+), ([^)]+)\).*?coefficient of '
                      r"<?b?>?([^<]*?) is exactly 0", text)
    assert claim is not None
    assert "0" in (claim.group(1), claim.group(2))


def test_report_on_diabetes_is_fast(rendered):
    # a few seconds at the defaults (the first call also pays numba's cache loading)
    assert rendered[3] < 30


def test_figure_svg_is_inline_ready_with_unique_prefixed_ids(data):
    from penalized.explain import plots

    X, y, names = data
    fig, _ = plots.plot_coefficients(np.arange(3.0), np.array([0.0, 1.0, 0.0]),
                                     names=["a", "b"], colors=["tab:blue", "tab:red"])
    text = plots.figure_svg(fig, id_prefix="f7")
    assert text.startswith("<svg ") and text.endswith("</svg>")
    assert "<?xml" not in text and "<!DOCTYPE" not in text and "<!--" not in text
    assert "http" not in text and "xmlns" not in text
    assert re.match(r'<svg style="width:100%;height:auto;max-width:\d+px"', text)
    ids = re.findall(r'\bid="([^"]+)"', text)
    assert ids and all(i.startswith("f7-") for i in ids) and len(ids) == len(set(ids))
    refs = re.findall(r'(?:href="#|url\(#)([^")]+)', text)
    assert refs and set(refs) <= set(ids)
    assert plots.figure_svg(fig, id_prefix="f7") == text  # deterministic
    with pytest.raises(ValueError, match="colors must have one entry per series"):
        plots.plot_coefficients(np.arange(3.0), colors=["red", "blue"])


# --------------------------------------------------------------------------------------------
# other inputs
# --------------------------------------------------------------------------------------------
def test_user_strings_are_escaped(rng):
    X = rng.standard_normal((60, 3))
    y = X @ np.array([1.0, 0.0, -2.0]) + 0.3 * rng.standard_normal(60)
    evil = ["<b>&x", 'q"uote', "<script>alert(1)</script>"]
    text = report(X, y, feature_names=evil, title="<i>Title & co</i>", target_name="<t>",
                  cv=3, n_alphas=10)
    for raw in evil + ["<i>Title & co</i>", "<t>"]:
        assert raw not in text
    assert "&lt;b&gt;&amp;x" in text and "q&quot;uote" in text
    assert "&lt;i&gt;Title &amp; co&lt;/i&gt;" in text
    assert "<script" not in text


def test_dataframe_names_and_geometry_features(rng):
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame(rng.standard_normal((80, 4)), columns=["alpha", "beta", "gam", "delta"])
    y = 2 * X["beta"] - X["delta"] + 0.5 * rng.standard_normal(80)
    text = report(X, y, geometry_features=("gam", 0), cv=3, n_alphas=15)
    assert "<b>gam</b> and <b>alpha</b>" in text
    assert "<th>delta</th>" in text


def test_binomial_with_two_labels(data):
    X, y, names = data
    labels = np.where(y > np.median(y), "high", "low")
    text = report(X, labels, feature_names=names, family="binomial", cv=3, n_alphas=20)
    assert len(re.findall(r"<svg[\s>]", text)) == N_FIGURES
    assert "binomial deviance" in text and "0/1-coded" in text
    # sorted labels: "high" < "low", so "low" is the modelled class (coded 1)
    assert "probability of low" in text
    assert re.search(r"<th>high</th><td>0</td><td>221</td>", text)
    cv = penalized.cv_path(X, (labels == "low").astype(float), 1.0, family="binomial",
                           cv=3, rule="min", standardize=True, n_alphas=20)
    assert float(re.search(r'id="alpha-lasso" data-value="([^"]+)"', text).group(1)) == \
        cv.alpha


@pytest.mark.parametrize("change, message", [
    (dict(nan=True), "X contains NaN"),
    (dict(family="poisson"), "family must be one of"),
    (dict(short_y=True), "y has 59 values but X has 60 rows"),
    (dict(family="binomial"), "exactly two labels"),
    (dict(l1_ratio=1.0), "l1_ratio must be a number in the open interval"),
    (dict(rule="best"), "rule must be 'min' or '1se'"),
    (dict(cv=1.5), "cv must be an integer number of folds"),
    (dict(feature_names=["a"]), "feature_names must have one name per column"),
    (dict(geometry_features=(0, 0)), "two different features"),
    (dict(geometry_features=("a", "nope")), "neither a feature index nor"),
])
def test_bad_inputs_raise_value_error(rng, change, message):
    X = rng.standard_normal((60, 3))
    y = X[:, 0] + rng.standard_normal(60)
    if change.pop("nan", False):
        X[5, 1] = np.nan
    if change.pop("short_y", False):
        y = y[:-1]
    with pytest.raises(ValueError, match=re.escape(message)):
        report(X, y, **{"cv": 3, "n_alphas": 10, **change})


# --------------------------------------------------------------------------------------------
# the browser
# --------------------------------------------------------------------------------------------
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio",
         "--hide-scrollbars"]


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (as root), else skipped."""
    found = CHROMIUM if os.path.exists(CHROMIUM) else shutil.which("chromium")
    if found:
        return found
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip(f"{CHROMIUM} is missing and installing it needs root (apt-get).")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    install = ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]
    failure = None
    for commands in ([install], [["apt-get", "update"], install]):
        failure = None
        for command in commands:
            try:
                done = subprocess.run(command, capture_output=True, text=True, timeout=300,
                                      env=env)
            except (OSError, subprocess.TimeoutExpired) as error:
                failure = f"`{' '.join(command)}` failed: {error}"
                break
            if done.returncode != 0:
                tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
                failure = (f"`{' '.join(command)}` exited with {done.returncode}: "
                           f"{' | '.join(tail)}")
                break
        if failure is None and os.path.exists(CHROMIUM):
            return CHROMIUM
    pytest.skip(f"Chromium is not installed and could not be installed: {failure or 'apt'}"
                f" (no {CHROMIUM} afterwards).")


class DevTools:
    """Chromium driven through the DevTools protocol over --remote-debugging-pipe.

    Messages are JSON objects separated by NUL bytes: we write commands on the browser's
    fd 3 and read replies and events from its fd 4. Commands for the page carry the
    sessionId of a flat-mode attachment.
    """

    def __init__(self, binary: str, profile: FilePath, width: int, height: int):
        to_browser_r, self._to_browser = os.pipe()
        self._from_browser, from_browser_w = os.pipe()

        def wire_fds():  # in the child: the pipe ends become fds 3 and 4
            # first out of the way (a pipe end may itself be fd 3 or 4, and dup2 onto
            # itself would keep it close-on-exec), then into place, inheritable
            high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 10) for fd in (to_browser_r, from_browser_w)]
            for fd, target in zip(high, (3, 4), strict=True):
                os.dup2(fd, target)
                os.set_inheritable(target, True)

        profile.mkdir(parents=True, exist_ok=True)
        self.log = profile / "chromium-stderr.log"  # for the message if it dies early
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                [binary, *FLAGS, "--remote-debugging-pipe", f"--user-data-dir={profile}",
                 f"--window-size={width},{height}", "about:blank"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                preexec_fn=wire_fds, close_fds=False)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict] = []
        self.session = None

    def send(self, method: str, params: dict | None = None, *, session: bool = True,
             timeout: float = 30.0) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session and self.session is not None:
            message["sessionId"] = self.session
        try:
            os.write(self._to_browser, json.dumps(message).encode() + b"\0")
        except BrokenPipeError:
            raise RuntimeError(f"Chromium exited before {method}: "
                               f"{self.log.read_text(errors='replace')[-2000:]}") from None
        deadline = time.monotonic() + timeout
        while True:
            reply = self._receive(deadline)
            if reply is None:
                raise TimeoutError(f"no reply to {method} within {timeout} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30.0) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while True:
            event = self._receive(deadline)
            if event is None:
                raise TimeoutError(f"no {method} within {timeout} s")
            self.events.append(event)
            if event.get("method") == method:
                return event

    def drain(self, seconds: float) -> None:
        """Collect events for a while (late console messages, failing requests)."""
        deadline = time.monotonic() + seconds
        while (event := self._receive(deadline)) is not None:
            self.events.append(event)

    def _receive(self, deadline: float) -> dict | None:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._from_browser], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._from_browser, 1 << 20)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def close(self) -> None:
        try:
            self.send("Browser.close", session=False, timeout=5)
        except Exception:  # noqa: BLE001 - it may already be gone; we kill it below anyway
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._to_browser)
        os.close(self._from_browser)


def render(binary: str, page: FilePath, screenshot: FilePath, profile: FilePath,
           width: int = 1200, height: int = 900) -> list[str]:
    """Load page in headless Chromium, save a full-page PNG, return every problem seen.

    The page is laid out in a width x height window; the screenshot then grows the window
    to the whole document's height, so it shows the page from top to bottom.

    Problems: console.error/assert calls, uncaught exceptions, error-level log entries
    (e.g. "Failed to load resource"), failed requests, and any request for something other
    than the file itself or data:/about: URLs (the page must be self-contained).
    """
    browser = DevTools(binary, profile, width, height)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        browser.session = browser.send("Target.attachToTarget",
                                       {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable")
        browser.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
        browser.send("Page.navigate", {"url": page.resolve().as_uri()})
        browser.wait_for("Page.loadEventFired")
        browser.drain(1.0)
        # the whole page in one picture: the viewport as tall as the document
        measured = browser.send("Runtime.evaluate", {
            "expression": "document.documentElement.scrollHeight", "returnByValue": True})
        full = int(min(max(measured["result"]["value"], height), 20000))
        browser.send("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": full, "deviceScaleFactor": 1, "mobile": False})
        browser.drain(0.3)
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, timeout=60)
        import base64

        screenshot.write_bytes(base64.b64decode(shot["data"]))
    finally:
        browser.close()
    return problems(browser.events, page.resolve().as_uri())


def problems(events: list[dict], own_url: str) -> list[str]:
    found, urls = [], {}
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            text = " ".join(str(a.get("value", a.get("description", "")))
                            for a in params.get("args", []))
            found.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            found.append("uncaught exception: " + str(
                details.get("exception", {}).get("description", details.get("text"))))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            entry = params["entry"]
            found.append(f"log error ({entry.get('source')}): {entry.get('text')} "
                         f"{entry.get('url', '')}".strip())
        elif method == "Network.requestWillBeSent":
            url = params.get("request", {}).get("url", "")
            urls[params.get("requestId")] = url
            if url != own_url and not url.startswith(("data:", "about:", "blob:")):
                found.append(f"request leaves the page: {url}")
        elif method == "Network.loadingFailed":
            found.append(f"failed request: {urls.get(params.get('requestId'), '?')} "
                         f"({params.get('errorText')})")
    return found


def distinct_colours(png: FilePath) -> int:
    from PIL import Image

    with Image.open(png) as image:
        rgb = image.convert("RGB")
        return len(rgb.getcolors(maxcolors=1 << 24))


@pytest.mark.parametrize("body, expected", [
    ('<p>console</p><script>console.error("deliberate failure")</script>',
     "console.error: deliberate failure"),
    ('<p>throws</p><script>null.boom()</script>', "uncaught exception"),
    ('<p>image</p><img src="http://example.invalid/x.png" alt="x">',
     "http://example.invalid/x.png"),
    ('<link rel="stylesheet" href="missing.css"><p>sheet</p>', "missing.css"),
])
def test_checker_reports_broken_pages(chromium, tmp_path, body, expected):
    page = tmp_path / "broken.html"
    page.write_text(f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>{body}"
                    "</body></html>", encoding="utf-8")
    found = render(chromium, page, tmp_path / "broken.png", tmp_path / "profile",
                   height=300)
    assert any(expected in p for p in found), found


def test_checker_passes_a_clean_page(chromium, tmp_path):
    page = tmp_path / "clean.html"
    page.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>"
                    "<p>fine</p><script>console.log('only a log')</script></body></html>",
                    encoding="utf-8")
    assert render(chromium, page, tmp_path / "clean.png", tmp_path / "profile",
                  height=300) == []


def test_report_renders_in_chromium_without_errors(chromium, rendered, tmp_path):
    out = rendered[1]
    screenshot = tmp_path / "report.png"
    found = render(chromium, out, screenshot, tmp_path / "profile")
    directory = os.environ.get("PENALIZED_FIGURE_DIR")
    if directory:
        FilePath(directory).mkdir(parents=True, exist_ok=True)
        shutil.copy(screenshot, FilePath(directory) / "report_diabetes.png")
    assert found == []
    assert screenshot.stat().st_size > 50_000
    # a blank page has one or two colours; figures, tables and text have thousands
    assert distinct_colours(screenshot) > 500
    from PIL import Image

    with Image.open(screenshot) as image:
        assert image.width == 1200 and image.height > 4000
