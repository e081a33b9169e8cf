"""The floor for benchmarks/relay.py: Starlette's hello-world on uvicorn, served like the relay.

    .venv/bin/python benchmarks/bare_server.py      # prints "Listening on http://127.0.0.1:PORT"

Any PUT reads its body and discards it; any GET answers `?size=N` bytes; any DELETE answers
204. No signatures, no storage, no logging: what is left is HTTP itself through the same
framework and server, bound the same way (`liaison_desk.relay.server.bind`) and with the same
uvicorn settings as `liaison_desk.relay.server.serve`, so that the relay's ratio to it is the
cost of the relay's own work.
"""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from liaison_desk.relay.server import Listen, bind

_BODIES: dict[int, bytes] = {}


async def put(request: Request) -> Response:
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
    return JSONResponse({"received": received}, status_code=201)


async def get(request: Request) -> Response:
    size = int(request.query_params.get("size", "0"))
    body = _BODIES.get(size)
    if body is None:
        body = _BODIES[size] = bytes(size)
    return Response(body, media_type="application/octet-stream")


async def delete(request: Request) -> Response:
    return Response(status_code=204)


def main() -> None:
    app = Starlette(
        routes=[
            Route("/{path:path}", put, methods=["PUT"]),
            Route("/{path:path}", get, methods=["GET"]),
            Route("/{path:path}", delete, methods=["DELETE"]),
        ]
    )
    sock = bind(Listen("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        server_header=False,
        h11_max_incomplete_event_size=32 * 1024,
        timeout_keep_alive=30,
        timeout_graceful_shutdown=10,
    )
    host, port = sock.getsockname()[:2]
    print(f"Listening on http://{host}:{port}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    sys.stdout.flush()


if __name__ == "__main__":
    main()
