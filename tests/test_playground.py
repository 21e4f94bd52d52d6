"""The gradient playground: its settings, what it measures, its server, and its page
driven in a real browser."""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import minigrad as mg
from minigrad import render
from minigrad.playground import PRESETS, Settings, SettingsError, validate
from minigrad.playground.run import Run, gradient_class

# ------------------------------------------------------------ settings


def test_default_settings_are_valid():
    assert validate({}) == Settings()


def test_settings_accept_what_the_page_sends_as_text():
    s = validate({"layers": "3", "width": "8", "lr": " 0.5", "batch": "16", "seed": "7"})
    assert (s.layers, s.width, s.lr, s.batch, s.seed) == (3, 8, 0.5, 16, 7)


@pytest.mark.parametrize(
    "field, value, says",
    [
        ("layers", 0, "between 1 and 10, got 0"),
        ("layers", 11, "between 1 and 10, got 11"),
        ("layers", 2.5, "whole number, got 2.5"),
        ("layers", "two", "whole number, got 'two'"),
        ("layers", True, "whole number, got True"),
        ("width", 0, "between 1 and 256"),
        ("width", 257, "between 1 and 256"),
        ("lr", 0, "greater than 0 and at most 10, got 0"),
        ("lr", -0.1, "got -0.1"),
        ("lr", 10.5, "got 10.5"),
        ("lr", "nan", "got nan"),
        ("lr", "inf", "got inf"),
        ("lr", "fast", "must be a number, got 'fast'"),
        ("lr", None, "must be a number, got None"),
        ("batch", 0, "between 1 and 512"),
        ("batch", 513, "between 1 and 512"),
        ("seed", -1, "got -1"),
        ("seed", 2**32, "got 4294967296"),
        ("dataset", "mnist", "unknown data set 'mnist'; choose one of xor, moons"),
        ("activation", "no_such_activation", "choose one of"),
        ("init", "zeros", "unknown initialisation 'zeros'"),
        ("optimizer", "rmsprop", "unknown optimizer 'rmsprop'"),
        ("momentum", 0.9, "unknown setting 'momentum'"),
    ],
)
def test_a_bad_setting_is_named_in_the_error(field, value, says):
    with pytest.raises(SettingsError) as error:
        validate({field: value})
    assert error.value.field == field
    assert says in str(error.value)


def test_settings_must_be_an_object():
    with pytest.raises(SettingsError, match="must be an object"):
        validate(["moons"])


def test_every_preset_is_valid():
    for preset in PRESETS.values():
        assert validate(preset.settings.to_dict()) == preset.settings
        assert preset.caption


def test_a_users_activation_is_a_choice():
    mg.activations.register(
        "pg_softsign", lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / (1 + np.abs(x)) ** 2
    )
    try:
        assert validate({"activation": "pg_softsign"}).activation == "pg_softsign"
    finally:
        mg.activations.unregister("pg_softsign")


# ------------------------------------------------- what a run measures


def test_a_state_is_plain_json_with_one_entry_per_unit():
    run = Run(Settings(layers=3, width=5))
    run.step()
    state = run.state()
    json.dumps(state, allow_nan=False)
    assert state["step"] == 1
    assert [layer["units"] for layer in state["layers"]] == [5, 5, 5]
    for layer in state["layers"]:
        assert len(layer["states"]) == 5 and set(layer["states"]) <= set("dsf")
        assert len(layer["unit_grad_rel"]) == len(layer["unit_output"]) == 5
    boundary = state["boundary"]
    assert len(boundary["classes"]) == len(boundary["confidence"]) == boundary["size"] ** 2


@pytest.mark.parametrize("activation", mg.activations.names())
def test_every_registered_activation_trains_and_reports_its_units(activation):
    run = Run(Settings(activation=activation, layers=2, width=3, lr=0.05))
    for _ in range(3):
        run.step()
    state = run.state()
    json.dumps(run.description(), allow_nan=False)
    assert state["step"] == 3 and state["loss"] is not None
    assert [layer["activation"] for layer in state["layers"]] == [activation] * 2
    assert all(len(layer["states"]) == 3 for layer in state["layers"])


def test_unit_states_are_the_diagnostics_own():
    run = Run(Settings(activation="sigmoid", layers=2, width=6))
    first = run.model.layers[0]
    first.bias.data[0] = -1e3  # unit 0 of layer 1: sigmoid'(x) is 0 in float64
    first.bias.data[1] = 12.0  # unit 1: sigmoid' about 6e-6, far below a tenth of its peak
    state = run.state()
    dead = mg.diagnostics.unit_masks(run.model, run.X, which="dead")
    saturated = mg.diagnostics.unit_masks(run.model, run.X, which="saturated")
    for layer in state["layers"]:
        expected = np.where(dead[layer["name"]], "d", np.where(saturated[layer["name"]], "s", "f"))
        assert layer["states"] == "".join(expected)
    assert state["layers"][0]["states"][:2] == "ds"
    assert state["layers"][0]["dead"] == 1 and state["layers"][0]["saturated"] >= 1


def test_he_init_keeps_a_deep_relu_gradient_and_standard_init_loses_it():
    def first_layer_gradient(init):
        run = Run(Settings(activation="relu", layers=8, width=16, init=init, lr=0.05))
        return run.state()["layers"][0]["grad_rel"]

    # He init keeps each layer's gradient near the output's; the standard init's
    # U[-1/sqrt(n), 1/sqrt(n)] has a sixth of He's variance, and loses most at each layer.
    assert first_layer_gradient("he") > 0.01
    assert first_layer_gradient("standard") < 1e-3


def test_layer_gradients_are_classed_as_in_the_renderers_layer_view():
    output = np.full((4, 2), 0.5)  # RMS 0.5
    rms = 0.5

    def at(ratio):
        return np.full((4, 3), ratio * rms)

    assert gradient_class(at(1.0), rms) == "flowing"
    assert gradient_class(at(render.VANISHING_RATIO * 0.9), rms) == "vanishing"
    assert gradient_class(at(render.VANISHING_RATIO * 1.1), rms) == "flowing"
    assert gradient_class(at(render.EXPLODING_RATIO * 1.1), rms) == "exploding"
    assert gradient_class(np.zeros((4, 3)), rms) == "dead"
    assert gradient_class(np.array([[np.nan, 1.0]]), rms) == "exploding"
    assert gradient_class(output, 0.0) == "flowing"  # no reference: the absolute health


def test_a_deep_sigmoid_nets_gradient_is_classed_vanishing_from_the_input_up():
    state = Run(PRESETS["sigmoid"].settings).state()
    classes = [layer["grad_class"] for layer in state["layers"]]
    assert classes[0] == "vanishing" and classes[-1] == "flowing"
    # one boundary: once flowing (going up to the output), it stays flowing
    assert classes == sorted(classes, key=lambda c: c == "flowing")
    for layer in state["layers"]:
        below = layer["grad_rel"] < render.VANISHING_RATIO
        assert (layer["grad_class"] == "vanishing") == below


def test_training_lowers_the_loss_on_moons():
    run = Run(Settings(dataset="moons"))
    before = run.state()["loss"]
    for _ in range(300):
        run.step()
    after = run.state()
    assert after["loss"] < 0.5 * before and after["accuracy"] > 0.9


def test_relus_die_in_their_preset_and_leaky_relus_do_not():
    dying, alive = Run(PRESETS["dying"].settings), Run(PRESETS["alive"].settings)
    for _ in range(300):
        dying.step()
        alive.step()
    assert dying.state()["dead_share"] > 0.2
    assert alive.state()["dead_share"] == 0


def test_a_diverging_run_says_at_which_step():
    run = Run(Settings(activation="maxout", lr=10.0))
    for _ in range(200):
        run.step()
    assert re.fullmatch(r"the loss became (NaN|infinite) at step \d+", run.diverged)
    k = int(run.diverged.rsplit(" ", 1)[1])
    assert run.steps == k - 1  # the step that diverged was not taken
    state = run.state()
    json.dumps(state, allow_nan=False)  # NaN travels as null
    assert state["diverged"] == run.diverged


# -------------------------------------------------------------- server


@pytest.fixture(scope="module")
def playground():
    pytest.importorskip("starlette")
    pytest.importorskip("uvicorn")
    pytest.importorskip("websockets")
    pg = mg.playground.serve(open_browser=False)
    yield pg
    pg.stop()


def _port(pg) -> int:
    return int(pg.url.rstrip("/").rsplit(":", 1)[1])


def _get(pg, path="/", headers=None, address="127.0.0.1"):
    connection = http.client.HTTPConnection(address, _port(pg), timeout=5)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()
    finally:
        connection.close()


def _socket(pg, origin=None):
    from websockets.sync.client import connect

    origin = origin or pg.url.rstrip("/")
    return connect(pg.url.replace("http", "ws") + "ws", origin=origin, proxy=None)


def _receive(ws, kind):
    while True:
        message = json.loads(ws.recv(timeout=10))
        if message["type"] == kind:
            return message


def test_serve_listens_on_loopback_and_serves_the_page(playground):
    assert playground.url.startswith("http://127.0.0.1:")
    status, headers, body = _get(playground)
    assert status == 200 and 'id="network"' in body
    assert "default-src 'self'" in headers["content-security-policy"]


def test_a_foreign_origin_is_refused(playground):
    status, _, body = _get(playground, headers={"Origin": "http://evil.example"})
    assert status == 403 and "not accepted" in body


def test_a_foreign_host_is_refused(playground):
    # A DNS-rebinding page reaches 127.0.0.1 under its own name.
    status, _, _ = _get(playground, headers={"Host": f"evil.example:{_port(playground)}"})
    assert status == 403


def test_a_websocket_from_a_foreign_origin_is_refused(playground):
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as error:
        _socket(playground, origin="http://evil.example")
    assert error.value.response.status_code == 403


def test_the_server_is_not_reachable_on_another_address(playground):
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # picks the outgoing interface; sends nothing
        address = probe.getsockname()[0]
    except OSError:
        address = "0.0.0.0"
    finally:
        probe.close()
    if address.startswith("127.") or address == "0.0.0.0":
        pytest.skip("this machine has no non-loopback address to try")
    with pytest.raises(OSError):
        socket.create_connection((address, _port(playground)), timeout=2).close()


def test_a_page_session_trains_and_answers_a_bad_setting(playground):
    with _socket(playground) as ws:
        hello = _receive(ws, "hello")
        assert "relu" in hello["activations"] and set(hello["presets"]) == set(PRESETS)
        settings = {"dataset": "xor", "width": 4}
        ws.send(json.dumps({"type": "settings", "id": 7, "settings": settings}))
        run = _receive(ws, "run")
        assert run["id"] == 7  # the run says which request started it
        assert run["settings"]["dataset"] == "xor" and len(run["labels"]) == 200
        assert _receive(ws, "state")["step"] == 0
        ws.send(json.dumps({"type": "step"}))
        assert _receive(ws, "state")["step"] == 1
        ws.send(json.dumps({"type": "settings", "id": 8, "settings": {"lr": "0"}}))
        answer = _receive(ws, "invalid")
        assert answer["id"] == 8 and answer["field"] == "lr"
        assert "learning rate" in answer["message"]
        ws.send("not json")
        assert "not JSON" in _receive(ws, "invalid")["message"]
        ws.send(json.dumps({"type": "step"}))  # the run goes on as it was
        assert _receive(ws, "state")["step"] == 2


def _run_threads() -> int:
    return sum(t.name == "playground-run" for t in threading.enumerate())


def _wait_for_run_threads(n: int) -> int:
    """The number of running sessions once it is ``n`` (a closed page's thread
    ends a moment after its socket), or after 5 s whatever it is then."""
    deadline = time.monotonic() + 5
    while _run_threads() != n and time.monotonic() < deadline:
        time.sleep(0.02)
    return _run_threads()


def test_two_pages_train_apart_and_a_closed_page_stops_its_run(playground):
    assert _wait_for_run_threads(0) == 0  # the earlier tests' pages are closed
    with _socket(playground) as a, _socket(playground) as b:
        for ws, dataset in ((a, "circles"), (b, "spiral")):
            ws.send(json.dumps({"type": "settings", "settings": {"dataset": dataset}}))
            assert _receive(ws, "run")["settings"]["dataset"] == dataset
            assert _receive(ws, "state")["step"] == 0
        assert _run_threads() == 2
        for _ in range(3):
            a.send(json.dumps({"type": "step"}))
        while _receive(a, "state")["step"] < 3:
            pass
        b.send(json.dumps({"type": "step"}))
        state_b = _receive(b, "state")
        assert state_b["step"] == 1  # b's run did not take a's steps
        assert max(state_b["boundary"]["classes"]) <= 2
    assert _wait_for_run_threads(0) == 0


def test_import_minigrad_needs_no_web_framework():
    code = (
        "import sys, minigrad as mg; mg.playground.validate({}); "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'websockets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_serve_without_the_extra_says_how_to_install_it(monkeypatch):
    monkeypatch.delitem(sys.modules, "minigrad.playground.server", raising=False)
    for name in [n for n in sys.modules if n.split(".")[0] == "starlette"] + ["starlette"]:
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(ImportError, match=re.escape('pip install -e ".[playground]"')):
        mg.playground.serve(open_browser=False)


def test_the_command_line_serves_until_interrupted():
    pytest.importorskip("uvicorn")
    process = subprocess.Popen(
        [sys.executable, "-m", "minigrad.playground", "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
        assert url, line
        connection = http.client.HTTPConnection("127.0.0.1", int(url.group(1)), timeout=5)
        connection.request("GET", "/")
        assert connection.getresponse().status == 200
        connection.close()
    finally:
        process.send_signal(2)  # Ctrl-C
        assert process.wait(timeout=10) == 0


def test_another_address_only_after_a_warning(capfd):
    pytest.importorskip("uvicorn")
    pg = mg.playground.serve(open_browser=False, host="0.0.0.0")
    pg.stop()
    assert "warning" in capfd.readouterr().err


# ------------------------------------------------------------- browser


@pytest.fixture
def page(open_page, playground):
    page = open_page(playground.url, viewport={"width": 1280, "height": 900})
    page.wait_for_selector("#network .unit")
    return page


def _steps(page) -> int:
    return int(page.text_content("#steps"))


def _train(page, steps: int) -> None:
    page.click("#play")
    page.wait_for_function(f"() => Number(document.querySelector('#steps').textContent) >= {steps}")
    page.click("#pause")


def _choose_preset(page, key: str) -> None:
    page.select_option("#preset", key)
    settings = PRESETS[key].settings
    page.wait_for_function(
        "([a, n]) => document.querySelector('#activation').value === a"
        " && document.querySelectorAll('#network li.layer').length === n"
        " && document.querySelector('#steps').textContent === '0'",
        arg=[settings.activation, settings.layers],
    )


def test_play_trains_moons_and_the_loss_falls(page):
    assert page.input_value("#dataset") == "moons"
    page.wait_for_function("() => document.querySelector('#loss').textContent !== '-'")
    first = float(page.text_content("#loss"))
    _train(page, 200)
    assert _steps(page) >= 200
    assert float(page.text_content("#loss")) < 0.5 * first
    assert page.errors == []


def test_relus_die_in_their_preset_and_not_with_leaky_relu(page):
    _choose_preset(page, "dying")
    assert "dead" in page.text_content("#caption")
    _train(page, 400)
    assert page.locator("#network .unit.dead").count() > 0
    _choose_preset(page, "alive")
    _train(page, 400)
    assert page.locator("#network .unit").count() == 64
    assert page.locator("#network .unit.dead").count() == 0
    assert page.errors == []


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _same_colour(css: str, hex_colour: str) -> bool:
    """A computed CSS colour equals ``hex_colour`` up to rounding (JavaScript rounds
    halves up, Python to even)."""
    got = [int(v) for v in re.findall(r"\d+", css)]
    want = [int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)]
    return len(got) == 3 and all(abs(a - b) <= 1 for a, b in zip(got, want, strict=True))


CELL_LOOKS = """cells => cells.map(c => [
    c.className, getComputedStyle(c).backgroundColor,
    getComputedStyle(c, '::after').content])"""


def test_unit_cells_and_bars_have_the_renderers_colours_and_marks(page):
    _choose_preset(page, "dying")
    _train(page, 200)
    page.wait_for_selector("#network .unit.dead")
    cells = page.eval_on_selector_all("#network .strip .unit", CELL_LOOKS)
    layers = page.evaluate("() => page.state.layers")  # what the server sent
    shares = [s for layer in layers for s in layer["unit_passing"]]
    flowing = []
    for (classes, colour, mark), share in zip(cells, shares, strict=True):
        if "dead" in classes:  # grey and crossed, as in the renderer's strips
            assert colour == _rgb(render.DEAD_CELL) and mark == '"×"'
            continue
        assert mark == "none"
        if "saturated" in classes:
            assert colour == _rgb(render.SATURATED_CELL)
        else:  # the deeper the blue, the more of the data the unit passes gradient on
            assert classes == "unit flowing" and _same_colour(colour, render._blend(share))
            flowing.append(colour)
    assert len(set(flowing)) >= 3
    legend = page.eval_on_selector_all("#unit-legend .unit", CELL_LOOKS)
    assert [c[0] for c in legend] == ["unit dead", "unit saturated"] + ["unit flowing"] * 2
    assert legend[0][1:] == [_rgb(render.DEAD_CELL), '"×"']
    assert legend[1][1:] == [_rgb(render.SATURATED_CELL), "none"]
    assert _same_colour(legend[2][1], render._blend(1.0))
    assert _same_colour(legend[3][1], render._blend(0.2))
    # each layer's bar in its gradient class's colour, the class also in words
    bars = page.eval_on_selector_all(
        "#network li.layer",
        "rows => rows.map(r => [getComputedStyle(r.querySelector('.fill')).backgroundColor,"
        " r.querySelector('.value').textContent])",
    )
    for (colour, text), layer in zip(bars, layers, strict=True):
        assert colour == _rgb(render.COLOURS[layer["grad_class"]][0])
        assert text.endswith(layer["grad_class"])
    assert page.errors == []


def test_changing_the_activation_changes_the_network(page):
    mg.activations.register(
        "pg_softsign", lambda x: x / (1 + np.abs(x)), lambda x, y: 1 / (1 + np.abs(x)) ** 2
    )
    try:
        page.reload()  # a page opened after registering lists the user's activation
        page.wait_for_selector("#network .unit")
        names = page.eval_on_selector_all("#activation option", "os => os.map(o => o.value)")
        assert set(mg.activations.names()) == set(names)
        page.select_option("#activation", "pg_softsign")
        page.wait_for_function(
            "() => document.querySelector('#network li.layer b').textContent === 'pg_softsign'"
        )
        page.fill("#layers", "3")
        page.dispatch_event("#layers", "change")
        page.wait_for_function("() => document.querySelectorAll('#network li.layer').length === 3")
        page.click("#step")
        page.wait_for_function("() => document.querySelector('#steps').textContent === '1'")
    finally:
        mg.activations.unregister("pg_softsign")
    assert page.errors == []


def test_an_invalid_learning_rate_shows_a_message_and_the_server_goes_on(page, playground):
    page.fill("#lr", "0")
    page.dispatch_event("#lr", "change")
    page.wait_for_selector("#message:not([hidden])")
    assert "learning rate" in page.text_content("#message")
    assert "invalid" in page.get_attribute("#lr", "class")
    page.click("#step")
    page.wait_for_function("() => document.querySelector('#steps').textContent === '1'")
    assert _get(playground)[0] == 200


def test_a_diverging_run_is_reported_on_the_page(page, playground):
    page.select_option("#activation", "maxout")
    page.fill("#lr", "10")
    page.dispatch_event("#lr", "change")
    page.wait_for_function("() => document.querySelector('#lr').value === '10'")
    page.wait_for_function("() => document.querySelector('#steps').textContent === '0'")
    page.click("#play")
    page.wait_for_function(
        "() => document.querySelector('#message').textContent.includes('became')"
    )
    assert re.search(r"the loss became (NaN|infinite) at step \d+", page.text_content("#message"))
    assert _get(playground)[0] == 200
