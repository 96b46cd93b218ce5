"""The offline bertviz views draw their attention lines in a real browser with the network off.

The page is opened in headless Chromium behind a dead proxy (127.0.0.1:9, loopback not exempt), so any request
for a CDN script fails; the test then counts the SVG <line> elements bertviz drew. As a control, bertviz's own
HTML, which loads its scripts from a CDN, must draw nothing in the same browser. Without Chromium these tests
skip; the non-browser checks of course_utils.attnviz always run.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
import torch

from course_utils import attnviz

BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
INSTALL_HINT = "install it with `apt-get install -y chromium` (Debian/Ubuntu, as root)"


def _browser() -> str | None:
    return next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)


@pytest.fixture(scope="module")
def browser() -> str:
    path = _browser()
    if path is None:
        pytest.skip(
            f"headless Chromium is not installed, so the offline bertviz views cannot be rendered; {INSTALL_HINT}"
        )
    return path


def render(browser: str, html: str, tmp_path: Path) -> str:
    """Open html in headless Chromium with networking effectively off; return the DOM after scripts ran."""
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    with tempfile.TemporaryDirectory() as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            f"--user-data-dir={profile}",
            "--proxy-server=127.0.0.1:9",  # nothing listens there: every request through the proxy fails
            "--proxy-bypass-list=<-loopback>",  # ... including requests to localhost
            "--virtual-time-budget=10000",  # let timers (require.js' next tick) run before the DOM is dumped
            "--dump-dom",
            page.as_uri(),
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"Chromium failed ({done.returncode}): {done.stderr[-2000:]}"
    return done.stdout


def lines_in(dom: str) -> int:
    """How many SVG <line> elements the page holds: bertviz draws one per attention arc."""
    return len(re.findall(r"<line\b", dom))


@pytest.fixture(scope="module")
def minilm_attention() -> tuple[tuple[torch.Tensor, ...], list[str]]:
    from transformers import AutoModel, AutoTokenizer

    from course_utils.minilm import verified_minilm_dir

    path = verified_minilm_dir()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path, attn_implementation="eager").eval()
    encoded = tokenizer("the cat sat on the mat", return_tensors="pt")
    with torch.no_grad():
        attentions = attnviz.check_attentions(model(**encoded, output_attentions=True), 6)
    return attentions, tokenizer.convert_ids_to_tokens(encoded["input_ids"][0])


# ------------------------------------------------------------------------------- in the browser


def test_head_view_draws_every_arc_offline(browser, minilm_attention, tmp_path):
    attentions, tokens = minilm_attention
    dom = render(browser, attnviz.standalone_page(attnviz.head_view_html(attentions, tokens)), tmp_path)
    n = len(tokens)
    assert lines_in(dom) == 12 * n * n  # one arc per head, query and key, for the selected layer
    assert all(f">{t}</text>" in dom for t in ("[CLS]", "cat", "mat"))


def test_model_view_draws_every_thumbnail_offline(browser, minilm_attention, tmp_path):
    attentions, tokens = minilm_attention
    dom = render(browser, attnviz.standalone_page(attnviz.model_view_html(attentions, tokens)), tmp_path)
    n = len(tokens)
    assert lines_in(dom) == 6 * 12 * n * n  # every layer × head thumbnail


def test_cross_attention_view_draws_offline(browser, tmp_path):
    cross = [torch.softmax(torch.randn(1, 4, 3, 5), dim=-1) for _ in range(2)]
    html = attnviz.cross_head_view_html(cross, ["you", "like", "this", "house", "."], ["tu", "aimes", "cette"])
    dom = render(browser, attnviz.standalone_page(html), tmp_path)
    assert lines_in(dom) == 4 * 3 * 5


def test_exported_notebook_html_draws_offline(browser, minilm_attention, tmp_path):
    """nbconvert's HTML export links require.js and MathJax from a CDN; the views must not need them."""
    import nbformat
    from nbconvert import HTMLExporter

    attentions, tokens = minilm_attention
    notebook = nbformat.v4.new_notebook()
    for view in (attnviz.head_view_html, attnviz.model_view_html):
        cell = nbformat.v4.new_code_cell(f"attnviz.{view.__name__}(attentions, tokens)")
        cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": view(attentions, tokens)})]
        notebook.cells.append(cell)
    body, _ = HTMLExporter().from_notebook_node(notebook)
    dom = render(browser, body, tmp_path)
    n = len(tokens)
    assert lines_in(dom) == 12 * n * n + 6 * 12 * n * n


def test_views_leave_the_page_globals_alone(browser, tmp_path):
    """No $, jQuery, d3, require or define leaks out, and a page's own values survive two views."""
    att = [torch.softmax(torch.randn(1, 2, 3, 3), dim=-1)]
    probe = """<pre id="probe"></pre><script>setTimeout(function () {
      document.getElementById('probe').textContent = JSON.stringify({
        dollar: String(window.$), d3: typeof window.d3, require: typeof window.require,
        define: typeof window.define, jquery: typeof window.jQuery});
    }, 500);</script>"""
    views = [attnviz.head_view_html(att, ["a", "b", "c"]) for _ in range(2)]  # two views, two ids
    body = "<script>window.$ = 'page-owned';</script>" + "".join(views) + probe
    dom = render(browser, attnviz.standalone_page(body), tmp_path)
    found = json.loads(re.search(r'<pre id="probe">(.*?)</pre>', dom, re.S).group(1))
    assert found == {"dollar": "page-owned", "d3": "undefined", "require": "undefined", "define": "undefined",
                     "jquery": "undefined"}  # fmt: skip
    assert lines_in(dom) == 2 * 2 * 3 * 3


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_views_draw_in_jupyterlab(browser, tmp_path):
    """A trusted notebook holding the views, opened in a local JupyterLab: its HTML renderer runs the scripts."""
    import os
    import sys
    import time
    import urllib.request

    import nbformat

    pytest.importorskip("jupyterlab")
    att = [torch.softmax(torch.randn(1, 2, 4, 4), dim=-1) for _ in range(2)]
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    for view in (attnviz.head_view_html, attnviz.model_view_html):
        cell = nbformat.v4.new_code_cell(f"attnviz.{view.__name__}(attentions, tokens)")
        data = {"text/html": view(att, list("abcd")), "text/plain": "<IPython.core.display.HTML object>"}
        cell.outputs = [nbformat.v4.new_output("display_data", data=data)]
        notebook.cells.append(cell)
    nbformat.write(notebook, tmp_path / "views.ipynb")
    env = dict(os.environ, **{f"JUPYTER_{d}_DIR": str(tmp_path / d.lower()) for d in ("CONFIG", "DATA", "RUNTIME")})
    jupyter = [sys.executable, "-m", "jupyter"]
    subprocess.run([*jupyter, "trust", str(tmp_path / "views.ipynb")], env=env, check=True, capture_output=True)
    port = _free_port()
    server = subprocess.Popen(
        [*jupyter, "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", "--ServerApp.token=",
         "--ServerApp.password=", f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}/lab/tree/views.ipynb"
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        with tempfile.TemporaryDirectory() as profile:
            done = subprocess.run(
                [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
                 "--proxy-server=127.0.0.1:9",  # loopback (the JupyterLab server) bypasses it, the internet does not
                 "--window-size=1400,2000", "--virtual-time-budget=60000", "--dump-dom", url],
                capture_output=True, text=True, timeout=180,
            )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert done.returncode == 0, done.stderr[-2000:]
    assert lines_in(done.stdout) == 2 * 4 * 4 + 2 * 2 * 4 * 4  # head view (2 heads) + model view (2 layers × 2 heads)


def test_control_bertviz_own_html_is_blank_without_network(browser, tmp_path):
    """The proxy really blocks the network: bertviz's CDN-based page draws nothing here."""
    from bertviz import head_view

    att = [torch.softmax(torch.randn(1, 2, 3, 3), dim=-1)]
    dom = render(browser, attnviz.standalone_page(head_view(att, ["a", "b", "c"], html_action="return").data), tmp_path)
    assert lines_in(dom) == 0


# --------------------------------------------------------------------------- without a browser


def test_offline_html_fetches_nothing():
    att = [torch.softmax(torch.randn(1, 2, 3, 3), dim=-1)]
    html = attnviz.head_view_html(att, ["a", "b", "c"])
    assert not re.search(r"<script[^>]*\bsrc=", html)  # everything is inline
    assert "cdnjs" not in html  # bertviz's CDN addresses for require.js, d3 and jQuery are gone
    assert html.lower().count("</script>") == 1  # the vendored code cannot close the script tag early
    for name in attnviz.VENDORED:
        assert attnviz.vendored_js(name)[:200].strip()[:20] in html


def test_vendored_files_match_their_recorded_sha256():
    for name in attnviz.VENDORED:
        assert attnviz.vendored_js(name)
    licences = {p.name for p in attnviz.VENDOR_DIR.glob("LICENSE-*")}
    assert licences == {"LICENSE-requirejs", "LICENSE-d3", "LICENSE-jquery"}


def test_unknown_vendored_file_is_refused():
    with pytest.raises(KeyError, match="not vendored"):
        attnviz.vendored_js("react.js")


def test_unexpected_bertviz_html_is_refused():
    with pytest.raises(RuntimeError, match="bertviz==1.4.1"):
        attnviz.offline_view("<div>not a bertviz view</div>")


def test_views_need_a_batch_of_one_with_real_weights():
    with pytest.raises(ValueError, match="output_attentions=True"):
        attnviz.head_view_html((), ["a"])
    with pytest.raises(ValueError, match="batch of one"):
        attnviz.head_view_html([torch.rand(2, 2, 3, 3)], ["a", "b", "c"])


def test_check_attentions_refuses_missing_weights():
    class Output:
        attentions = ()

    with pytest.raises(RuntimeError, match="attn_implementation='eager'"):
        attnviz.check_attentions(Output(), n_layers=6)
    Output.attentions = (torch.rand(1, 2, 3, 3),)  # not softmax rows
    with pytest.raises(RuntimeError, match="do not sum to 1"):
        attnviz.check_attentions(Output(), n_layers=1)


def test_plot_helpers_check_shapes():
    import matplotlib.pyplot as plt

    with pytest.raises(ValueError, match="len\\(query_tokens\\)"):
        attnviz.plot_attention(torch.rand(3, 4), ["a", "b", "c"], ["x", "y", "z"], title="t")
    with pytest.raises(ValueError, match="tokens"):
        attnviz.plot_heads(torch.rand(2, 3, 3), ["a", "b"], title="t")
    fig = attnviz.plot_heads(torch.softmax(torch.rand(1, 3, 4, 4), -1), list("abcd"), title="t", ncols=2)
    assert len([ax for ax in fig.axes if ax.get_title().startswith("head")]) == 3
    plt.close("all")


def test_explorer_shows_the_chosen_head_first_then_sliders_live(monkeypatch):
    import ipywidgets
    import matplotlib.pyplot as plt

    shown = []
    fake_view = lambda draw, defaults, sliders: shown.extend([draw(**defaults), sliders()])  # noqa: E731
    monkeypatch.setattr(attnviz, "live_view", fake_view)
    att = [torch.softmax(torch.rand(1, 2, 3, 3), -1) for _ in range(3)]
    attnviz.attention_explorer(att, ["a", "b", "c"], layer=2, head=1)
    figure, made = shown
    assert figure.axes[0].get_title() == "layer 2, head 1"
    assert (made["layer"].max, made["layer"].value, made["head"].max, made["head"].value) == (2, 2, 1, 1)
    assert isinstance(made["layer"], ipywidgets.IntSlider)
    with pytest.raises(ValueError, match="layer must be in 0..2"):
        attnviz.attention_explorer(att, ["a", "b", "c"], layer=3)
    plt.close("all")
