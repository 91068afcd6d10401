"""OpenAPI 3.1 description of the console's JSON API, served at /api/openapi.json (its own
route table, ``routes``, mounted by ``create_app``)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

routes = web.RouteTableDef()

_ERR = {"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_JOB = {"description": "job started", "content": {"application/json": {"schema": {
    "type": "object", "properties": {"job": {"$ref": "#/components/schemas/Job"}}}}}}


def _q(name: str, desc: str, typ: str = "string", required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": desc, "schema": {"type": typ}}


def _ok(desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema or {"type": "object"}}}}


def openapi_spec() -> dict[str, Any]:
    csrf = [{"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"},
             "description": "the session's CSRF token (the csrf-token meta tag of any console page)"}]
    return {
        "openapi": "3.1.0",
        "info": {"title": "Appliance admin console API", "version": "1",
                 "description": "Every endpoint needs a signed-in session (cookie `appliance_session`, from POST /login) "
                                "except /healthz and /metrics. Every POST/PUT needs the session's CSRF token in "
                                "X-CSRF-Token. Errors are JSON {\"error\": \"...\"} with a 4xx/5xx status."},
        "components": {
            "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "appliance_session"}},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}}, "required": ["error"]},
                "Call": {"type": "object", "properties": {
                    "call_id": {"type": "string"}, "caller": {"type": "string"}, "started_at": {"type": "number"},
                    "ended_at": {"type": ["number", "null"]}, "outcome": {"type": "string"},
                    "end_reason": {"type": ["string", "null"]}, "turns": {"type": "integer"},
                    "duration_s": {"type": ["number", "null"]}, "has_recording": {"type": "boolean"}}},
                "Turn": {"type": "object", "properties": {
                    "idx": {"type": "integer"}, "at": {"type": "number"}, "kind": {"type": "string"},
                    "caller_text": {"type": "string"}, "agent_text": {"type": "string"},
                    "sources": {"type": "array", "items": {"type": "object"}},
                    "timings": {"type": "object", "description": "*_ms: milliseconds from the end of the caller's speech"},
                    "interrupted": {"type": "integer"}}},
                "Lead": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "call_id": {"type": "string"},
                    "at": {"type": "string", "format": "date-time"}, "at_ts": {"type": "number"},
                    "caller": {"type": "string", "description": "the calling number"},
                    "name": {"type": "string"}, "contact": {"type": "string"},
                    "products": {"type": "array", "items": {"type": "string"}}, "request": {"type": "string"},
                    "call_url": {"type": "string", "description": "leads.console_url + /calls/<id>; empty when unset"},
                    "status": {"type": "string", "enum": ["new", "contacted", "closed"]},
                    "status_at": {"type": ["number", "null"]}, "status_by": {"type": "string"},
                    "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}},
                    "history": {"type": "array", "description": "status changes, oldest first (GET /api/leads/{id})",
                                "items": {"type": "object", "properties": {
                                    "at": {"type": "number"}, "from_status": {"type": "string"},
                                    "to_status": {"type": "string"}, "by_user": {"type": "string"},
                                    "by_ip": {"type": "string"}}}}}},
                "Delivery": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "lead_id": {"type": "integer"},
                    "channel": {"type": "string", "enum": ["webhook", "mail"]},
                    "key": {"type": "string", "description": "idempotency key <call id>:<lead id>:<channel>"},
                    "state": {"type": "string", "enum": ["pending", "done", "failed"],
                              "description": "failed: gave up after leads.max_attempts"},
                    "attempts": {"type": "integer"}, "created_at": {"type": "number"}, "next_at": {"type": "number"},
                    "last_attempt_at": {"type": ["number", "null"]}, "last_error": {"type": "string"},
                    "done_at": {"type": ["number", "null"]}}},
                "Job": {"type": "object", "properties": {
                    "id": {"type": "string"}, "kind": {"type": "string", "enum": ["upload", "reindex", "delete"]},
                    "state": {"type": "string", "enum": ["running", "done", "failed"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1}, "message": {"type": "string"},
                    "report": {"type": "object"}}},
            },
        },
        "security": [{"session": []}],
        "paths": {
            "/healthz": {"get": {"summary": "liveness (no sign-in)", "security": [],
                                 "responses": {"200": _ok("the process is up")}}},
            "/metrics": {"get": {"summary": "Prometheus metrics (public unless web.metrics_public is false)",
                                 "security": [], "responses": {"200": {"description": "text exposition format"}}}},
            "/login": {"post": {"summary": "sign in (form: password, csrf_token from the login page's cookie)",
                                "security": [], "responses": {"302": {"description": "signed in; session cookie set"},
                                                              "401": {"description": "wrong password"},
                                                              "429": {"description": "5 failures in a minute"}}}},
            "/api/live": {"get": {"summary": "calls in progress", "responses": {"200": _ok("live calls")}}},
            "/api/calls": {"get": {
                "summary": "call history, newest first",
                "parameters": [_q("q", "text in the transcript or call id"),
                               _q("outcome", "answered|transferred|abandoned|error|in_progress"),
                               _q("caller", "part of the caller number"), _q("date_from", "YYYY-MM-DD (UTC)"),
                               _q("date_to", "YYYY-MM-DD (UTC, inclusive)"), _q("limit", "1..500", "integer"),
                               _q("offset", "rows to skip", "integer")],
                "responses": {"200": _ok("matching calls", {"type": "object", "properties": {
                    "total": {"type": "integer"}, "calls": {"type": "array", "items": {"$ref": "#/components/schemas/Call"}}}}),
                    "400": _ERR}}},
            "/api/calls/{call_id}": {"get": {
                "summary": "one call: turns (transcript, sources, timings), events, leads, recording URLs",
                "parameters": [{"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _ok("the call"), "404": _ERR}}},
            "/calls/{call_id}/recording/{side}": {"get": {
                "summary": "a call's recording (audio/wav; Range supported)",
                "parameters": [{"name": "call_id", "in": "path", "required": True, "schema": {"type": "string"}},
                               {"name": "side", "in": "path", "required": True,
                                "schema": {"type": "string", "enum": ["caller", "agent"]}}],
                "responses": {"200": {"description": "WAV"}, "404": {"description": "no recording"}}}},
            "/api/stats": {"get": {"summary": "calls per hour and per-turn stage latencies",
                                   "parameters": [_q("hours", "window, 1..744 (default 24)", "integer")],
                                   "responses": {"200": _ok("series"), "400": _ERR}}},
            "/api/kb/documents": {"get": {"summary": "documents in the knowledge base",
                                          "responses": {"200": _ok("documents"), "503": _ERR}}},
            "/api/kb/upload": {"post": {
                "summary": "upload a document (.md .txt .pdf .docx, at most web.max_upload_mb) and ingest it",
                "parameters": csrf,
                "requestBody": {"content": {"multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}, "tag": {"type": "string"}}}}}},
                "responses": {"202": _JOB, "400": _ERR, "409": _ERR, "413": _ERR}}},
            "/api/kb/delete": {"post": {
                "summary": "delete a document", "parameters": csrf,
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"doc_id": {"type": "string"}}, "required": ["doc_id"]}}}},
                "responses": {"202": _JOB, "400": _ERR, "404": _ERR, "409": _ERR}}},
            "/api/kb/reindex": {"post": {"summary": "re-ingest every knowledge folder", "parameters": csrf,
                                         "responses": {"202": _JOB, "409": _ERR}}},
            "/api/kb/jobs/{job_id}": {"get": {
                "summary": "a job's state and progress (poll it)",
                "parameters": [{"name": "job_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": _JOB, "404": _ERR}}},
            "/api/kb/search": {"get": {"summary": "the passages the agent would retrieve for a question",
                                       "parameters": [_q("q", "the question", required=True),
                                                      _q("top_k", "1..20", "integer")],
                                       "responses": {"200": _ok("passages, best first"), "400": _ERR}}},
            "/api/prompts": {
                "get": {"summary": "the prompts file (TOML)", "responses": {"200": _ok("path and text")}},
                "put": {"summary": "validate, save and apply the prompts file to new calls", "parameters": csrf,
                        "requestBody": {"content": {"application/json": {"schema": {
                            "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}}},
                        "responses": {"200": _ok("saved"), "400": _ERR}}},
            "/api/leads": {"get": {
                "summary": "leads, newest first, with their deliveries",
                "parameters": [_q("status", "new|contacted|closed"), _q("date_from", "YYYY-MM-DD (UTC)"),
                               _q("date_to", "YYYY-MM-DD (UTC, inclusive)"), _q("limit", "1..1000 (default 100)", "integer"),
                               _q("offset", "rows to skip", "integer")],
                "responses": {"200": _ok("matching leads", {"type": "object", "properties": {
                    "total": {"type": "integer"}, "leads": {"type": "array", "items": {"$ref": "#/components/schemas/Lead"}}}}),
                    "400": _ERR}}},
            "/api/leads/{lead_id}": {"get": {
                "summary": "one lead with its deliveries and status history",
                "parameters": [{"name": "lead_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {"200": _ok("the lead", {"$ref": "#/components/schemas/Lead"}), "404": _ERR}}},
            "/api/leads/{lead_id}/status": {"post": {
                "summary": "set a lead's status (recorded with who and when)",
                "parameters": [{"name": "lead_id", "in": "path", "required": True, "schema": {"type": "integer"}}, *csrf],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "properties": {"status": {"type": "string", "enum": ["new", "contacted", "closed"]}},
                    "required": ["status"]}}}},
                "responses": {"200": _ok("the lead", {"$ref": "#/components/schemas/Lead"}), "400": _ERR, "404": _ERR}}},
            "/api/leads/deliveries": {"get": {
                "summary": "lead deliveries by state (default open: pending and failed), oldest first",
                "parameters": [_q("state", "open|pending|failed|done"), _q("limit", "1..1000 (default 200)", "integer")],
                "responses": {"200": _ok("deliveries and the configured channels", {"type": "object", "properties": {
                    "channels": {"type": "array", "items": {"type": "string"}},
                    "deliveries": {"type": "array", "items": {"$ref": "#/components/schemas/Delivery"}}}}),
                    "400": _ERR}}},
            "/api/leads/deliveries/{delivery_id}/retry": {"post": {
                "summary": "make a pending or failed delivery due now (a delivered one is never sent again)",
                "parameters": [{"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "integer"}},
                               *csrf],
                "responses": {"200": _ok("queued"), "404": _ERR}}},
            "/leads/export.csv": {"get": {
                "summary": "the filtered leads as CSV (status, date_from, date_to as for /api/leads); cells a "
                           "spreadsheet would run as a formula are prefixed with an apostrophe",
                "parameters": [_q("status", "new|contacted|closed"), _q("date_from", "YYYY-MM-DD (UTC)"),
                               _q("date_to", "YYYY-MM-DD (UTC, inclusive)")],
                "responses": {"200": {"description": "text/csv (UTF-8 with BOM)"}, "400": _ERR}}},
            "/api/health": {"get": {"summary": "Asterisk ARI, models, knowledge store and call records checks",
                                    "responses": {"200": _ok("checks")}}},
            "/api/openapi.json": {"get": {"summary": "this document", "responses": {"200": _ok("OpenAPI")}}},
        },
    }


@routes.get("/api/openapi.json")
async def api_openapi(request: web.Request) -> web.Response:
    return web.json_response(openapi_spec())
