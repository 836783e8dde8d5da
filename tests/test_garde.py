"""The UI's guard (milo_pipeline/lib/garde.py), driven directly: handcrafted ASGI scopes in front of a fake app
that records what reaches it. Each rule is attacked; the UI's own requests still pass."""

import asyncio
import base64
import json

import pytest

from milo_pipeline.lib.garde import Garde, allowed_hosts, operation_types, split_host

PORT = 3000
OWN = f"127.0.0.1:{PORT}"
LAUNCH = 'mutation { launchRun(executionParams: {selector: {jobName: "tout"}}) { __typename } }'


class FakeApp:
    def __init__(self):
        self.calls = []
        self.received = []

    async def __call__(self, scope, receive, send):
        self.calls.append(scope)
        if scope["type"] == "websocket":
            while True:
                message = await receive()
                self.received.append(message)
                if message["type"] == "websocket.disconnect":
                    return
        else:
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})


def scope(method="POST", path="/graphql", host=OWN, query=b"", kind="http", **headers):
    raw = [] if host is None else [(b"host", host.encode())]
    for key, value in headers.items():
        for one in value if isinstance(value, list) else [value]:
            raw.append((key.replace("_", "-").encode(), one.encode()))
    result = {"type": kind, "path": path, "query_string": query, "headers": raw}
    if kind == "http":
        result["method"] = method
    return result


def call(garde, s, messages=()):
    """(status or close code, body, response headers, what reached the app)."""
    sent = []
    queue = list(messages)

    async def receive():
        return queue.pop(0) if queue else {"type": "websocket.disconnect", "code": 1000}

    async def send(message):
        sent.append(message)

    asyncio.run(garde(s, receive, send))
    start = next((m for m in sent if m["type"] == "http.response.start"), None)
    close = next((m for m in sent if m["type"] == "websocket.close"), None)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body").decode()
    status = start["status"] if start else (close["code"] if close else None)
    return status, body, dict(start["headers"]) if start else {}, garde.app.calls


def guard(password=None, bind="127.0.0.1", extra=()):
    return Garde(FakeApp(), hosts=allowed_hosts(bind, extra), port=PORT, password=password)


JSON = {"content_type": "application/json", "origin": f"http://{OWN}", "sec_fetch_site": "same-origin"}


# ---- what the UI itself sends passes ------------------------------------------------------------------------
@pytest.mark.parametrize("s", [
    scope(**JSON),                                                              # its GraphQL
    scope(content_type="application/json; charset=utf-8"),                      # a script, curl: no Origin
    scope(method="GET", path="/", sec_fetch_site="cross-site"),                 # a link to the UI from elsewhere
    scope(method="GET", path="/runs/abc", host=f"localhost:{PORT}"),
    scope(method="GET", path="/graphql", accept="text/html"),                   # GraphiQL's page, no query
    scope(method="GET", path="/assets", query=b"query=jeunes"),                 # not the GraphQL endpoint
])
def test_the_uis_own_requests_pass(s):
    status, body, _, calls = call(guard(), s)
    assert (status, body, len(calls)) == (200, "ok", 1)


def test_the_uis_own_websocket_passes():
    s = scope(kind="websocket", origin=f"http://{OWN}", sec_fetch_site="same-origin")
    status, _, _, calls = call(guard(), s)
    assert (status, len(calls)) == (None, 1)


# ---- Host ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["evil.example", f"evil.example:{PORT}", "127.0.0.1:3001", "127.0.0.1.evil.example",
                                  "localhost:3000@evil", "", None, "[::1", "127.0.0.1:30x0"])
def test_a_foreign_host_is_refused(host):
    status, body, _, calls = call(guard(), scope(method="GET", path="/", host=host))
    assert (status, calls) == (400, [])
    assert "Hôte refusé" in body


def test_two_host_headers_are_refused():
    s = scope(method="GET", path="/")
    s["headers"].append((b"host", b"evil.example"))
    assert call(guard(), s)[0] == 400


@pytest.mark.parametrize("host", ["127.0.0.1", OWN, f"LOCALHOST:{PORT}", f"[::1]:{PORT}", f"localhost.:{PORT}"])
def test_the_loopback_names_pass(host):
    assert call(guard(), scope(method="GET", path="/", host=host))[0] == 200


def test_a_server_answers_to_its_address_and_the_names_it_is_given():
    garde = guard(bind="192.0.2.10", extra=["milo.interne", "proxy.interne:8443"])
    for host in ["192.0.2.10:3000", "milo.interne", "milo.interne:3000", "proxy.interne:8443"]:
        assert call(garde, scope(method="GET", path="/", host=host))[0] == 200, host
    garde.app.calls.clear()
    for host in [OWN, "localhost:3000", "milo.interne:8080", "proxy.interne", "proxy.interne:3000"]:
        assert call(garde, scope(method="GET", path="/", host=host))[0] == 400, host
    assert allowed_hosts("0.0.0.0") == []
    assert split_host("[::1]:3000") == ("[::1]", 3000)


def test_a_websocket_under_a_foreign_host_is_refused():
    status, _, _, calls = call(guard(), scope(kind="websocket", host="evil.example:3000"))
    assert (status, calls) == (1008, [])


# ---- another page: Origin, Sec-Fetch-Site --------------------------------------------------------------------
@pytest.mark.parametrize("origin", ["http://127.0.0.1:8000", "http://evil.example", "null", "http://localhost:3000",
                                    f"http://{OWN}.evil.example", f"file://{OWN}", f"http://{OWN}/path"])
def test_a_mutation_from_another_origin_is_refused_even_as_json(origin):
    status, body, _, calls = call(guard(), scope(content_type="application/json", origin=origin))
    assert (status, calls) == (403, [])
    assert "autre origine" in body


@pytest.mark.parametrize("site", ["cross-site", "same-site"])  # same-site: another port of the same machine
def test_a_post_marked_cross_site_by_the_browser_is_refused(site):
    assert call(guard(), scope(content_type="application/json", sec_fetch_site=site))[0] == 403


def test_two_origin_headers_are_refused():
    assert call(guard(), scope(content_type="application/json", origin=[f"http://{OWN}", "http://x"]))[0] == 403


@pytest.mark.parametrize("path", ["/report_asset_materialization/indicateurs", "/graphql", "/anything"])
def test_any_write_from_another_origin_is_refused(path):
    # fetch(…, {method: "POST", mode: "no-cors"}) without a body: no Content-Type, but an Origin
    status, _, _, calls = call(guard(), scope(path=path, origin="http://127.0.0.1:8000"))
    assert (status, calls) == (403, [])


@pytest.mark.parametrize("headers", [{"origin": "http://127.0.0.1:8000"}, {"sec_fetch_site": "cross-site"},
                                     {"origin": "null"}])
def test_a_websocket_from_another_page_is_refused(headers):
    status, _, _, calls = call(guard(), scope(kind="websocket", **headers))
    assert (status, calls) == (1008, [])


def test_behind_a_tls_proxy_the_https_origin_of_the_same_host_passes():
    garde = guard(bind="127.0.0.1", extra=["milo.interne"])
    s = scope(host="milo.interne", content_type="application/json", origin="https://milo.interne",
              sec_fetch_site="same-origin")
    assert call(garde, s)[0] == 200


# ---- GraphQL in the URL --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "HEAD"])  # Starlette answers HEAD with the GET handler
@pytest.mark.parametrize("query", [
    f"query={LAUNCH}", f"query=%23 a comment\n{LAUNCH}", "query={ __typename }", "operationName=x&query=x",
    "Query=x&query=" + LAUNCH])
def test_graphql_in_the_url_of_a_get_is_refused(method, query):
    status, body, headers, calls = call(guard(), scope(method=method, query=query.encode()))
    assert (status, headers[b"allow"], calls) == (405, b"POST", [])
    assert "POST en application/json" in body


@pytest.mark.parametrize("path", ["/graphql/", "/graphql//"])
def test_the_graphql_path_with_a_trailing_slash_is_guarded_too(path):
    assert call(guard(), scope(method="GET", path=path, query=f"query={LAUNCH}".encode()))[0] == 405


# ---- bodies: only JSON ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/graphql",
    "text/plain; charset=application/json",  # Dagster reads it as JSON (a substring test); a form can send it
    "text/plain; x=application/graphql", "application/json, text/plain", "application/jsonp", None])
def test_a_graphql_post_that_is_not_json_is_refused(content_type):
    headers = {} if content_type is None else {"content_type": content_type}
    status, body, _, calls = call(guard(), scope(query=f"query={LAUNCH}".encode(), **headers))
    assert (status, calls) == (415, [])
    assert "application/json" in body


def test_two_content_types_are_refused():
    assert call(guard(), scope(content_type=["application/json", "text/plain"]))[0] == 415


def test_other_posts_take_json_or_no_body():
    assert call(guard(), scope(path="/report_asset_materialization/x", content_type="text/plain"))[0] == 415
    assert call(guard(), scope(path="/report_asset_materialization/x"))[0] == 200


# ---- password ------------------------------------------------------------------------------------------------
def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_with_a_password_a_request_without_it_gets_401_and_a_basic_challenge():
    status, body, headers, calls = call(guard("s3cret-é"), scope(method="GET", path="/"))
    assert (status, calls) == (401, [])
    assert headers[b"www-authenticate"] == b'Basic realm="milo-pipeline", charset="UTF-8"'
    assert "Mot de passe" in body


NO_COLON = "Basic " + base64.b64encode("s3cret-é".encode()).decode()


@pytest.mark.parametrize("authorization", [basic("milo", "faux"), basic("milo", "s3cret-"), "Basic !!!",
                                           "Bearer s3cret-é", basic("milo", "s3cret-é")[:-2], NO_COLON])
def test_a_wrong_password_is_refused(authorization):
    assert call(guard("s3cret-é"), scope(method="GET", path="/", authorization=authorization))[0] == 401


def test_the_password_opens_the_ui_and_its_websocket():
    garde = guard("s3cret-é")
    assert call(garde, scope(method="GET", path="/", authorization=basic("milo", "s3cret-é")))[0] == 200
    status, *_ = call(garde, scope(kind="websocket", authorization=basic("x", "s3cret-é")))
    assert status is None and len(garde.app.calls) == 2
    assert call(guard("s3cret-é"), scope(kind="websocket"))[0] == 1008


def test_the_password_does_not_exempt_a_foreign_origin():
    s = scope(content_type="application/json", origin="http://evil.example", authorization=basic("m", "pw"))
    assert call(guard("pw"), s)[0] == 403


# ---- the GraphQL websocket: subscriptions only ---------------------------------------------------------------
def ws_message(query, kind="start", **payload):
    return {"type": "websocket.receive", "text": json.dumps({"type": kind, "id": "1",
                                                             "payload": {"query": query, **payload}})}


SUBSCRIPTION = "subscription Logs($runId: ID!) { pipelineRunLogs(runId: $runId) { __typename } }"


def test_the_websocket_passes_subscriptions():
    garde = guard()
    s = scope(kind="websocket", origin=f"http://{OWN}")
    messages = [{"type": "websocket.receive", "text": '{"type": "connection_init"}'}, ws_message(SUBSCRIPTION)]
    status, *_ = call(garde, s, messages)
    assert status is None
    assert [m["type"] for m in garde.app.received] == ["websocket.receive"] * 2 + ["websocket.disconnect"]


@pytest.mark.parametrize("message", [
    ws_message(LAUNCH),
    ws_message("# subscription\n" + LAUNCH),
    ws_message(SUBSCRIPTION + "\n" + LAUNCH, operation_name="Logs"),   # the mutation hides behind a name
    ws_message(SUBSCRIPTION + ' mutation M { launchRun(x: "subscription") }', operationName="Logs"),
    ws_message("{ __typename }"),                                      # a query is not a subscription either
    ws_message(LAUNCH, kind="subscribe"),                              # graphql-transport-ws
    ws_message("subscription { unclosed"),
    ws_message(None),
    {"type": "websocket.receive", "text": "not json"},
    {"type": "websocket.receive", "text": '{"type": "start", "payload": "x"}'},
])
def test_the_websocket_closes_on_anything_but_a_subscription(message):
    garde = guard()
    status, *_ = call(garde, scope(kind="websocket", origin=f"http://{OWN}"), [message])
    assert status == 1008
    assert garde.app.received == [{"type": "websocket.disconnect", "code": 1008}]


# ---- reading a document as Dagster does ----------------------------------------------------------------------
@pytest.mark.parametrize("document, expected", [
    ("{ runsOrError { __typename } }", ["query"]),
    ("# mutation { launchRun }\nquery Q { __typename }", ["query"]),              # a comment is no operation
    ('query Q { a(x: "mutation { b }") }', ["query"]),                            # neither is a string
    ('query Q { a(x: """\nmutation { b }\n""") }', ["query"]),                    # nor a block string
    ("fragment F on Run { runId }\n#\nmutation\n# x\nM { launchRun { ...F } }", ["mutation"]),
    ("query A { a } mutation B { b } subscription C { c }", ["query", "mutation", "subscription"]),
    ("\ufeffmutation{a}", ["mutation"]),                                          # BOM, no space
])
def test_operation_types_read_comments_strings_fragments_and_several_operations(document, expected):
    assert operation_types(document) == expected


@pytest.mark.parametrize("document", ["mutation {", "", None, ["mutation { a }"]])
def test_a_document_that_does_not_parse_is_an_error(document):
    with pytest.raises(ValueError):
        operation_types(document)
