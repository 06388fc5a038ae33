"""Infisical fetch: `crane run -- true` with a warm token vs a minimal SDK script, in one run.

    python bench/infisical_fetch.py        # BENCH_RUNS=20 by default

Both sides are fresh processes against the same fake Infisical server (tests/fakes, started here
on 127.0.0.1), interleaved round by round (the order alternates), so disk caches and CPU noise hit
both alike. For each: median wall time per launch, p25/p75, and the HTTP requests the server saw
per launch (from its request log).

- crane: the full CLI, `crane run --venture <v> -- true`, credentials from
  INFISICAL_UNIVERSAL_AUTH_CLIENT_ID/SECRET, a file keyring (keyrings.alt PlaintextKeyring) and
  cache in a temporary HOME, so after the first launch the access token is cached (warm).
- minimal SDK script: what a user would write without crane (import infisical_sdk, log in,
  list, merge imports, exec `true` with the secrets in its environment). No token cache: it logs
  in every time, as the SDK does.

Scenarios (named in the output):
  A. a small folder (6 secrets), loopback, no added latency;
  B. the same with 40 ms injected before every response's headers (Fault.slow), i.e. one network
     round trip per HTTP request. TCP/TLS set-up is not modelled; it costs both sides the same
     (one connection per process);
  C. 1,000 secrets in a folder with 3 imports (one nested) and references (bulk_fixture),
     loopback: crane vs the 300 ms target, the minimal script as a reference, and the fake
     server's own time for that listing (a real server has its own).

Targets (issue): crane is not slower than the minimal script, and makes one HTTP request per
launch with a warm token; 1,000 secrets with imports and references fetched, merged and launched
in under 300 ms. Targets print PASS or OVER; the exit code is 0 whatever the numbers (1 only
when the bench cannot run at all, e.g. no `crane` next to this interpreter).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from _timing import run_timed, runs_from_env
from hook import parse_importtime, quantile

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO / "launcher"), str(REPO)]

from tests.fakes.infisical_server import (  # noqa: E402 (needs the repo on sys.path)
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PROJECT_ID,
    FakeInfisicalServer,
    Fault,
    bulk_fixture,
)
from tests.infisical.helpers import CLIENT_ID, CLIENT_SECRET, PROJECT, alpha_fixture  # noqa: E402

TIMEOUT = 60.0  # seconds, for any single process
WARMUP_ROUNDS = 2
LATENCY = 0.040  # seconds before every response in scenario B
BULK_TARGET_MS = 300.0
BULK_SECRETS = 1000

MINIMAL_SDK_SCRIPT = """\
import os
import sys

from infisical_sdk import InfisicalSDKClient

host, project_id, environment, path = sys.argv[1:5]
client = InfisicalSDKClient(host=host, cache_ttl=None)
client.auth.universal_auth.login(client_id=os.environ["INFISICAL_UNIVERSAL_AUTH_CLIENT_ID"],
                                 client_secret=os.environ["INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET"])
listing = client.secrets.list_secrets(environment_slug=environment, secret_path=path, project_id=project_id)


def pair(s):
    return (s["secretKey"], s["secretValue"]) if isinstance(s, dict) else (s.secretKey, s.secretValue)


env = dict(os.environ)
for imported in listing.imports:  # later imports win, the folder's own secrets win over all
    env.update(pair(s) for s in imported.secrets)
env.update(pair(s) for s in listing.secrets)
command = sys.argv[5:] or ["true"]
os.execvpe(command[0], command, env)
"""

# Prints the variables the child received, for the one-off correctness check before timing.
SHOW_ENV = "import json, os; print(json.dumps(dict(os.environ)))"


@dataclass
class Side:
    name: str
    argv: list[str]
    samples: list[float] = field(default_factory=list)
    requests: list[int] = field(default_factory=list)
    endpoints: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)


@dataclass
class Venture:
    code: str
    host: str
    project_id: str
    environment: str
    path: str
    client_id: str
    client_secret: str


def run_once(argv: Sequence[str], env: Mapping[str, str],
             capture: bool = False) -> tuple[float, int | str, bytes, bytes]:
    """(wall ms, exit code or "timeout", stdout (when captured), stderr) of one process."""
    return run_timed(argv, env=env, timeout=TIMEOUT, capture=capture, capture_stderr=True)


def run_counted(side: Side, server: FakeInfisicalServer, env: Mapping[str, str], keep: bool) -> None:
    before_total, before = server.count(), server.counts
    ms, code, _, err = run_once(side.argv, env)
    if not keep:
        return
    if code != 0:
        side.failures.append(f"exit {code}: {err.decode('utf-8', 'replace').strip()[-300:]}")
        return
    side.samples.append(ms)
    side.requests.append(server.count() - before_total)
    after = server.counts
    side.endpoints.update({k: after.get(k, 0) - before.get(k, 0) for k in after if after.get(k, 0) > before.get(k, 0)})


def compare(sides: tuple[Side, Side], server: FakeInfisicalServer, env: Mapping[str, str], runs: int) -> None:
    """Interleaved rounds; the order alternates so neither side always runs right after the other."""
    for rnd in range(WARMUP_ROUNDS + runs):
        for side in sides if rnd % 2 == 0 else sides[::-1]:
            run_counted(side, server, env, keep=rnd >= WARMUP_ROUNDS)


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_sides(sides: Sequence[Side]) -> None:
    width = max(len(s.name) for s in sides)
    print(f"  {'side':<{width}}  {'median ms':>9}  {'p25':>6}  {'p75':>6}  requests/launch")
    for s in sides:
        n = len(s.samples)
        per_run = {k: v / n for k, v in sorted(s.endpoints.items())} if n else {}
        detail = ", ".join(f"{k} x{v:g}" for k, v in per_run.items())
        req = f"{median(s.requests):g} ({detail})" if s.requests else "-"
        print(f"  {s.name:<{width}}  {median(s.samples):>9.1f}  {quantile(s.samples, 0.25):>6.1f}  "
              f"{quantile(s.samples, 0.75):>6.1f}  {req}")
        if s.failures:
            print(f"    {len(s.failures)} FAILED launches, e.g. {s.failures[0]}")


def verdicts(crane: Side, sdk: Side) -> None:
    if not crane.samples or not sdk.samples:
        print("  no successful launches to compare")
        return
    ratio = median(crane.samples) / median(sdk.samples)
    pairs = list(zip(crane.samples, sdk.samples, strict=False))
    faster = sum(1 for c, s in pairs if c <= s)
    diff = median([c - s for c, s in pairs])
    print(f"  crane / minimal script = {ratio:.2f} (median paired difference {diff:+.1f} ms; crane faster in "
          f"{faster}/{len(pairs)} rounds); target crane not slower: {'PASS' if ratio <= 1.0 else 'OVER'}")
    one = sum(1 for r in crane.requests if r == 1)
    print(f"  one HTTP request per crane launch with a warm token: {one}/{len(crane.requests)} launches; "
          f"{'PASS' if crane.requests and one == len(crane.requests) else 'OVER'}")


# ---------------------------------------------------------------------------------------------
# Setup


def write_profile(directory: Path, v: Venture) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{v.code}.toml").write_text(
        f'name = "Bench {v.code}"\n'
        "[api]\n"
        f'prod = "https://api.{v.code}.example"\n'
        "[secrets]\n"
        'provider = "infisical"\n'
        "[secrets.infisical]\n"
        f'host = "{v.host}"\n'
        f'project_id = "{v.project_id}"\n'
        f'prod_environment = "{v.environment}"\n'
        f'prod_path = "{v.path}"\n'
        "timeout = 10\n",
        encoding="utf-8",
    )


def session_env(tmp: Path, v: Venture) -> dict[str, str]:
    """A clean environment: crane's state, cache, keyring and profiles all under `tmp`."""
    proxies = {"http_proxy", "https_proxy", "all_proxy", "no_proxy"}
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("INFISICAL_", "CRANE_", "PYTHON")) and k.lower() not in proxies}
    env.update(
        HOME=str(tmp / "home"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_STATE_HOME=str(tmp / "state"),
        CRANE_STATE_DIR=str(tmp / "crane-state"),
        CRANE_PROFILES_DIR=str(tmp / "profiles"),
        PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
        INFISICAL_UNIVERSAL_AUTH_CLIENT_ID=v.client_id,
        INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET=v.client_secret,
    )
    return env


def sides_for(crane: str, script: Path, v: Venture) -> tuple[Side, Side]:
    return (
        Side("crane run (warm token)", [crane, "run", "--venture", v.code, "--", "true"]),
        Side("minimal SDK script", [sys.executable, str(script), v.host, v.project_id, v.environment, v.path]),
    )


def child_env(argv: Sequence[str], env: Mapping[str, str]) -> dict[str, str]:
    """The environment the launched child sees (argv must end where the child command goes)."""
    _, code, out, err = run_once([*argv, sys.executable, "-c", SHOW_ENV], env, capture=True)
    if code != 0:
        raise RuntimeError(f"launch failed (exit {code}): {err.decode('utf-8', 'replace').strip()[-400:]}")
    loaded = json.loads(out)
    return {str(k): str(val) for k, val in loaded.items()}


def cold_launch(crane: Side, server: FakeInfisicalServer, env: Mapping[str, str]) -> str:
    before = server.count()
    _, code, _, err = run_once(crane.argv, env)
    if code != 0:
        return f"FAILED (exit {code}): {err.decode('utf-8', 'replace').strip()[-300:]}"
    return f"{server.count() - before} requests (token not cached yet: login + list)"


def server_listing_time(v: Venture) -> tuple[float, int]:
    """Median time to first byte of the listing, and its size, straight from the fake server."""
    parts = urlsplit(v.host)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=TIMEOUT)
    try:
        body = json.dumps({"clientId": v.client_id, "clientSecret": v.client_secret})
        conn.request("POST", "/api/v1/auth/universal-auth/login", body, {"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["accessToken"]
        query = urlencode({"workspaceId": v.project_id, "environment": v.environment, "secretPath": v.path,
                           "viewSecretValue": "true", "expandSecretReferences": "true", "recursive": "false",
                           "include_imports": "true"})
        times, size = [], 0
        for _ in range(5):
            start = time.perf_counter()
            conn.request("GET", f"/api/v3/secrets/raw?{query}", headers={"Authorization": f"Bearer {token}"})
            response = conn.getresponse()
            times.append((time.perf_counter() - start) * 1000)
            size = len(response.read())
        return statistics.median(times), size
    finally:
        conn.close()


def import_diff(crane: Side, sdk: Side, env: Mapping[str, str], repeats: int = 3) -> None:
    """What `crane run` imports that the minimal script does not (-X importtime, median of `repeats`)."""
    def modules(argv: Sequence[str]) -> dict[str, tuple[int, str | None]]:
        cumulative: dict[str, list[int]] = {}
        parents: dict[str, str | None] = {}
        if argv[0] == sys.executable:
            argv = argv[1:]
        for _ in range(repeats):
            _, _, _, err = run_once([sys.executable, "-X", "importtime", *argv], env)
            for row in parse_importtime(err.decode("utf-8", "replace")):
                cumulative.setdefault(row.name, []).append(row.cumulative_us)
                parents.setdefault(row.name, row.parent)
        return {name: (int(statistics.median(us)), parents[name]) for name, us in cumulative.items()}

    ours = modules(crane.argv)
    theirs = modules(sdk.argv)
    extra = {name: data for name, data in ours.items() if name not in theirs}
    # Only the outermost extra modules (their children are in their cumulative time already).
    top = {name: data for name, data in extra.items() if data[1] not in extra}
    total = sum(us for us, _ in top.values())
    print(f"  imports only crane makes: {total / 1000:.1f} ms (-X importtime, median of {repeats}; inflated, compare "
          "the parts):")
    for name, (us, parent) in sorted(top.items(), key=lambda item: item[1][0], reverse=True)[:6]:
        print(f"    {us / 1000:6.1f} ms  {name}  ({f'imported by {parent}' if parent else 'top level'})")


# ---------------------------------------------------------------------------------------------
# Scenarios


def scenario_small(crane: str, script: Path, tmp: Path, runs: int) -> None:
    with FakeInfisicalServer(alpha_fixture()) as server:
        v = Venture("alpha", server.url, PROJECT, "prod", "/alpha", CLIENT_ID, CLIENT_SECRET)
        write_profile(tmp / "profiles", v)
        env = session_env(tmp, v)
        sides = sides_for(crane, script, v)
        print(f"\ncrane's first launch: {cold_launch(sides[0], server, env)}")
        seen = child_env(sides[0].argv[:-1], env)
        sdk_seen = child_env(sides[1].argv, env)
        ok = seen.get("API_KEY") == sdk_seen.get("API_KEY") == "prod-api-key"
        print(f"children received the secrets (API_KEY from both sides): {'yes' if ok else 'NO'}")

        print("\nA. 6 secrets, loopback, NO added latency")
        compare(sides, server, env, runs)
        print_sides(sides)
        verdicts(*sides)
        import_diff(*sides, env)

        fresh = sides_for(crane, script, v)
        server.inject("*", Fault.slow(LATENCY), times=None)
        try:
            print(f"\nB. 6 secrets, {LATENCY * 1000:.0f} ms ADDED before every response (one network round trip "
                  "per HTTP request)")
            compare(fresh, server, env, runs)
        finally:
            server.clear_faults()
        print_sides(fresh)
        verdicts(*fresh)


def scenario_bulk(crane: str, script: Path, tmp: Path, runs: int) -> None:
    fixture = bulk_fixture(BULK_SECRETS)
    with FakeInfisicalServer(fixture) as server:
        v = Venture("bulk", server.url, DEFAULT_PROJECT_ID, "dev", "/bench", DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET)
        write_profile(tmp / "profiles", v)
        env = session_env(tmp, v)
        sides = sides_for(crane, script, v)
        print(f"\nC. {BULK_SECRETS} secrets + 3 imports (one nested) + references, loopback, no added latency")
        print(f"  crane's first launch: {cold_launch(sides[0], server, env)}")
        seen = child_env(sides[0].argv[:-1], env)
        sdk_seen = child_env(sides[1].argv, env)
        folders = fixture["projects"][0]["secrets"]["dev"]  # the folder, its imports and the nested import
        expected = {key for secrets in folders.values() for key in secrets}
        ours = {k: val for k, val in seen.items() if k in expected}
        theirs = {k: val for k, val in sdk_seen.items() if k in expected}
        expanded = (ours.get("BENCH_0009") == "value-0008-local" and ours.get("BENCH_0019") == "prod-root-value-root"
                    and ours.get("BENCH_0029") == "value-0000-folder")
        print(f"  the child received {len(ours)} of the {len(expected)} variables of the folder and its imports "
              f"(same values as the minimal script: {'yes' if ours == theirs else 'NO'}; references expanded: "
              f"{'yes' if expanded else 'NO'})")
        ttfb, size = server_listing_time(v)
        print(f"  the fake server answers this listing in {ttfb:.1f} ms (time to first byte, in-process, median of 5; "
              f"body {size / 1024:.0f} KiB)")
        compare(sides, server, env, runs)
        print_sides(sides)
        crane_median = median(sides[0].samples)
        print(f"  crane: {crane_median:.1f} ms for fetch, merge and launch; target < {BULK_TARGET_MS:.0f} ms: "
              f"{'PASS' if crane_median < BULK_TARGET_MS else 'OVER'}")
        one = sum(1 for r in sides[0].requests if r == 1)
        print(f"  one HTTP request per crane launch with a warm token: {one}/{len(sides[0].requests)} launches")


def main() -> int:
    runs = runs_from_env(20)
    crane = shutil.which("crane", path=str(Path(sys.executable).parent)) or shutil.which("crane")
    if crane is None:
        print(f"no `crane` executable next to {sys.executable} or on PATH; install crane into this environment")
        return 1
    print(f"Infisical fetch, python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {runs} interleaved rounds per "
          f"scenario (+{WARMUP_ROUNDS} warm-up), a fresh process per launch")
    print(f"crane: {crane} run --venture <v> -- true (token cached in a file keyring after the first launch)")
    print("minimal SDK script: import infisical_sdk, log in, list, merge imports, exec true (logs in every time)")
    with tempfile.TemporaryDirectory(prefix="crane-bench-fetch-") as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "minimal_sdk.py"
        script.write_text(MINIMAL_SDK_SCRIPT, encoding="utf-8")
        try:
            scenario_small(crane, script, tmp / "small", runs)
            scenario_bulk(crane, script, tmp / "bulk", runs)
        except (RuntimeError, ValueError, KeyError, OSError) as exc:
            print(f"bench could not run: {type(exc).__name__}: {exc}")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
