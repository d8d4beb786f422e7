"""What a refused signature costs with a large body, as a ratio to one with no body, in one run.

    python bench/bench_security.py [--rounds 5] [--calls 40]

The security target: a refused signature with a 1 MiB body costs at most 5x a refused one
with no body (before, a 2.8 MiB unsigned form took 19 s of a worker). Interleaved rounds of
CPU time per request through the Flask test client, the median of the rounds reported:

- no body: ``GET ?action=add_user&hash=<wrong>``
- 1 MiB form / JSON body beside a wrong hash in the query (the documented form: the body is
  not read before the signature is refused)
- 1 MiB form with a wrong hash inside it: a body read before authentication is bounded
  (``MAX_BODY_BEFORE_AUTH``, 256 KiB), so it is refused (413) on its Content-Length
- 200 KiB form with a wrong hash inside it: under the bound, parsed and hashed once
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import installed_app  # noqa: E402

WRONG = "0" * 32
MIB = 1024 * 1024
QUERY = f"/api/admin/v2/?action=add_user&email=a%40b.co&hash={WRONG}"


def targets(client) -> dict:
    form = "text=" + "x" * (MIB - 5)
    json_body = json.dumps({"text": "x" * (MIB - 12)})
    signed_form = f"action=add_user&email=a%40b.co&text={'x' * (MIB - 80)}&hash={WRONG}"
    small_form = f"action=add_user&email=a%40b.co&text={'x' * (200 * 1024)}&hash={WRONG}"
    return {
        "refused, no body": lambda: client.get(QUERY),
        "refused, 1 MiB form beside the query's hash": lambda: client.post(
            QUERY, data=form, content_type="application/x-www-form-urlencoded"),
        "refused, 1 MiB JSON beside the query's hash": lambda: client.post(
            QUERY, data=json_body, content_type="application/json"),
        "refused, 1 MiB form with the hash inside": lambda: client.post(
            "/api/admin/v2/", data=signed_form,
            content_type="application/x-www-form-urlencoded"),
        "refused, 200 KiB form with the hash inside": lambda: client.post(
            "/api/admin/v2/", data=small_form, content_type="application/x-www-form-urlencoded"),
    }


def cpu_per_call(call, calls: int) -> float:
    start = time.process_time()
    for _ in range(calls):
        response = call()
        assert response.get_json()["status_code"] in (2, 413), response.get_json()
    return (time.process_time() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = installed_app(f"sqlite:///{tmp}/bench.sqlite")
        cases = targets(app.test_client())
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(args.rounds):
            for name, call in cases.items():  # interleaved: drift hits every case alike
                samples[name].append(cpu_per_call(call, args.calls))
    base = statistics.median(samples["refused, no body"])
    print(f"{'case':48} {'CPU us/request':>15} {'x no body':>10}")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"{name:48} {median * 1e6:15,.0f} {median / base:10.2f}")


if __name__ == "__main__":
    main()
