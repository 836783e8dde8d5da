"""The Dagster UI as the data team uses it: `milo-pipeline ui` (the guarded webserver and the daemon) for a temporary
MILO_HOME on a free port, the pages opened in headless Chromium (Debian's /usr/bin/chromium driven by Playwright),
one month launched from the UI's own page through its GraphQL API (`launchRun`, the call the Launchpad makes) on
the held-out export.

Then what no other page may do: a cross-origin `text/plain` POST of the same mutation, the mutation in the URL of
a GET, a foreign Host header, a real page on another port of the machine whose form and scripts fire at the UI,
and a run config pointing the outputs outside the installation. Each attack carries its own tag, and the runs
with that tag are counted (the month's run, launched the legitimate way with a tag, shows the count sees runs).

The instance is the one `milo-pipeline ui` prepares in MILO_HOME/dagster: the daemon dequeues the runs, one at a
time. One server and one run (~35 s) are shared by the module."""

import json
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from dagster_server import LAUNCH_RUN, REPOSITORY, MiloUi, launch_params, page_server

from milo_pipeline.definitions import defs
from milo_pipeline.lib.garde import operation_types
from milo_pipeline.lib.periods import parse_period
from milo_pipeline.lib.report import nom_fichier

pytestmark = [pytest.mark.slow, pytest.mark.browser]

FIXTURE = Path(__file__).parent / "fixtures" / "exports_2024"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
MONTH = "2024-06-01"
PDF = nom_fichier(parse_period("2024-06"))
VIEWPORT = {"width": 2560, "height": 1600}
KEY = "cle-de-test-de-l-interface-32-octets-au-moins"
GUARD_STATUSES = {400, 401, 403, 405, 415}

AUTOMATIONS_AND_CHECKS = """query($repo: RepositorySelector!) {
  schedulesOrError(repositorySelector: $repo) {
    ... on Schedules { results { name cronSchedule executionTimezone pipelineName scheduleState { status } } } }
  sensorsOrError(repositorySelector: $repo) {
    ... on Sensors { results { name targets { pipelineName } sensorState { status } } } }
  assetNodeOrError(assetKey: {path: ["indicateurs"]}) { ... on AssetNode { assetChecksOrError {
    ... on AssetChecks { checks { name description blocking
      executionForLatestMaterialization { status evaluation { success description } } } } } } }
}"""
LATEST_METADATA = """query($key: AssetKeyInput!) { assetOrError(assetKey: $key) { ... on Asset {
  assetMaterializations(limit: 1) { partition runId metadataEntries { __typename label
    ... on MarkdownMetadataEntry { mdStr } ... on PathMetadataEntry { path }
    ... on IntMetadataEntry { intValue } } } } } }"""
# what the page's own scripts send: a fetch from the UI's origin (Origin and Sec-Fetch-Site set by Chromium)
FETCH_GRAPHQL = """async ([query, variables]) => {
  const response = await fetch('/graphql', {method: 'POST', headers: {'Content-Type': 'application/json'},
                                            body: JSON.stringify({query, variables})});
  return [response.status, await response.json()];
}"""


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(FIXTURE, root / "exports")
    return root


def run_config(root: Path, out: Path | None = None) -> dict:
    return {"resources": {"milo": {"config": {
        "milo_home": str(root / "home"), "exports_dir": str(root / "exports"), "out_dir": str(out or root / "out")}}}}


@pytest.fixture(scope="module")
def server(root):
    # the exports and the outputs live outside MILO_HOME: the environment names them (run config alone cannot)
    server = MiloUi(root / "home", log=root / "ui.log", env={
        "MILO_EXPORTS": str(root / "exports"), "MILO_OUT": str(root / "out"), "MILO_PSEUDONYMISATION_KEY": KEY})
    try:
        server.wait_loaded()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium absent : lancer `bash .ci/setup` (paquet Debian chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def traffic():
    """What the UI's pages sent: GraphQL requests (method, Content-Type), refused responses, websockets."""
    return {"graphql": [], "refused": [], "websockets": [], "frames": []}


@pytest.fixture(scope="module")
def page(server, browser, traffic):
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script("localStorage.setItem('communityNux', '1')")
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.on("request", lambda r: traffic["graphql"].append((r.method, r.headers.get("content-type")))
            if urllib.parse.urlsplit(r.url).path == "/graphql" else None)
    page.on("response", lambda r: traffic["refused"].append((r.status, r.url)) if r.status in GUARD_STATUSES else None)
    def websocket(ws):
        traffic["websockets"].append(ws.url)
        ws.on("framesent", lambda payload: traffic["frames"].append(payload))

    page.on("websocket", websocket)
    page.goto(server.url)
    yield page
    context.close()


@pytest.fixture(scope="module")
def month_run(server, page, root):
    """The month launched from the UI's own page: a same-origin JSON POST, as the Launchpad sends it."""
    params = launch_params("tout", MONTH, run_config(root), tags={"origine": "interface"})
    status, payload = page.evaluate(FETCH_GRAPHQL, [LAUNCH_RUN, {"params": params}])
    result = payload["data"]["launchRun"]
    assert (status, result["__typename"]) == (200, "LaunchRunSuccess"), payload
    run_id = result["run"]["runId"]
    return run_id, server.wait_run(run_id)


def test_a_month_launched_from_the_uis_own_page_succeeds_and_publishes(server, month_run, root):
    run_id, status = month_run
    assert status == "SUCCESS", f"run {run_id}: {status} (voir {root / 'ui.log'})"
    assert (root / "out" / PDF).stat().st_size > 0
    assert (root / "out" / "indicateurs.csv").read_text(encoding="utf-8").startswith("periode_debut,")
    assert [r["runId"] for r in server.runs_tagged("origine", "interface")] == [run_id]
    assert (root / "home" / "dagster" / "dagster.yaml").exists()  # DAGSTER_HOME = MILO_HOME/dagster


# ---- what no other page may do -------------------------------------------------------------------------------
def mutation(root: Path, attack: str) -> tuple[str, str]:
    """The month's launchRun with the attack's tag: (document, variables as JSON)."""
    return LAUNCH_RUN, json.dumps({"params": launch_params("tout", MONTH, run_config(root), tags={"attaque": attack})})


def url_of(query: str, variables: str) -> str:
    return "/graphql?" + urllib.parse.urlencode({"query": query, "variables": variables})


def test_a_cross_origin_text_plain_post_of_a_mutation_is_refused_and_launches_nothing(server, root):
    query, variables = mutation(root, "text-plain")
    for path, body in [(url_of(query, variables), b"x"),
                       ("/graphql", json.dumps({"query": query, "variables": json.loads(variables)}).encode())]:
        status, text = server.request("POST", path, body, {
            "Content-Type": "text/plain", "Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-site"})
        assert status == 403, text
        # the same body without Origin (not a browser) still is not JSON for the guard
        status, text = server.request("POST", path, body, {"Content-Type": "text/plain;charset=application/json"})
        assert status == 415, text
    assert server.runs_tagged("attaque", "text-plain") == []


def test_a_mutation_in_the_url_of_a_get_is_refused_and_launches_nothing(server, root):
    for method in ("GET", "HEAD"):
        status, text = server.request(method, url_of(*mutation(root, "get")))
        assert status == 405, text
    assert server.runs_tagged("attaque", "get") == []


def test_a_foreign_host_is_refused(server, root):
    for path in ("/", "/graphql"):
        status, text = server.request("GET", path, headers={"Host": "evil.example"})
        assert status == 400 and text.startswith("Hôte refusé : l'interface ne répond qu'à ses propres noms"), text
    query, variables = mutation(root, "host")
    status, _ = server.request("POST", "/graphql", json.dumps({"query": query, "variables": json.loads(variables)})
                               .encode(), {"Host": f"evil.example:{server.port}", "Content-Type": "application/json"})
    assert status == 400
    assert server.runs_tagged("attaque", "host") == []


ATTACK_PAGE = """<!doctype html><html><body>
<form id="f" method="POST" enctype="text/plain" action="{post}">
  <input name='{{"query": {query_html}, "variables": {variables_html}, "x": "' value='"}}'>
</form>
<script>
  const image = new Promise(done => {{ const i = new Image(); i.onload = i.onerror = done; i.src = {get}; }});
  const post = fetch({graphql}, {{method: 'POST', mode: 'no-cors', headers: {{'Content-Type': 'text/plain'}},
                                 body: JSON.stringify({{query: {query}, variables: {variables}}})}}).catch(() => null);
  Promise.all([image, post]).then(() => document.getElementById('f').submit());
</script>
</body></html>"""


def test_a_real_page_on_another_origin_launches_nothing(server, browser, root, month_run):
    """The attack of the issue: a page of another origin (another port of the same machine), opened in Chromium,
    fires a GET in an image, a no-cors fetch and an auto-submitted text/plain form at the UI."""
    before = (root / "out" / "indicateurs.csv").stat().st_mtime_ns
    query, variables = mutation(root, "page")
    html = ATTACK_PAGE.format(
        get=json.dumps(server.url + url_of(query, variables)), graphql=json.dumps(f"{server.url}/graphql"),
        post=(server.url + url_of(query, variables)).replace("&", "&amp;"), query=json.dumps(query),
        variables=variables, query_html=json.dumps(query).replace("'", "&#39;"),
        variables_html=variables.replace("'", "&#39;"))
    responses = []
    with page_server(html) as url:
        context = browser.new_context()
        page = context.new_page()
        page.on("response", lambda r: responses.append((r.status, r.url.split("?")[0])))
        page.goto(url)
        page.wait_for_url(f"{server.url}/graphql**")  # the form took the page to the UI…
        assert "Requête d'une autre origine refusée" in page.content()  # …which refused it
        context.close()
    to_the_ui = [(status, address) for status, address in responses if address.startswith(server.url)]
    assert to_the_ui == [(403, f"{server.url}/graphql")] * 3, responses  # the image, the fetch, the form
    assert server.runs_tagged("attaque", "page") == []
    assert (root / "out" / "indicateurs.csv").stat().st_mtime_ns == before


def test_graphql_lists_the_monthly_schedule_the_sensor_and_the_checks(server):
    data = server.graphql(AUTOMATIONS_AND_CHECKS, {"repo": REPOSITORY})
    assert [(s["name"], s["cronSchedule"], s["executionTimezone"], s["pipelineName"], s["scheduleState"]["status"])
            for s in data["schedulesOrError"]["results"]] \
        == [("rafraichissement_mensuel", "0 6 5 * *", "Europe/Paris", "tout", "RUNNING")]
    assert [(s["name"], [t["pipelineName"] for t in s["targets"]], s["sensorState"]["status"])
            for s in data["sensorsOrError"]["results"]] == [("exports_deposes", ["tout"], "RUNNING"),
                                                              ("paquets_deposes", ["reseau"], "RUNNING")]
    checks = {c["name"]: c for c in data["assetNodeOrError"]["assetChecksOrError"]["checks"]}
    assert {"gx_indicateurs", "gx_repartitions"} <= set(checks)
    assert all(c["blocking"] for c in checks.values())
    assert checks["gx_repartitions"]["description"].startswith("Suite GX `repartitions` :")


def indicateurs_checks(server) -> dict[str, dict]:
    data = server.graphql(AUTOMATIONS_AND_CHECKS, {"repo": REPOSITORY})
    return {c["name"]: c for c in data["assetNodeOrError"]["assetChecksOrError"]["checks"]}


def metadata(server, key: list[str]) -> tuple[dict, dict]:
    asset = server.graphql(LATEST_METADATA, {"key": {"path": key}})["assetOrError"]
    (materialization,) = asset["assetMaterializations"]
    return materialization, {e["label"]: e for e in materialization["metadataEntries"]}


def test_the_ui_shows_row_counts_an_indicator_preview_output_paths_and_check_results(server, month_run, root):
    run_id, _ = month_run
    materialization, entries = metadata(server, ["imilo", "jeunes"])
    assert (materialization["partition"], materialization["runId"]) == (MONTH, run_id)
    assert entries["lignes"]["intValue"] == 8

    _, entries = metadata(server, ["indicateurs_fichier"])
    apercu = entries["apercu"]["mdStr"].splitlines()
    assert apercu[0] == "| Indicateur | juin 2024 | du 1er janvier au 30 juin 2024 |"
    assert "| Jeunes accompagnés | 1 | 3 |" in apercu

    _, entries = metadata(server, ["publication"])
    assert entries[PDF]["path"] == str(root / "out" / PDF)
    assert entries["indicateurs.csv"]["path"] == str(root / "out" / "indicateurs.csv")

    execution = indicateurs_checks(server)["gx_indicateurs"]["executionForLatestMaterialization"]
    assert execution["status"] == "SUCCEEDED"
    assert execution["evaluation"]["description"].startswith("indicateurs : ")


def group_names() -> dict[str, list[str]]:
    graph = defs.get_repository_def().asset_graph
    groups: dict[str, list[str]] = {}
    for key in graph.get_all_asset_keys():
        groups.setdefault(graph.get(key).group_name, []).append(key.path[-1])
    return groups


# the names shown in the graph's nodes; a long name is cut in its node and kept whole in its tooltip
NODE_NAMES = """() => Array.from(document.querySelectorAll('svg foreignObject')).flatMap(node => [
  ...(node.firstElementChild?.innerText ?? '').split('\\n').map(line => line.trim()),
  ...Array.from(node.querySelectorAll('[data-tooltip]')).map(e => e.getAttribute('data-tooltip'))])"""


def names_in_graph(page, expected: set[str]) -> set[str]:
    """The graph draws only the nodes inside the window: scroll it from top to bottom, reading the names."""
    page.locator("svg foreignObject").first.wait_for()
    page.mouse.move(VIEWPORT["width"] * 0.6, VIEWPORT["height"] * 0.6)
    seen = set(page.evaluate(NODE_NAMES))
    page.mouse.wheel(0, -400 * len(expected))
    for _ in range(2 * len(expected) + 4):
        page.wait_for_timeout(250)
        seen |= set(page.evaluate(NODE_NAMES))
        if expected <= seen:
            break
        page.mouse.wheel(0, 800)
    return seen


def test_the_asset_graph_shows_every_group_and_every_asset(server, page, root):
    groups = group_names()
    page.goto(f"{server.url}/asset-groups")
    for group in groups:
        page.locator("svg foreignObject").get_by_text(group, exact=True).first.wait_for()
    page.screenshot(path=root / "lignage.png")
    for group, names in groups.items():
        page.goto(f"{server.url}/locations/milo_pipeline/asset-groups/{group}")
        assert set(names) - names_in_graph(page, set(names)) == set(), group


def test_the_asset_page_shows_the_checks_with_their_explanation_and_result(server, page, root):
    # the quality gate's checks (the dbt tests beside them have no description, and long names cut in the list)
    checks = {c["name"]: c["description"] for c in indicateurs_checks(server).values() if c["description"]}
    page.goto(f"{server.url}/assets/indicateurs?view=checks")
    for check in checks:
        page.get_by_text(check, exact=True).first.wait_for()
    page.get_by_text("gx_indicateurs", exact=True).first.click()
    page.get_by_text(checks["gx_indicateurs"].replace("`", "")).first.wait_for()  # rendered as Markdown
    page.get_by_text(re.compile(r"^indicateurs : \d+ contrôle\(s\) réussi\(s\)$")).first.wait_for()
    assert page.get_by_text("Succeeded", exact=True).count() >= len(checks)
    page.screenshot(path=root / "controles.png")


def test_the_run_and_the_automations_pages(server, page, month_run):
    run_id, _ = month_run
    page.goto(f"{server.url}/runs/{run_id}")
    page.get_by_text("Success", exact=True).first.wait_for()
    page.goto(f"{server.url}/automation")
    page.get_by_text("rafraichissement_mensuel", exact=True).wait_for()
    page.get_by_text("exports_deposes", exact=True).wait_for()


def test_the_ui_itself_speaks_only_json_posts_and_the_guard_refused_none_of_its_requests(page, traffic):
    """Every page opened above (graph, asset, checks, run, automation): GraphQL as same-origin JSON POSTs only,
    nothing refused by the guard."""
    assert len(traffic["graphql"]) > 20
    assert {(method, media.split(";")[0]) for method, media in traffic["graphql"]} == {("POST", "application/json")}
    assert traffic["refused"] == []
    # its websockets (GraphQL subscriptions: run logs, …) send subscriptions only, which the guard lets through
    starts = [json.loads(frame) for frame in traffic["frames"]]
    starts = [frame for frame in starts if isinstance(frame, dict) and frame.get("type") in ("start", "subscribe")]
    assert traffic["websockets"] and starts, traffic
    assert {tuple(operation_types(frame["payload"]["query"])) for frame in starts} == {("subscription",)}


# last: the refused run leaves the checks of its plan failed, which the pages above must not see
def test_run_config_pointing_the_outputs_outside_the_installation_is_refused(server, root, month_run):
    elsewhere = root / "ailleurs"
    run_id = server.launch_run("tout", MONTH, run_config(root, out=elsewhere), tags={"attaque": "chemins"})
    assert server.wait_run(run_id) == "FAILURE"
    messages = server.run_messages(run_id)
    assert f"out_dir = {elsewhere} → {elsewhere} est hors de {root / 'home'} et de {root / 'exports'} et de " \
           f"{root / 'out'}" in messages, messages
    assert not elsewhere.exists()
    assert not (root / "home" / "runs" / run_id).exists()
