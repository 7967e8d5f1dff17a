"""Warmth as an ASGI application (st.App): the dashboard of app.py plus a readiness route.

    streamlit run serve.py --server.port 8501      # one replica (see deploy/)

`GET /_warmth/ready` answers 200 only when the database answers and its schema is at the
newest migration, 503 otherwise: give it to the load balancer. `/_stcore/health` (liveness)
only says the process is up. `streamlit run app.py` still starts the same dashboard without
the extra route (the quick start).
"""

from pathlib import Path

import streamlit as st
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from warmth import readiness

READY_PATH = "/_warmth/ready"


def ready(_request: Request) -> PlainTextResponse:
    # a plain function: Starlette runs it in its thread pool, off the event loop
    got = readiness.check()
    return PlainTextResponse(got.reason + "\n", status_code=got.status)


app = st.App(Path(__file__).with_name("app.py"), routes=[Route(READY_PATH, ready)])
