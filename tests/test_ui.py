"""The Dagster UI as the data team uses it: dagster-webserver on 127.0.0.1 (free port, temporary DAGSTER_HOME),
one month launched through the GraphQL API (`launchRun`, the call the Launchpad makes) on the held-out
export, then the pages opened in headless Chromium (Debian's /usr/bin/chromium driven by Playwright).

The instance is the one `milo_pipeline.instance` writes, with the DefaultRunCoordinator so a run starts
without the daemon. One server and one run (~35 s) are shared by the module."""

import re
import shutil
from pathlib import Path

import pytest
from dagster_server import REPOSITORY, DagsterServer

from milo_pipeline.definitions import defs
from milo_pipeline.instance import prepare_dagster_home
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
DEFAULT_RUN_COORDINATOR = (
    "run_coordinator:\n  module: dagster._core.run_coordinator\n  class: DefaultRunCoordinator\n")

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


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui")
    shutil.copytree(FIXTURE, root / "exports")
    return root


@pytest.fixture(scope="module")
def server(root):
    home = prepare_dagster_home(root / "dagster")
    with open(home / "dagster.yaml", "a", encoding="utf-8") as config:
        config.write(DEFAULT_RUN_COORDINATOR)
    server = DagsterServer(["dagster-webserver"], home, log=root / "webserver.log", env={
        "MILO_HOME": str(root / "home"), "MILO_PSEUDONYMISATION_KEY": "cle-de-test"})
    try:
        server.wait_loaded()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def month_run(server, root):
    run_config = {"resources": {"milo": {"config": {
        "milo_home": str(root / "home"), "exports_dir": str(root / "exports"), "out_dir": str(root / "out")}}}}
    run_id = server.launch_run("tout", MONTH, run_config)
    return run_id, server.wait_run(run_id)


@pytest.fixture(scope="module")
def page(server, month_run):
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Chromium absent : lancer `bash .ci/setup` (paquet Debian chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script("localStorage.setItem('communityNux', '1')")
        context.set_default_timeout(20_000)
        yield context.new_page()
        browser.close()


def test_a_month_launched_through_graphql_succeeds_and_publishes(month_run, root):
    run_id, status = month_run
    assert status == "SUCCESS", f"run {run_id}: {status} (voir {root / 'webserver.log'})"
    assert (root / "out" / PDF).stat().st_size > 0
    assert (root / "out" / "indicateurs.csv").read_text(encoding="utf-8").startswith("periode_debut,")


def test_graphql_lists_the_monthly_schedule_the_sensor_and_the_checks(server):
    data = server.graphql(AUTOMATIONS_AND_CHECKS, {"repo": REPOSITORY})
    assert [(s["name"], s["cronSchedule"], s["executionTimezone"], s["pipelineName"], s["scheduleState"]["status"])
            for s in data["schedulesOrError"]["results"]] \
        == [("rafraichissement_mensuel", "0 6 5 * *", "Europe/Paris", "tout", "RUNNING")]
    assert [(s["name"], [t["pipelineName"] for t in s["targets"]], s["sensorState"]["status"])
            for s in data["sensorsOrError"]["results"]] == [("exports_deposes", ["tout"], "RUNNING")]
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
