"""A Dagster server for the UI tests: `dagster-webserver` (or `dagster dev`) on 127.0.0.1, a free port, a temporary
DAGSTER_HOME; or `milo-pipeline ui` (the guarded webserver and the daemon) for a temporary MILO_HOME. Its GraphQL
API, raw HTTP requests with any header (Host included); started in its own session and stopped by process group.
A page served on another port of the machine: the foreign origin of the guard's tests."""

from __future__ import annotations

import contextlib
import http.client
import http.server
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "milo_pipeline"
REPOSITORY = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
TERMINAL = {"SUCCESS", "FAILURE", "CANCELED"}

LAUNCH_RUN = """
mutation($params: ExecutionParams!) {
  launchRun(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message stack }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}"""
LAUNCH_BACKFILL = """
mutation($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
  }
}"""
RUN_STATUS = "query($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status } } }"
RUNS_TAGGED = """query($tags: [ExecutionTag!]) { runsOrError(filter: {tags: $tags}) {
  __typename ... on Runs { results { runId status } } } }"""
RUN_ERRORS = """query($id: ID!) { logsForRun(runId: $id) { __typename ... on EventConnection { events {
  __typename ... on MessageEvent { message } ... on ErrorEvent { error { message causes { message } } } } } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DagsterServer:
    headers: dict[str, str] = {}  # sent with every request of the helpers (a password)

    def __init__(self, command: list[str], dagster_home: Path, env: dict[str, str], log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        full_env = {**os.environ, **env, "DAGSTER_HOME": str(dagster_home)}
        full_env.pop("MILO_WAREHOUSE", None)
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / command[0]), *command[1:], "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(self.port)],
                cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def graphql(self, query: str, variables: dict | None = None) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(f"{self.url}/graphql", data=body,
                                         headers={"Content-Type": "application/json", **self.headers})
        with urllib.request.urlopen(request, timeout=60) as response:
            payload = json.load(response)
        assert "errors" not in payload, payload["errors"]
        return payload["data"]

    def wait_loaded(self, timeout: float = 180) -> None:
        query = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
            locationOrLoadError { __typename ... on PythonError { message } } } } } }"""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]
            try:
                entries = self.graphql(query)["workspaceOrError"]["locationEntries"]
            except OSError:
                entries = []
            if entries and all(e["loadStatus"] == "LOADED" for e in entries):
                errors = [e["locationOrLoadError"] for e in entries
                          if e["locationOrLoadError"]["__typename"] == "PythonError"]
                assert not errors, errors
                return
            time.sleep(1)
        raise TimeoutError(f"Dagster server not ready after {timeout} s: {self.log}")

    def launch_run(self, job: str, partition: str, run_config: dict | None = None, tags: dict | None = None) -> str:
        params = launch_params(job, partition, run_config, tags)
        result = self.graphql(LAUNCH_RUN, {"params": params})["launchRun"]
        assert result["__typename"] == "LaunchRunSuccess", result
        return result["run"]["runId"]

    def launch_backfill(self, job: str, partitions: list[str], assets: list[list[str]]) -> str:
        """What the job's "Materialize all" dialog sends for a range of partitions (a job backfill)."""
        params = {
            "selector": {"partitionSetName": f"{job}_partition_set", "repositorySelector": REPOSITORY},
            "assetSelection": [{"path": path} for path in assets],
            "partitionNames": partitions,
            "fromFailure": False,
        }
        result = self.graphql(LAUNCH_BACKFILL, {"params": params})["launchPartitionBackfill"]
        assert result["__typename"] == "LaunchBackfillSuccess", result
        return result["backfillId"]

    def runs_tagged(self, key: str, value: str) -> list[dict]:
        return self.graphql(RUNS_TAGGED, {"tags": [{"key": key, "value": value}]})["runsOrError"]["results"]

    def run_messages(self, run_id: str) -> str:
        """Every message and error (with its causes) of a run's event log, as one text."""
        events = self.graphql(RUN_ERRORS, {"id": run_id})["logsForRun"]["events"]
        texts = []
        for event in events:
            texts.append(event.get("message") or "")
            error = event.get("error") or {}
            texts += [error.get("message") or ""] + [c["message"] for c in error.get("causes") or []]
        return "\n".join(texts)

    def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None) -> tuple[int, str]:
        """A raw HTTP request: any method, any header (Host included). (status, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body or None, headers={
                "Host": f"127.0.0.1:{self.port}", **(headers if headers is not None else self.headers)})
            response = connection.getresponse()
            return response.status, response.read().decode("utf-8", errors="replace")
        finally:
            connection.close()

    def run_status(self, run_id: str) -> str:
        return self.graphql(RUN_STATUS, {"id": run_id})["runOrError"]["status"]

    def wait_run(self, run_id: str, timeout: float = 400) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status = self.run_status(run_id)
            if status in TERMINAL:
                return status
            time.sleep(2)
        raise TimeoutError(f"run {run_id} not finished after {timeout} s")

    def stop(self) -> None:
        """The whole process group: the server and what it started (daemon, code servers)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def launch_params(job: str, partition: str, run_config: dict | None = None, tags: dict | None = None) -> dict:
    """The `executionParams` of `launchRun` for one partition of a job (what the Launchpad sends)."""
    return {
        "selector": {**REPOSITORY, "jobName": job},
        "runConfigData": run_config or {},
        "executionMetadata": {"tags": [{"key": "dagster/partition", "value": partition}]
                              + [{"key": k, "value": v} for k, v in (tags or {}).items()]},
    }


class MiloUi(DagsterServer):
    """`milo-pipeline ui --port PORT` for `milo_home`: the guarded webserver and the daemon; DAGSTER_HOME is
    MILO_HOME/dagster as the command prepares it. `env` adds variables (MILO_EXPORTS, MILO_OUT, the key)."""

    def __init__(self, milo_home: Path, env: dict[str, str], log: Path, args: tuple[str, ...] = (),
                 headers: dict[str, str] | None = None):
        self.headers = headers or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("DAGSTER_HOME", "MILO_WAREHOUSE", "MILO_EXPORTS", "MILO_OUT")}
        full_env.update(env, MILO_HOME=str(milo_home))
        with open(log, "wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "milo-pipeline"), "ui", "--port", str(self.port), *args],
                cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


@contextlib.contextmanager
def page_server(html: str) -> Iterator[str]:
    """Serves `html` at http://127.0.0.1:<another free port>/ (a thread of the test): a foreign origin."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = html.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
