"""The guard in front of the Dagster UI: a pure ASGI middleware (no Dagster import) that lets no other web page
drive the webserver.

dagster-webserver itself executes a GraphQL document taken from the URL of a GET (or HEAD), or from the URL of
a POST whose body is not JSON (a form, `text/plain`), and checks neither `Host` nor `Origin`: any page the user
opens could launch a run. The guard refuses, before the webserver sees it:

1. a request whose `Host` is not a name of this UI (400): blocks DNS rebinding, where a foreign name resolves
   to 127.0.0.1;
2. without the password, when one is set (401, HTTP basic authentication);
3. a request that comes from another page, when it could change something: a websocket, any GraphQL request,
   any method other than GET/HEAD, whose `Origin` is not the UI's own (`null` included), or whose
   `Sec-Fetch-Site` is neither `same-origin` nor `none` (403). A page on another port of the same machine is
   another origin;
4. GraphQL over GET/HEAD with a `query` in the URL (405): the UI never does it (it POSTs JSON);
5. a GraphQL POST whose `Content-Type` is not exactly `application/json` (415; its parameters aside, e.g.
   `; charset=utf-8`), and a body of another type for any other POST (415). `text/plain; x=application/json`
   is `text/plain`: the only types a foreign page can send without the browser asking first (CORS preflight)
   are forms and `text/plain`;
6. on the GraphQL websocket (subscriptions), a message whose document holds anything but subscriptions
   (a mutation, a query), or that cannot be read (the socket is closed, code 1008).

Whether a document is a mutation is decided by graphql-core's own parser (the one Dagster executes with), so
comments, fragments, strings and several operations read the same here as there; a document that does not
parse is refused. Over HTTP the guard does not need to read the document at all: every GraphQL request must
be a same-origin JSON POST.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

SAFE_METHODS = {"GET", "HEAD"}
SAME_SITE = {"same-origin", "none"}  # `none`: the user typed the address or used a bookmark
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
REALM = "milo-pipeline"
WS_POLICY_VIOLATION = 1008


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None]:
    """`name[:port]` (IPv6 in brackets) → (lower-case name, port or None). ValueError if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            raise ValueError(value)
        name, rest = value[:end + 1], value[end + 1:]
        if rest and not rest.startswith(":"):
            raise ValueError(value)
        port = rest[1:] if rest else ""
    else:
        name, _, port = value.partition(":")
    if not name or any(c in name for c in "/\\@ ?#,") or (port and not port.isdigit()):
        raise ValueError(value)
    return name.rstrip(".") if not name.startswith("[") else name, int(port) if port else None


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> list[str]:
    """The names of the UI: bound to a loopback address, 127.0.0.1, localhost and [::1]; otherwise the address
    it is bound to (not 0.0.0.0 or ::, which name nothing); plus the names given (`--allowed-host`)."""
    names = list(LOOPBACK_NAMES) if is_loopback(bind_host) else []
    if bind_host not in ("0.0.0.0", "::", ""):
        names.append(f"[{bind_host}]" if ":" in bind_host and not bind_host.startswith("[") else bind_host)
    names += list(extra)
    return list(dict.fromkeys(n.lower() for n in names))


def media_type(value: str) -> str:
    """The essence of a Content-Type: `Text/Plain; charset=x` → `text/plain`."""
    return value.split(";", 1)[0].strip().lower()


def operation_types(document: str) -> list[str]:
    """The type of every operation of a GraphQL document (`query`, `mutation`, `subscription`), as graphql-core
    (the parser Dagster executes with) reads it. ValueError if it does not parse."""
    from graphql import GraphQLError, OperationDefinitionNode, parse

    if not isinstance(document, str):
        raise ValueError("document GraphQL absent")
    try:
        parsed = parse(document, no_location=True)
    except GraphQLError as exc:
        raise ValueError(str(exc)) from exc
    return [d.operation.value for d in parsed.definitions if isinstance(d, OperationDefinitionNode)]


class Garde:
    """ASGI middleware: `Garde(app, hosts=allowed_hosts("127.0.0.1"), port=3000, password=None)`."""

    def __init__(self, app: App, hosts: Iterable[str], port: int, password: str | None = None,
                 graphql_path: str = "/graphql"):
        self.app = app
        self.port = port
        self.hosts = {split_host(h) for h in hosts}
        self.password = password.encode("utf-8") if password else None
        self.graphql_path = graphql_path

    # ---- the rules -------------------------------------------------------------------------------------------
    def host_ok(self, host: str | None) -> bool:
        if not host:
            return False
        try:
            name, port = split_host(host)
        except ValueError:
            return False
        return any(name == n and (port == p if p is not None else port in (None, self.port)) for n, p in self.hosts)

    def authorised(self, authorization: str | None) -> bool:
        if self.password is None:
            return True
        scheme, _, credentials = (authorization or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        _, separator, password = decoded.partition(b":")
        return bool(separator) and hmac.compare_digest(password, self.password)

    @staticmethod
    def same_origin(origin: str | None, fetch_site: str | None, host: str) -> bool:
        if fetch_site is not None and fetch_site.lower() not in SAME_SITE:
            return False
        if origin is None:
            return True  # not a browser (curl, a script), or a same-origin GET
        parts = urlsplit(origin.strip().lower())
        return parts.scheme in ("http", "https") and parts.netloc == host.strip().lower() \
            and not parts.path.strip("/") and not parts.query

    def is_graphql(self, path: str) -> bool:
        return path.rstrip("/") == self.graphql_path

    def refusal(self, scope: Scope) -> tuple[int, str, list[tuple[bytes, bytes]]] | None:
        """(status, French message, extra headers) when the request is refused, else None."""
        headers: dict[str, list[str]] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        one = {key: values[0] for key, values in headers.items()}

        hosts = headers.get("host", [])
        if len(hosts) != 1 or not self.host_ok(hosts[0]):
            return 400, "Hôte refusé : l'interface ne répond qu'à ses propres noms (en-tête Host).", []
        if not self.authorised(one.get("authorization")):
            return 401, "Mot de passe requis.", [
                (b"www-authenticate", f'Basic realm="{REALM}", charset="UTF-8"'.encode())]

        websocket = scope["type"] == "websocket"
        method = scope.get("method", "GET").upper()
        graphql = self.is_graphql(scope.get("path", ""))
        sensitive = websocket or graphql or method not in SAFE_METHODS
        if sensitive and (len(headers.get("origin", [])) > 1
                          or not self.same_origin(one.get("origin"), one.get("sec-fetch-site"), hosts[0])):
            return 403, "Requête d'une autre origine refusée : seule l'interface elle-même peut agir.", []
        if websocket:
            return None
        if graphql and method in SAFE_METHODS:
            params = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
            if any(key in ("query", "operationName", "variables") for key, _ in params):
                return 405, "GraphQL : seules les requêtes POST en application/json sont acceptées.", [
                    (b"allow", b"POST")]
        if method not in SAFE_METHODS:
            types = [media_type(t) for t in headers.get("content-type", [])]
            if (graphql and types != ["application/json"]) or any(t != "application/json" for t in types) \
                    or len(types) > 1:
                return 415, "Type de contenu refusé : seul application/json est accepté.", []
        return None

    # ---- ASGI ------------------------------------------------------------------------------------------------
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        refused = self.refusal(scope)
        if refused is not None:
            status, message, extra = refused
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION, "reason": ""})
                return
            body = (message + "\n").encode("utf-8")
            await send({"type": "http.response.start", "status": status, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                (b"cache-control", b"no-store"), *extra]})
            await send({"type": "http.response.body", "body": body})
            return
        if scope["type"] == "websocket" and self.is_graphql(scope.get("path", "")):
            await self.app(scope, self._subscriptions_only(receive, send), send)
            return
        await self.app(scope, receive, send)

    def _subscriptions_only(self, receive: Receive, send: Send) -> Receive:
        """The GraphQL websocket carries subscriptions only: a `start` message whose document holds anything
        else (or does not parse) closes the socket."""

        async def checked() -> Message:
            message = await receive()
            if message.get("type") != "websocket.receive":
                return message
            try:
                data = json.loads(message.get("text") or message.get("bytes") or b"")
                payload = data.get("payload") if isinstance(data, dict) else None
                if isinstance(data, dict) and data.get("type") in ("start", "subscribe"):
                    types = operation_types(payload.get("query") if isinstance(payload, dict) else None)
                    if not types or set(types) != {"subscription"}:
                        raise ValueError(types)
            except (ValueError, TypeError, UnicodeDecodeError):
                await send({"type": "websocket.close", "code": WS_POLICY_VIOLATION, "reason": ""})
                return {"type": "websocket.disconnect", "code": WS_POLICY_VIOLATION}
            return message

        return checked
