"""A request over the addon's message limit fails alone, over HTTP and MCP, against the real editor.

test_limits.py covers the basics (413 beside another client's request, 4 MiB and 10 MiB round
trips, the body limit counted). This file pins down what those leave to timing or to the session
id, which a reconnect of the same editor keeps:
- the other client's request is answered while the oversized one is provably still in flight
  (its upload is held back by one byte), and a stream of small requests never sees a 503;
- the session is not even reconnected (``daemon.sessions_started`` unchanged);
- the addon's stated limit shows in /status, and MCP maps the refusal to an isError result.

One daemon with ``--max-body-bytes`` above the addon's limit (module fixture), so the request
reaches the bridge's check instead of the body limit.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest
import requests

from conftest import Env, McpHttp, read_http_response

pytestmark = pytest.mark.lifecycle

MIB = 1 << 20
# connection.gd: INBOUND_BUFFER_BYTES (64 MiB - 64 KiB) less its 64 KiB margin.
ADDON_MAX_MESSAGE = (64 << 20) - (128 << 10)
OVER_ADDON_LIMIT = 65 * MIB


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """One ready daemon whose body limit (80 MiB) is above the addon's message limit."""
    e = Env(tmp_path_factory.mktemp("payload"))
    d = e.daemon("--max-body-bytes", str(80 * MIB), name="payload")
    try:
        d.wait_ready()
    except BaseException:
        e.finish()
        raise
    yield d
    problems = e.finish()
    if problems:
        pytest.fail("teardown: " + "\n".join(problems), pytrace=False)


def session_marks(d) -> tuple:
    """What a dropped or reconnected session would change."""
    st = d.status()
    assert st["state"] == "ready" and st["session"] is not None, st
    return st["session"]["id"], st["daemon"]["sessions_started"], st["restarts"]


def small_requests_until(d, stop: threading.Event, statuses: list) -> None:
    """Another client: pings until stop is set, recording each HTTP status."""
    with requests.Session() as s:
        s.trust_env = False
        while not stop.is_set():
            r = s.post(d.url + "/godot/ping", json={}, timeout=60)
            statuses.append(r.status_code)


def test_hello_limit_in_status(big):
    st = big.status()
    assert st["session"]["max_message_bytes"] == ADDON_MAX_MESSAGE, st["session"]
    assert st["daemon"]["sessions_started"] >= 1


def test_oversized_request_fails_alone_while_others_go_on(big):
    marks = session_marks(big)
    refused_before = big.status()["daemon"]["limits"]["addon_message_too_large"]
    body = json.dumps({"path": "res://too_big.txt", "content": "x" * OVER_ADDON_LIMIT}).encode()
    head = (f"POST /godot/write_file HTTP/1.1\r\nHost: 127.0.0.1:{big.port}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    stop, statuses = threading.Event(), []
    other = threading.Thread(target=small_requests_until, args=(big, stop, statuses))
    other.start()
    try:
        with socket.create_connection(("127.0.0.1", big.port), timeout=120) as s:
            s.sendall(head + body[:-1])
            # The oversized request is in flight (its last byte not sent): another client's
            # request is answered meanwhile.
            r = requests.post(big.url + "/godot/ping", json={}, timeout=60)
            assert r.status_code == 200 and r.json()["pong"] is True, r.text
            s.sendall(body[-1:])
            status, _, resp, _ = read_http_response(s)
    finally:
        stop.set()
        other.join(120)
    err = json.loads(resp)["error"]
    assert status == 413 and err["code"] == "payload_too_large", (status, err)
    assert str(ADDON_MAX_MESSAGE) in err["message"] and "max_message_bytes" in err["message"], err
    assert "retryable" not in err, err
    assert statuses and set(statuses) == {200}, statuses
    assert not (big.project / "too_big.txt").exists()
    # Same session, not even a reconnect; the refusal was counted.
    assert session_marks(big) == marks
    st = big.status()
    assert st["daemon"]["limits"]["addon_message_too_large"] == refused_before + 1, st["daemon"]
    assert big.command("ping")["pong"] is True


def test_mcp_maps_the_refusal_to_a_tool_error(big):
    marks = session_marks(big)
    refused_before = big.status()["daemon"]["limits"]["addon_message_too_large"]
    mcp = McpHttp(big.url, timeout=120)
    msg = mcp.call("write_file", {"path": "res://too_big_mcp.txt", "content": "x" * OVER_ADDON_LIMIT})
    mcp.close()
    assert msg["result"]["isError"] is True, str(msg)[:300]
    err = msg["result"]["structuredContent"]["error"]
    assert err["code"] == "payload_too_large" and "max_message_bytes" in err["message"], err
    assert not (big.project / "too_big_mcp.txt").exists()
    assert session_marks(big) == marks
    assert big.status()["daemon"]["limits"]["addon_message_too_large"] == refused_before + 1
