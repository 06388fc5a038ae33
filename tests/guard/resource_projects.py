"""Projects on disk for the resource-naming tests: production resources in wrangler configs."""

from __future__ import annotations

from pathlib import Path

from crane.guard.rules.config import GuardConfig

# The profile adds identifiers of its own (any tool), and Pages deploys from `main`.
RESOURCE_CONFIG = GuardConfig(
    production_urls=("https://api.example.com",),
    staging_urls=("https://staging.example.com",),
    production_resources=("payments-stack", "shop-prod", "orders-db", "cdn-prod-bucket", "shop-live"),
)

SHOP = """\
name = "shop-dev"

[[d1_databases]]
binding = "DB"
database_name = "shop-db-dev"
database_id = "0000dev-db"

[[r2_buckets]]
binding = "ASSETS"
bucket_name = "shop-assets-dev"

[[kv_namespaces]]
binding = "KV"
id = "devkv0000"

[[queues.producers]]
binding = "JOBS"
queue = "jobs-dev"

[env.production]
name = "shop"

[[env.production.d1_databases]]
binding = "DB"
database_name = "shop-db"
database_id = "9999prod-db"

[[env.production.r2_buckets]]
binding = "ASSETS"
bucket_name = "shop-assets"

[[env.production.kv_namespaces]]
binding = "KV"
id = "prodkv9999"

[[env.production.queues.producers]]
binding = "JOBS"
queue = "jobs"

[[env.production.queues.consumers]]
queue = "orders"

[env.staging]
name = "shop-staging"

[[env.staging.d1_databases]]
binding = "DB"
database_name = "shop-db-staging"
database_id = "1111stage-db"

[[env.staging.kv_namespaces]]
binding = "KV"
id = "stagekv1111"

# A misconfigured environment: it deploys the production worker and binds production data.
[env.qa]
name = "shop"

[[env.qa.d1_databases]]
binding = "DB"
database_name = "shop-db"
database_id = "9999prod-db"

[[env.qa.kv_namespaces]]
binding = "KV"
id = "prodkv9999"
"""

# No production environment: the top level is production.
BLOG = """\
name = "blog"

[[d1_databases]]
binding = "DB"
database_name = "blog-db"
database_id = "blog-db-id"

[[r2_buckets]]
binding = "MEDIA"
bucket_name = "blog-media"

[[kv_namespaces]]
binding = "CACHE"
id = "blogcache1"

[env.staging]
[[env.staging.r2_buckets]]
binding = "MEDIA"
bucket_name = "blog-media-staging"

[[env.staging.kv_namespaces]]
binding = "CACHE"
id = "blogcache-staging"
"""

SITE_JSONC = """\
{
  // the API worker; production has its own name
  "name": "site-dev",
  "env": {
    "production": {
      /* no name: wrangler calls it site-dev-production */
      "r2_buckets": [{ "binding": "B", "bucket_name": "site-files", },],
      "d1_databases": [{ "binding": "DB", "database_name": "site-db", "database_id": "site-db-id" }],
    },
    "staging": { "name": "site-staging" },
  },
}
"""


def _git(root: Path, head: str, *, worktree: bool = False) -> None:
    if worktree:
        gitdir = root / "real-gitdir"
        gitdir.mkdir(parents=True, exist_ok=True)
        (gitdir / "HEAD").write_text(head)
        (root / ".git").write_text("gitdir: real-gitdir\n")
        return
    (root / ".git").mkdir(parents=True, exist_ok=True)
    (root / ".git" / "HEAD").write_text(head)


def make_resource_projects(root: Path) -> dict[str, Path]:
    names = ("shop", "blog", "site", "nogit", "main", "feature", "detached", "worktree", "generated", "huge",
             "unparsable")
    dirs = {name: root / name for name in names}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["shop"] / "wrangler.toml").write_text(SHOP)
    (dirs["blog"] / "wrangler.toml").write_text(BLOG)
    (dirs["site"] / "wrangler.jsonc").write_text(SITE_JSONC)
    _git(dirs["main"], "ref: refs/heads/main\n")
    _git(dirs["feature"], "ref: refs/heads/feature/login\n")
    _git(dirs["detached"], "3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a\n")
    _git(dirs["worktree"], "ref: refs/heads/preview\n", worktree=True)
    (dirs["generated"] / "wrangler.toml").write_text('name = "gen-dev"\n[env.production]\nname = "gen"\n')
    (dirs["generated"] / ".wrangler" / "deploy").mkdir(parents=True)
    (dirs["generated"] / ".wrangler" / "deploy" / "config.json").write_text('{"configPath": "../../dist/w.json"}')
    (dirs["huge"] / "wrangler.json").write_text('{"name": "x", "pad": "' + "a" * (3 * 1024 * 1024) + '"}')
    (dirs["unparsable"] / "wrangler.toml").write_text('name = "x"\n[env.production\n')
    return dirs
