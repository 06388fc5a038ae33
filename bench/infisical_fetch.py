"""Benchmark: a crane fetch with a warm token vs the plain SDK (import, login, list).

    PYTHONPATH=launcher:. NO_PROXY=127.0.0.1,localhost python bench/infisical_fetch.py [runs]

Both sides run as fresh processes against the same fake server (started here, on 127.0.0.1),
interleaved, so disk caches and CPU noise hit both equally. Reports medians of wall time per
process and the server's request count per run. Not collected by pytest (no test_ prefix).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "launcher"), str(REPO)]

from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET, PROJECT, running, write_profile  # noqa: E402

CRANE = """
import sys
from crane.resolve import Request, resolve
from crane.secrets import fetch_secrets
res = resolve(Request(env_flag="prod", venture_flag="alpha", profiles_dir=sys.argv[1]))
assert fetch_secrets(res).secrets
"""

PLAIN_SDK = """
import sys
from infisical_sdk import InfisicalSDKClient
client = InfisicalSDKClient(host=sys.argv[1], cache_ttl=None)
client.auth.universal_auth.login(client_id=sys.argv[2], client_secret=sys.argv[3])
listing = client.secrets.list_secrets(environment_slug="prod", secret_path="/alpha", project_id=sys.argv[4])
assert listing.secrets
"""


def _run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", *args], env=env, check=True)
    return time.perf_counter() - start


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    server = running()
    tmp = Path(tempfile.mkdtemp(prefix="crane-bench-"))
    profiles = write_profile(tmp / "profiles", server.url)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INFISICAL_", "CRANE_"))}
    env.update({
        "PYTHONPATH": os.pathsep.join([str(REPO / "launcher"), str(REPO)]),
        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
        "XDG_DATA_HOME": str(tmp / "data"), "XDG_CACHE_HOME": str(tmp / "cache"),
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "INFISICAL_UNIVERSAL_AUTH_CLIENT_ID": CLIENT_ID,
        "INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET": CLIENT_SECRET,
    })
    try:
        _run([CRANE, str(profiles)], env)  # warm the token cache (and the OS file cache)
        _run([PLAIN_SDK, server.url, CLIENT_ID, CLIENT_SECRET, PROJECT], env)
        crane_times, sdk_times, crane_requests, sdk_requests = [], [], [], []
        for _ in range(runs):
            before = server.count()
            crane_times.append(_run([CRANE, str(profiles)], env))
            crane_requests.append(server.count() - before)
            before = server.count()
            sdk_times.append(_run([PLAIN_SDK, server.url, CLIENT_ID, CLIENT_SECRET, PROJECT], env))
            sdk_requests.append(server.count() - before)
    finally:
        server.stop()
    print(f"runs: {runs} each, interleaved, fresh process per run, python {sys.version.split()[0]}")
    print(f"crane fetch, warm token : median {statistics.median(crane_times) * 1000:.0f} ms "
          f"(min {min(crane_times) * 1000:.0f}, max {max(crane_times) * 1000:.0f}); "
          f"requests/run {statistics.median(crane_requests):g}")
    print(f"plain SDK login + list  : median {statistics.median(sdk_times) * 1000:.0f} ms "
          f"(min {min(sdk_times) * 1000:.0f}, max {max(sdk_times) * 1000:.0f}); "
          f"requests/run {statistics.median(sdk_requests):g}")


if __name__ == "__main__":
    main()
