"""Nothing before authentication grows with the body: issue 21, finding 2, in one run.

    python bench/bench_preauth.py [--rounds 5] [--calls 20] [--probes 100] [--out FILE]

1. For each signature scheme, the CPU of a refused request with a 30 MiB body, as a ratio to
   the same refused request with no body (target: at most 2x). In process: the WSGI app is
   called with a prepared environ (the 30 MiB are shared, not copied, per call), so what is
   timed is the server's work alone. Interleaved rounds, medians.
2. Over HTTP (gunicorn, 2 sync workers, as ``./serve`` runs): the latency of a valid
   ``get_users`` while four attackers send 30 MiB bodies in a loop, one per scheme, as a
   ratio to its latency on an idle server (target: at most 2x). Before the fix a strict
   header made the server read and parse each body: 14.8 s instead of 5 ms. Each attacker
   starts a request every ``--pace`` seconds at most (0.05: 20 bodies of 30 MiB a second,
   five times what a 1 Gbit/s link carries), so that the attackers, on the same two cores,
   do not measure their own CPU. Beside it, the same four attackers with empty bodies: the
   ratio between the two is what the size of the body costs.

The figures go to ``bench/results-preauth.json`` (``--out``). Under a minute.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import io
import json
import logging
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import ROOT, installed_app, machine, signed  # noqa: E402
from bench.http_bench import free_port, serve, server_env  # noqa: E402

MIB = 1024 * 1024
BIG = 30 * MIB
WRONG = "0" * 32
FORM = "application/x-www-form-urlencoded"


def strict_header(_body: bytes = b"") -> str:
    """A well-formed strict header, fresh, for a known key, with a wrong signature: the
    server must hash the body to know it is wrong (at most MAX_BODY_BEFORE_AUTH of it)."""
    nonce = hashlib.sha256(str(time.time_ns()).encode()).hexdigest()[:32]
    return (f"Taskgate-HMAC-SHA256 key=admin, ts={int(time.time())}, nonce={nonce}, "
            f"sig={'0' * 64}")


def schemes() -> dict[str, dict]:
    """Each scheme's refused request: path, headers, content type (the body is added)."""
    now = int(time.time())
    return {
        "md5 of the query": {"path": f"/api/admin/v2/?action=get_users&hash={WRONG}",
                             "type": FORM},
        "md5 in the body": {"path": "/api/admin/v2/", "type": FORM,
                            "prefix": f"action=get_users&hash={WRONG}&x="},
        "legacy md5(action + key)": {"path": f"/api/admin/?action=get_users&hash={WRONG}",
                                     "type": FORM},
        "Authorization: Admin": {"path": "/api/admin/v2?action=get_users",
                                 "type": "application/json",
                                 "headers": {"Authorization": f"Admin {now}_{'0' * 64}"}},
        "Taskgate-HMAC-SHA256": {"path": "/api/admin/v2/?action=get_users",
                                 "type": "application/json", "strict": True},
        "signed URL": {"path": "/api/admin/v2/?action=get_users&signature=1.60.x.y",
                       "type": FORM},
        "user token": {"path": "/api/oauth2?action=get_users", "type": "application/json",
                       "headers": {"Authorization": "Bearer " + "x" * 43}},
    }


def environ_for(app, scheme: dict, body: bytes) -> dict:
    from werkzeug.test import EnvironBuilder

    headers = dict(scheme.get("headers", {}))
    if scheme.get("strict"):
        headers["Authorization"] = strict_header(body)
    path, _, query = scheme["path"].partition("?")
    builder = EnvironBuilder(path=path, query_string=query, method="POST",
                             headers=headers, content_type=scheme["type"], data=b"")
    environ = builder.get_environ()
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call(app, environ: dict, body: bytes) -> int:
    """One request through the WSGI app, its answer read: the status code of the envelope."""
    environ = {**environ, "wsgi.input": io.BytesIO(body)}  # shares the bytes, no copy
    if "HTTP_AUTHORIZATION" in environ and environ["HTTP_AUTHORIZATION"].startswith("Taskgate"):
        environ["HTTP_AUTHORIZATION"] = strict_header(body)  # a fresh nonce each time
    status: list[str] = []
    chunks = app(environ, lambda s, h, e=None: status.append(s))
    answer = b"".join(chunks)
    getattr(chunks, "close", lambda: None)()
    return json.loads(answer)["status_code"]


def refused_costs(rounds: int, calls: int) -> dict[str, dict[str, float]]:
    logging.getLogger("taskgate.requests").disabled = True  # a line per request otherwise
    with tempfile.TemporaryDirectory() as tmp:
        app = installed_app(f"sqlite:///{tmp}/bench.sqlite")
        big_payload = b"x" * BIG
        cases = {}
        for name, scheme in schemes().items():
            prefix = scheme.get("prefix", "").encode()
            empty, big = prefix, prefix + big_payload[:BIG - len(prefix)]
            cases[name] = [(environ_for(app, scheme, empty), empty),
                           (environ_for(app, scheme, big), big)]
        samples = {name: ([], []) for name in cases}
        for _ in range(rounds):
            for name, pair in cases.items():  # interleaved: drift hits every case alike
                for which, (environ, body) in enumerate(pair):
                    start = time.process_time()
                    for _ in range(calls):
                        code = call(app, environ, body)
                        assert code in (2, 413), (name, code)
                    samples[name][which].append((time.process_time() - start) / calls)
    results = {}
    for name, (empty, big) in samples.items():
        empty_us, big_us = statistics.median(empty) * 1e6, statistics.median(big) * 1e6
        results[name] = {"no body (us)": round(empty_us), "30 MiB (us)": round(big_us),
                         "ratio": round(big_us / empty_us, 2)}
    return results


def attacker(port: int, scheme: dict, stop, sent, size: int, pace: float) -> None:
    """Send a body of ``size`` bytes with a refused signature, again and again, until told to
    stop (a process of its own: the probe's timing shares no GIL with it)."""
    chunk = b"x" * MIB
    while not stop.is_set():
        started = time.monotonic()
        headers = {"Content-Type": scheme["type"], "Content-Length": str(size),
                   **scheme.get("headers", {})}
        if scheme.get("strict"):
            headers["Authorization"] = strict_header(b"")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.putrequest("POST", scheme["path"])
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
            for _ in range(size // MIB):
                connection.send(chunk)
            connection.getresponse().read()
        except OSError:
            pass  # the server answered and closed before the body was sent: as it should
        finally:
            connection.close()
            with sent.get_lock():
                sent.value += 1
        time.sleep(max(0.0, pace - (time.monotonic() - started)))


def latency(port: int, probes: int) -> float:
    """The median latency (ms) of a valid signed get_users."""
    times = []
    for _ in range(probes):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start = time.perf_counter()
        connection.request("GET", signed({"action": "get_users"}))
        answer = json.loads(connection.getresponse().read())
        times.append(time.perf_counter() - start)
        connection.close()
        assert answer["status"] == "ok", answer
        time.sleep(0.01)
    return statistics.median(times) * 1000


def attacked_latency(port: int, probes: int, size: int, pace: float) -> tuple[float, int]:
    """The probe's latency beside four attackers (one per scheme) sending bodies of ``size``."""
    stop, sent = multiprocessing.Event(), multiprocessing.Value("i", 0)
    chosen = [schemes()[name] for name in ("Taskgate-HMAC-SHA256", "Authorization: Admin",
                                           "md5 of the query", "user token")]
    attackers = [multiprocessing.Process(target=attacker,
                                         args=(port, scheme, stop, sent, size, pace))
                 for scheme in chosen]
    for process in attackers:
        process.start()
    time.sleep(0.5)
    try:
        return latency(port, probes), sent.value
    finally:
        stop.set()
        for process in attackers:
            process.join(timeout=60)


def under_attack(probes: int, pace: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        installed_app(url)
        port = free_port()
        server = serve("app:create_app()", port, server_env(url), str(ROOT),
                       Path(tmp, "gunicorn.log"))
        try:
            latency(port, 20)  # warm-up: both workers load their key cache and connections
            idle = latency(port, probes)
            empty, _ = attacked_latency(port, probes, 0, pace)
            attacked, sent = attacked_latency(port, probes, BIG, pace)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"idle (ms)": round(idle, 2), "beside 4 attackers, empty bodies (ms)": round(empty, 2),
            "beside 4 attackers, 30 MiB bodies (ms)": round(attacked, 2),
            "ratio": round(attacked / idle, 2), "ratio to empty bodies": round(attacked / empty, 2),
            "attacks sent": sent}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--probes", type=int, default=100)
    parser.add_argument("--pace", type=float, default=0.05)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results-preauth.json"))
    args = parser.parse_args()
    refused = refused_costs(args.rounds, args.calls)
    print(f"{'refused request, scheme':32} {'no body us':>11} {'30 MiB us':>10} {'x':>6}")
    for name, row in refused.items():
        print(f"{name:32} {row['no body (us)']:11,} {row['30 MiB (us)']:10,} {row['ratio']:6.2f}")
    attack = under_attack(args.probes, args.pace)
    print(f"valid get_users: {attack['idle (ms)']} ms idle, "
          f"{attack['beside 4 attackers, empty bodies (ms)']} ms beside four attackers sending "
          f"empty bodies, {attack['beside 4 attackers, 30 MiB bodies (ms)']} ms beside four "
          f"sending 30 MiB bodies: {attack['ratio']}x idle, {attack['ratio to empty bodies']}x "
          f"empty bodies ({attack['attacks sent']} attacks)")
    targets = {"refused with 30 MiB / without, each scheme": "<= 2x",
               "get_users beside 4 attackers / idle": "<= 2x"}
    met = {"refused": all(row["ratio"] <= 2 for row in refused.values()),
           "under attack": attack["ratio"] <= 2}
    results = {"machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
               "commit": commit(), "refused": refused, "under_attack": attack,
               "targets": targets, "met": met}
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")
    print(f"targets met: {met}; written to {args.out}")


def commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True)
    return done.stdout.strip()


if __name__ == "__main__":
    main()
