"""`milo-pipeline ui` as a command: the optional password (MILO_HOME/ui.password) tried from outside and from
Chromium, the user's mistakes (French message, exit status 2, nothing started), and its processes: SIGTERM stops
the webserver and the daemon, and a killed command does not leave its daemon behind.

One guarded server with a password is shared by the module (no run is launched)."""

import base64
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
from dagster_server import BIN, ROOT, MiloUi, free_port

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "mot-de-passe-de-l-equipe-2026"
KEY = "cle-de-test-de-l-interface-32-octets-au-moins"


def basic(password: str, user: str = "milo") -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def write_password(home: Path, text: str = PASSWORD, mode: int = 0o600) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / "ui.password"
    path.write_text(text + "\n", encoding="utf-8")
    path.chmod(mode)
    return path


def processes_of_group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                pids.append(int(entry.name))
    return pids


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui_mdp")
    write_password(root / "home")
    server = MiloUi(root / "home", log=root / "ui.log", env={"MILO_PSEUDONYMISATION_KEY": KEY},
                    headers={"Authorization": basic(PASSWORD)})
    try:
        server.wait_loaded()
        yield server
    finally:
        server.stop()


def ask(server, method="GET", path="/", headers=None, body=b""):
    return server.request(method, path, body, headers)


def test_without_the_password_everything_is_refused_with_a_basic_challenge(server):
    for method, path, headers in [("GET", "/", {}), ("GET", "/runs", {}),
                                  ("POST", "/graphql", {"Content-Type": "application/json"}),
                                  ("GET", "/", {"Authorization": basic("faux-mot-de-passe-123")}),
                                  ("GET", "/", {"Authorization": basic(PASSWORD[:-1])}),
                                  ("GET", "/", {"Authorization": "Bearer " + PASSWORD})]:
        status, text = ask(server, method, path, headers, b'{"query": "{ __typename }"}' if method == "POST" else b"")
        assert (status, text.strip()) == (401, "Mot de passe requis."), (method, path, headers)


def test_with_the_password_the_ui_and_its_api_answer(server):
    status, text = ask(server, "POST", "/graphql", {"Content-Type": "application/json", **server.headers},
                       b'{"query": "{ __typename }"}')
    assert (status, json.loads(text)) == (200, {"data": {"__typename": "Query"}})
    assert ask(server, headers={"Authorization": basic(PASSWORD, user="n-importe-qui")})[0] == 200


def test_the_password_does_not_let_another_origin_in(server):
    status, _ = ask(server, "POST", "/graphql", {"Content-Type": "application/json", "Origin": "http://127.0.0.1:1",
                                                  **server.headers}, b'{"query": "{ __typename }"}')
    assert status == 403


def test_chromium_with_the_password_opens_the_ui_and_its_websockets(server):
    from playwright.sync_api import Error, sync_playwright

    statuses, frames = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context()
        with pytest.raises(Error, match="ERR_INVALID_AUTH_CREDENTIALS"):  # no password: the challenge, no page
            context.new_page().goto(f"{server.url}/automation")
        context.close()
        context = browser.new_context(http_credentials={"username": "milo", "password": PASSWORD})
        context.add_init_script("localStorage.setItem('communityNux', '1')")
        page = context.new_page()
        page.on("response", lambda r: statuses.append(r.status))
        page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(payload)))
        page.goto(f"{server.url}/automation")
        page.get_by_text("rafraichissement_mensuel", exact=True).wait_for(timeout=60_000)
        page.wait_for_timeout(2000)
        browser.close()
    assert statuses.count(200) > 10 and [s for s in statuses if s >= 400 and s != 401] == [], statuses
    # Chromium sends the password on the websocket's handshake too: the server acknowledged the connection
    assert any('"connection_ack"' in payload for payload in frames), frames


@pytest.mark.parametrize("case, expected", [
    ("mode", "est accessible à d'autres utilisateurs (mode -rw-r--r--) : chmod 600"),
    ("court", "mot de passe trop court (5 caractère(s), au moins 12)"),
    ("lien", "illisible ou lien symbolique"),
    ("0.0.0.0", "--host 0.0.0.0 écoute sur toutes les adresses : donner avec --allowed-host"),
    ("port", "impossible d'écouter sur 127.0.0.1:"),
    ("nom", "« https://milo.interne » : attendu un nom d'hôte ou une adresse, éventuellement suivi de :port"),
])
def test_a_users_mistake_is_a_french_message_and_status_2(tmp_path, case, expected):
    home = tmp_path / "home"
    args = ["--port", str(free_port())]
    if case == "mode":
        write_password(home, mode=0o644)
    elif case == "court":
        write_password(home, "abcde")
    elif case == "lien":
        home.mkdir()
        (home / "ui.password").symlink_to(write_password(tmp_path / "ailleurs"))
    elif case == "0.0.0.0":
        args = ["--host", "0.0.0.0"]
    elif case == "nom":
        args += ["--allowed-host", "https://milo.interne"]
    busy = socket.create_server(("127.0.0.1", 0))
    if case == "port":
        args = ["--port", str(busy.getsockname()[1])]
    env = {**os.environ, "MILO_HOME": str(home)}
    env.pop("DAGSTER_HOME", None)
    try:
        result = subprocess.run([str(BIN / "milo-pipeline"), "ui", *args], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=120)
    finally:
        busy.close()
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("Erreur : ") and expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert not (home / "dagster").exists() or case == "port"


def test_sigterm_stops_the_webserver_and_the_daemon(server):
    """Last test of the module's server: SIGTERM to the command only (not its group)."""
    pid = server.process.pid
    daemon = [c for c in children(pid) if "dagster-daemon" in command_line(c)]
    assert len(daemon) == 1
    os.kill(pid, signal.SIGTERM)
    assert server.process.wait(timeout=90) == 0
    deadline = time.monotonic() + 60
    while processes_of_group(pid) and time.monotonic() < deadline:
        time.sleep(1)
    assert processes_of_group(pid) == [], [command_line(p) for p in processes_of_group(pid)]


def test_a_killed_command_does_not_leave_its_daemon_behind(tmp_path):
    server = MiloUi(tmp_path / "home", log=tmp_path / "ui.log", env={"MILO_PSEUDONYMISATION_KEY": KEY})
    try:
        deadline = time.monotonic() + 120
        daemon = []
        while not daemon and time.monotonic() < deadline:
            daemon = [c for c in children(server.process.pid) if "dagster-daemon" in command_line(c)]
            time.sleep(0.5)
        assert daemon, (tmp_path / "ui.log").read_text()
        time.sleep(3)  # the daemon past its start
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=10)
        deadline = time.monotonic() + 30
        while Path(f"/proc/{daemon[0]}").exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not Path(f"/proc/{daemon[0]}").exists() or \
            Path(f"/proc/{daemon[0]}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    finally:
        if processes_of_group(server.process.pid):
            os.killpg(server.process.pid, signal.SIGKILL)
