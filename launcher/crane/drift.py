"""`crane drift`: how a venture's staging secrets differ from production, without showing values.

The question it answers is isolation: a staging secret whose value is IDENTICAL to production's
(the same database password, the same payment key) means a staging session holds production
power. Keys present on one side only are drift worth knowing about; keys listed in the profile's
`[secrets] shared_keys` are expected to be equal and are reported apart, never as a breach.
Empty values carry nothing to leak and are reported apart too.

Values are compared, never shown: each is fingerprinted with HMAC-SHA256 under a random key made
for this run only. Fingerprints therefore match inside one report (equal values, equal prints)
but cannot be matched against another run's, nor brute-forced offline from a pasted report,
because the key never leaves the process. Only a 12-hex-digit prefix is reported.

The CLI (written elsewhere) prints the report and exits 1 when `report.breach` is true.
Works for every provider, through `crane.secrets.get_provider`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as _random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from crane.envname import DEV, PROD
from crane.errors import FallbackRefused, SecretsError, UsageError
from crane.secrets import get_provider
from crane.secrets.base import FetchOptions, FetchResult, Provider

if TYPE_CHECKING:
    from crane.resolve import Resolution

FINGERPRINT_CHARS = 12


@dataclass(frozen=True)
class Fingerprints:
    production: str | None  # None: key absent there
    staging: str | None


@dataclass(frozen=True)
class DriftReport:
    venture: str
    production_source: str  # SecretsTarget.describe() of each side
    staging_source: str
    only_in_production: tuple[str, ...]
    only_in_staging: tuple[str, ...]
    identical: tuple[str, ...]  # THE BREACHES: same non-empty value, not a shared key
    different: tuple[str, ...]  # in both, values differ (the healthy case)
    shared_identical: tuple[str, ...]  # in shared_keys, equal as expected
    shared_different: tuple[str, ...]  # in shared_keys, but the values differ
    identical_empty: tuple[str, ...]  # equal because both are empty: nothing to leak
    missing_required: Mapping[str, tuple[str, ...]]  # "production"/"staging" -> required keys absent
    fingerprints: Mapping[str, Fingerprints] = field(repr=False)
    notes: tuple[str, ...] = ()  # provider notes from both fetches (never values)

    @property
    def breach(self) -> bool:
        return bool(self.identical)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for `crane drift --json`."""
        return {
            "venture": self.venture,
            "production_source": self.production_source,
            "staging_source": self.staging_source,
            "breach": self.breach,
            "identical": list(self.identical),
            "only_in_production": list(self.only_in_production),
            "only_in_staging": list(self.only_in_staging),
            "different": list(self.different),
            "shared_identical": list(self.shared_identical),
            "shared_different": list(self.shared_different),
            "identical_empty": list(self.identical_empty),
            "missing_required": {k: list(v) for k, v in self.missing_required.items()},
            "fingerprints": {k: {"production": v.production, "staging": v.staging}
                             for k, v in sorted(self.fingerprints.items())},
            "notes": list(self.notes),
        }


def drift(
    venture: str,
    *,
    profiles_dir: str | None = None,
    environ: Mapping[str, str] | None = None,
    options: FetchOptions | None = None,
    provider_for: Callable[[str], Provider] = get_provider,
) -> DriftReport:
    """Fetch production and staging for `venture` and compare them (see module docstring).

    Raises UsageError when the venture has no staging configured, SecretsError when a fetch
    fails or Infisical has no staging folder (there is no fallback here: comparing production
    with itself would prove nothing).
    """
    from crane.resolve import Request, resolve

    opts = options or FetchOptions()
    prod = resolve(Request(env_flag=PROD, venture_flag=venture, profiles_dir=profiles_dir, environ=environ,
                           no_fallback=True))
    gaps = prod.profile.staging_gaps()
    if gaps:
        raise UsageError(f"venture {prod.venture} has no staging to compare with production: {'; '.join(gaps)}",
                         f"configure staging in {prod.profile.path} first")
    staging = resolve(Request(env_flag=DEV, venture_flag=venture, profiles_dir=profiles_dir, environ=environ,
                              no_fallback=True))
    prod_result = _fetch(provider_for, prod, opts)
    staging_result = _fetch(provider_for, staging, opts)
    if staging_result.resolution.effective_env != DEV:  # a provider must not fall back here
        raise SecretsError(f"venture {venture}: staging secrets were not fetched from staging")
    return compare(prod_result, staging_result)


def _fetch(provider_for: Callable[[str], Provider], res: Resolution, options: FetchOptions) -> FetchResult:
    try:
        return provider_for(res.secrets.provider).fetch(res, options)
    except FallbackRefused as exc:
        # Raised by fall_back_to_production(): the staging source turned out to be missing.
        raise SecretsError(f"venture {res.venture}: staging secrets not found: {exc.message}",
                           "create the staging folder/file, then run crane drift again") from None


def compare(production: FetchResult, staging: FetchResult, key: bytes | None = None) -> DriftReport:
    """The pure comparison; `key` is for tests only (default: fresh random bytes per call)."""
    hmac_key = key if key is not None else _random.token_bytes(32)
    profile = production.resolution.profile
    shared = set(profile.shared_keys)

    def digest(value: str) -> bytes:
        return hmac.new(hmac_key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).digest()

    prod_digests = {k: digest(v) for k, v in production.secrets.items()}
    staging_digests = {k: digest(v) for k, v in staging.secrets.items()}
    both = sorted(prod_digests.keys() & staging_digests.keys())
    groups: dict[str, list[str]] = {name: [] for name in
                                    ("identical", "different", "shared_identical", "shared_different",
                                     "identical_empty")}
    for name in both:
        same = hmac.compare_digest(prod_digests[name], staging_digests[name])
        if name in shared:
            groups["shared_identical" if same else "shared_different"].append(name)
        elif not same:
            groups["different"].append(name)
        elif production.secrets[name] == "":
            groups["identical_empty"].append(name)
        else:
            groups["identical"].append(name)
    fingerprints = {
        name: Fingerprints(
            prod_digests[name].hex()[:FINGERPRINT_CHARS] if name in prod_digests else None,
            staging_digests[name].hex()[:FINGERPRINT_CHARS] if name in staging_digests else None,
        )
        for name in prod_digests.keys() | staging_digests.keys()
    }
    missing = {
        "production": tuple(k for k in profile.required if k not in production.secrets),
        "staging": tuple(k for k in profile.required if k not in staging.secrets),
    }
    return DriftReport(
        venture=production.resolution.venture,
        production_source=production.resolution.secrets.describe(),
        staging_source=staging.resolution.secrets.describe(),
        only_in_production=tuple(sorted(prod_digests.keys() - staging_digests.keys())),
        only_in_staging=tuple(sorted(staging_digests.keys() - prod_digests.keys())),
        identical=tuple(groups["identical"]),
        different=tuple(groups["different"]),
        shared_identical=tuple(groups["shared_identical"]),
        shared_different=tuple(groups["shared_different"]),
        identical_empty=tuple(groups["identical_empty"]),
        missing_required={k: v for k, v in missing.items() if v},
        fingerprints=fingerprints,
        notes=(*production.notes, *staging.notes),
    )
