"""Production resources by name: a write that names one targets production whatever `--env` says.

(command, kind, target, rule, project); projects come from tests/guard/resource_projects.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crane.guard.rules.config import parse_guard_table
from crane.guard.see.classify import classify
from crane.guard.see.resources import production_identifiers, profile_mention
from crane.guard.see.wrangler import read_config
from tests.guard.resource_projects import RESOURCE_CONFIG, SHOP, make_resource_projects

R, L, X = "read", "local_write", "external_write"
PROD, STAG, LOCAL, UNK = "production", "staging", "local", "unknown"

CORPUS: list[tuple[str, str, str, str | None, str]] = [
    # --- the worker, by --name, by a positional, or by the environment's own name -------------
    ("wrangler deploy --env staging --name shop", X, PROD, "wrangler.deploy", "shop"),
    ("wrangler deploy --name=shop", X, PROD, "wrangler.deploy", "shop"),
    ("wrangler deploy --name SHOP -e staging", X, PROD, "wrangler.deploy", "shop"),
    ("npx wrangler deploy --name shop --env staging", X, PROD, "wrangler.deploy", "shop"),
    ("CLOUDFLARE_ENV=staging wrangler deploy --name shop", X, PROD, "wrangler.deploy", "shop"),
    ("bash -c 'wrangler deploy --name shop -e staging'", X, PROD, "wrangler.deploy", "shop"),
    ("wrangler deploy --name shop-staging --env staging", X, STAG, "wrangler.deploy", "shop"),
    ("wrangler deploy -e staging", X, STAG, "wrangler.deploy", "shop"),
    ("wrangler deploy", X, STAG, "wrangler.deploy", "shop"),
    ("wrangler deploy --env qa", X, PROD, "wrangler.deploy", "shop"),
    ("CLOUDFLARE_ENV=qa wrangler versions upload", X, PROD, "wrangler.versions.upload", "shop"),
    ("wrangler versions upload --name shop", X, PROD, "wrangler.versions.upload", "shop"),
    ("wrangler versions deploy v1@100% --name shop -y", X, PROD, "wrangler.versions.deploy", "shop"),
    ("wrangler rollback --name shop -e staging", X, PROD, "wrangler.rollback", "shop"),
    ("wrangler delete shop", X, PROD, "wrangler.delete", "shop"),
    ("wrangler delete --name shop --env staging", X, PROD, "wrangler.delete", "shop"),
    ("wrangler delete shop-staging --env staging", X, STAG, "wrangler.delete", "shop"),
    ("wrangler triggers deploy --name shop", X, PROD, "wrangler.triggers.deploy", "shop"),
    ("wrangler secret put TOKEN --name shop --env staging", X, PROD, "wrangler.secret.put", "shop"),
    ("echo v | wrangler secret put TOKEN --name=shop", X, PROD, "wrangler.secret.put", "shop"),
    ("wrangler secret delete TOKEN --name shop-staging", X, STAG, "wrangler.secret.delete", "shop"),
    ("wrangler secret bulk s.json --name shop -e staging", X, PROD, "wrangler.secret.bulk", "shop"),
    ("wrangler versions secret put TOKEN --name shop", X, PROD, "wrangler.secret.put", "shop"),
    ("wrangler deploy --env staging --name \"$WORKER\"", X, PROD, "wrangler.deploy", "shop"),
    ("wrangler d1 delete \"$DB\"", X, PROD, "wrangler.d1.delete", "shop"),
    ("wrangler r2 bucket delete \"$BUCKET\"", X, PROD, "wrangler.r2.bucket", "shop"),
    ("wrangler d1 create \"$DB\"", X, UNK, "wrangler.d1.create", "shop"),
    ("wrangler r2 object put \"shop-assets/$KEY\" --file f --remote --env staging", X, PROD, "wrangler.r2.object.put",
     "shop"),
    ("wrangler r2 object put \"shop-assets-dev/$KEY\" --file f --remote", X, STAG, "wrangler.r2.object.put", "shop"),
    ("wrangler kv key put k v --namespace-id \"$NS\" --remote --env staging", X, PROD, "wrangler.kv.key.put", "shop"),
    # --- R2 buckets ---------------------------------------------------------------------------
    ("wrangler r2 object put shop-assets/img.png --file a.png --remote --env staging", X, PROD,
     "wrangler.r2.object.put", "shop"),
    ("wrangler r2 object put shop-assets/a/b/c.txt --file c.txt --remote", X, PROD, "wrangler.r2.object.put", "shop"),
    ("wrangler r2 object put shop-assets-dev/img.png --file a.png --remote", X, STAG, "wrangler.r2.object.put",
     "shop"),
    ("wrangler r2 object delete shop-assets/k --remote -e staging", X, PROD, "wrangler.r2.object.delete", "shop"),
    ("wrangler r2 object delete shop-assets-dev/k --remote -e staging", X, STAG, "wrangler.r2.object.delete",
     "shop"),
    ("wrangler r2 bulk put shop-assets --filename list.json --remote", X, PROD, "wrangler.r2.bulk.put", "shop"),
    ("wrangler r2 bucket delete shop-assets", X, PROD, "wrangler.r2.bucket", "shop"),
    ("wrangler r2 bucket delete shop-assets-dev", X, UNK, "wrangler.r2.bucket", "shop"),
    ("wrangler r2 bucket cors set shop-assets --file cors.json", X, PROD, "wrangler.r2.bucket", "shop"),
    ("wrangler r2 object put shop-assets/k --file f", L, LOCAL, "wrangler.r2.object.put", "shop"),
    ("wrangler r2 object get shop-assets/k --remote", R, LOCAL, None, "shop"),
    ("wrangler r2 bucket list", R, LOCAL, None, "shop"),
    # --- KV namespaces ----------------------------------------------------------------------------
    ("wrangler kv key put k v --namespace-id prodkv9999 --remote --env staging", X, PROD, "wrangler.kv.key.put",
     "shop"),
    ("wrangler kv key put k v --namespace-id=prodkv9999 --remote", X, PROD, "wrangler.kv.key.put", "shop"),
    ("wrangler kv key put k v --namespace-id stagekv1111 --remote --env staging", X, STAG, "wrangler.kv.key.put",
     "shop"),
    ("wrangler kv key delete k --namespace-id PRODKV9999 --remote", X, PROD, "wrangler.kv.key.delete", "shop"),
    ("wrangler kv bulk put d.json --namespace-id prodkv9999 --remote -e staging", X, PROD, "wrangler.kv.bulk.put",
     "shop"),
    ("wrangler kv bulk delete keys.json --namespace-id prodkv9999 --remote", X, PROD, "wrangler.kv.bulk.delete",
     "shop"),
    ("wrangler kv namespace delete --namespace-id prodkv9999", X, PROD, "wrangler.kv.namespace", "shop"),
    ("wrangler kv key put k v --binding KV --remote --env qa", X, PROD, "wrangler.kv.key.put", "shop"),
    ("wrangler kv key put k v --binding KV --remote --env staging", X, STAG, "wrangler.kv.key.put", "shop"),
    ("wrangler kv key get k --namespace-id prodkv9999 --remote", R, LOCAL, None, "shop"),
    ("wrangler kv key put k v --namespace-id prodkv9999", L, LOCAL, "wrangler.kv.key.put", "shop"),
    # --- D1 databases ---------------------------------------------------------------------------
    ("wrangler d1 delete shop-db", X, PROD, "wrangler.d1.delete", "shop"),
    ("wrangler d1 delete shop-db -y", X, PROD, "wrangler.d1.delete", "shop"),
    ("wrangler d1 delete shop-db-dev", X, UNK, "wrangler.d1.delete", "shop"),
    ("wrangler d1 execute shop-db --remote --command 'DELETE FROM users' --env staging", X, PROD,
     "wrangler.d1.execute", "shop"),
    ("wrangler d1 execute DB --remote --command 'DELETE FROM t' --env qa", X, PROD, "wrangler.d1.execute", "shop"),
    ("wrangler d1 execute DB --remote --command 'DELETE FROM t' --env staging", X, STAG, "wrangler.d1.execute",
     "shop"),
    ("wrangler d1 execute 9999prod-db --remote --file x.sql -e staging", X, PROD, "wrangler.d1.execute", "shop"),
    ("wrangler d1 migrations apply shop-db --remote -e staging", X, PROD, "wrangler.d1.migrations.apply", "shop"),
    ("wrangler d1 migrations apply DB --remote --env qa", X, PROD, "wrangler.d1.migrations.apply", "shop"),
    ("wrangler d1 time-travel restore shop-db --timestamp 1700000000 --env staging", X, PROD,
     "wrangler.d1.time-travel.restore", "shop"),
    ("wrangler d1 execute shop-db --remote --command 'SELECT 1'", R, LOCAL, None, "shop"),
    ("wrangler d1 execute shop-db --command 'DELETE FROM t'", L, LOCAL, "wrangler.d1.execute", "shop"),
    ("wrangler d1 list", R, LOCAL, None, "shop"),
    # --- queues ----------------------------------------------------------------------------------
    ("wrangler queues delete jobs", X, PROD, "wrangler.queues", "shop"),
    ("wrangler queues delete jobs-dev", X, UNK, "wrangler.queues", "shop"),
    ("wrangler queues consumer add orders shop-staging", X, PROD, "wrangler.queues", "shop"),
    ("wrangler queues purge jobs --force", X, PROD, "wrangler.queues", "shop"),
    ("wrangler queues pause-delivery jobs", X, PROD, "wrangler.queues", "shop"),
    ("wrangler queues list", R, LOCAL, None, "shop"),
    # --- a config whose top level is production -----------------------------------------------------
    ("wrangler deploy --env staging --name blog", X, PROD, "wrangler.deploy", "blog"),
    ("wrangler deploy --env staging", X, STAG, "wrangler.deploy", "blog"),
    ("wrangler d1 delete blog-db", X, PROD, "wrangler.d1.delete", "blog"),
    ("wrangler d1 execute blog-db --remote --command 'DROP TABLE x' --env staging", X, PROD, "wrangler.d1.execute",
     "blog"),
    ("wrangler r2 object put blog-media/a.jpg --remote --env staging --file a.jpg", X, PROD, "wrangler.r2.object.put",
     "blog"),
    ("wrangler r2 object put blog-media-staging/a.jpg --remote --env staging --file a.jpg", X, STAG,
     "wrangler.r2.object.put", "blog"),
    ("wrangler kv key put a b --binding CACHE --remote --env staging", X, STAG, "wrangler.kv.key.put", "blog"),
    ("wrangler kv key put a b --namespace-id blogcache1 --remote --env staging", X, PROD, "wrangler.kv.key.put",
     "blog"),
    # --- JSONC, and a production environment without its own name -----------------------------------
    ("wrangler deploy --name site-dev-production --env staging", X, PROD, "wrangler.deploy", "site"),
    ("wrangler r2 object put site-files/x --remote --env staging --file x", X, PROD, "wrangler.r2.object.put", "site"),
    ("wrangler d1 delete site-db", X, PROD, "wrangler.d1.delete", "site"),
    ("wrangler deploy --env staging", X, STAG, "wrangler.deploy", "site"),
    ("wrangler deploy", X, STAG, "wrangler.deploy", "site"),
    # --- configs the guard cannot use ------------------------------------------------------------------
    ("wrangler deploy --env staging", X, PROD, "wrangler.deploy", "generated"),
    ("wrangler versions upload -e staging", X, PROD, "wrangler.versions.upload", "generated"),
    ("wrangler d1 migrations apply DB --remote --env staging", X, PROD, "wrangler.d1.migrations.apply", "generated"),
    ("wrangler deploy --env staging", X, PROD, "wrangler.deploy", "huge"),
    ("wrangler deploy --env staging", X, PROD, "wrangler.deploy", "unparsable"),
    ("wrangler kv key put k v --binding KV --remote -e staging", X, PROD, "wrangler.kv.key.put", "unparsable"),
    ("wrangler d1 create scratch-db", X, UNK, "wrangler.d1.create", "unparsable"),
    # --- Pages: the production branch ---------------------------------------------------------------------
    ("wrangler pages deploy dist --project-name site --branch main", X, PROD, "wrangler.pages.deploy", "main"),
    ("wrangler pages deploy dist --branch=main", X, PROD, "wrangler.pages.deploy", "feature"),
    ("npx wrangler pages deploy ./out --branch main --commit-dirty=true", X, PROD, "wrangler.pages.deploy", "nogit"),
    ("wrangler pages deployment create dist --branch main", X, PROD, "wrangler.pages.deploy", "nogit"),
    ("wrangler pages deploy dist --branch staging", X, UNK, "wrangler.pages.deploy", "main"),
    ("wrangler pages deploy dist --branch $BRANCH", X, PROD, "wrangler.pages.deploy", "feature"),
    ("wrangler pages deploy dist", X, PROD, "wrangler.pages.deploy", "main"),
    ("wrangler pages deploy dist --project-name site", X, PROD, "wrangler.pages.deploy", "nogit"),
    ("wrangler pages deploy dist", X, PROD, "wrangler.pages.deploy", "detached"),
    ("wrangler pages deploy dist", X, UNK, "wrangler.pages.deploy", "feature"),
    ("wrangler pages deploy dist", X, UNK, "wrangler.pages.deploy", "worktree"),
    ("cd ../main && wrangler pages deploy dist", X, PROD, "wrangler.pages.deploy", "feature"),
    ("wrangler pages deploy dist --branch main --env staging", X, PROD, "wrangler.pages.deploy", "feature"),
    # --- the profile's own production resources, any tool ----------------------------------------------
    ("wrangler r2 object put cdn-prod-bucket/a --remote --env staging --file a", X, PROD, "wrangler.r2.object.put",
     "nogit"),
    ("wrangler deploy --name shop-live --env staging", X, PROD, "wrangler.deploy", "nogit"),
    ("aws s3 rm s3://cdn-prod-bucket/k", X, PROD, "aws.s3.write", "nogit"),
    ("aws s3 cp f.txt s3://cdn-prod-bucket-copy/", X, UNK, "aws.s3.write", "nogit"),
    ("kubectl --context shop-prod delete pod web-1", X, PROD, "kubectl.delete", "nogit"),
    ("fly deploy --app shop-live", X, PROD, "fly.deploy", "nogit"),
    ("fly deploy --app shop-live-canary", X, UNK, "fly.deploy", "nogit"),
    ("gh api -X POST repos/o/shop-prod/dispatches", X, PROD, "gh.api", "nogit"),
]


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_resource_projects(tmp_path_factory.mktemp("resources"))


@pytest.mark.parametrize(("command", "kind", "target", "rule", "project"), CORPUS,
                         ids=[f"{c[4]}:{c[0][:60]}" for c in CORPUS])
def test_resource_corpus(
    projects: dict[str, Path], command: str, kind: str, target: str, rule: str | None, project: str
) -> None:
    result = classify("Bash", {"command": command}, cwd=str(projects[project]), config=RESOURCE_CONFIG, environ={})
    assert (result.kind, result.target, result.rule) == (kind, target, rule), result.reason


def test_corpus_size() -> None:
    assert len(CORPUS) >= 100
    assert len({(c[0], c[4]) for c in CORPUS}) == len(CORPUS)


def test_reason_names_the_resource(projects: dict[str, Path]) -> None:
    result = classify("Bash", {"command": "wrangler d1 delete shop-db"}, cwd=str(projects["shop"]),
                      config=RESOURCE_CONFIG, environ={})
    assert "production D1 database shop-db" in result.reason


def test_inherited_cloudflare_env_with_production_worker(projects: dict[str, Path]) -> None:
    result = classify("Bash", {"command": "wrangler deploy"}, cwd=str(projects["shop"]), config=RESOURCE_CONFIG,
                      environ={"CLOUDFLARE_ENV": "qa"})
    assert result.target == PROD


def test_pages_production_branch_from_the_profile(projects: dict[str, Path]) -> None:
    config = RESOURCE_CONFIG.replace(pages_production_branch="release")
    for command, target in (("wrangler pages deploy dist --branch main", UNK),
                            ("wrangler pages deploy dist --branch release", PROD),
                            ("wrangler pages deploy dist", UNK)):
        result = classify("Bash", {"command": command}, cwd=str(projects["main"]), config=config, environ={})
        assert result.target == target, (command, result.reason)


def test_identifiers_from_the_config(tmp_path: Path) -> None:
    path = tmp_path / "wrangler.toml"
    path.write_text(SHOP)
    document = read_config(str(path))
    assert document is not None
    found = production_identifiers(document, RESOURCE_CONFIG)
    assert set(found) == {"shop", "shop-db", "9999prod-db", "shop-assets", "prodkv9999", "jobs", "orders"}


def test_guard_table_keys() -> None:
    config = parse_guard_table({"production_resources": ["a", "b"], "pages_production_branch": "prod"}, "p.toml")
    assert config.production_resources == ("a", "b")
    assert config.pages_production_branch == "prod"
    assert parse_guard_table({}, "p.toml").pages_production_branch == "main"
    for bad in ({"production_resources": "a"}, {"production_resources": [1]}, {"pages_production_branch": ""},
                {"pages_production_branch": ["main"]}):
        with pytest.raises(Exception, match=f"guard.{next(iter(bad))}"):
            parse_guard_table(bad, "p.toml")


NAME = st.from_regex(r"[a-z][a-z0-9-]{2,12}[a-z0-9]", fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(NAME, st.sampled_from(["", "x-", "my"]), st.sampled_from(["", "-2", "_v2", "-dev"]))
def test_profile_names_match_whole_names_only(name: str, prefix: str, suffix: str) -> None:
    config = RESOURCE_CONFIG.replace(production_resources=(name,))
    word = f"{prefix}{name}{suffix}"
    mentioned = profile_mention([f"tool --target {word}", f"s3://{word}/key"], config) is not None
    assert mentioned == (word == name)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(["deploy", "versions upload", "secret put K", "rollback", "delete"]),
       st.sampled_from(["--env staging", "-e staging", "--env=staging", "", "-e qa"]))
def test_naming_the_production_worker_is_production_whatever_the_env(sub: str, env: str) -> None:
    # Written here rather than through the fixture: hypothesis runs outside pytest's fixtures.
    import tempfile

    with tempfile.TemporaryDirectory() as root:
        (Path(root) / "wrangler.toml").write_text(SHOP)
        result = classify("Bash", {"command": f"wrangler {sub} {env} --name shop"}, cwd=root,
                          config=RESOURCE_CONFIG, environ={})
        assert (result.kind, result.target) == (X, PROD), result.reason


# --- other deploy tools, data clients, storage and platform CLIs, raw sockets, HTTP variants ------

TOOLS: list[tuple[str, str, str, str | None]] = [
    ("pulumi up --stack payments-stack --yes", X, PROD, "pulumi.write"),
    ("pulumi up -s production -y", X, PROD, "pulumi.write"),
    ("pulumi up --stack dev", X, UNK, "pulumi.write"),
    ("pulumi destroy -s payments-stack", X, PROD, "pulumi.write"),
    ("pulumi config set --stack payments-stack key v", X, PROD, "pulumi.write"),
    ("pulumi preview --stack payments-stack", R, LOCAL, None),
    ("pulumi stack ls", R, LOCAL, None),
    ("sst deploy --stage production", X, PROD, "sst.deploy"),
    ("npx sst deploy --stage shop-live", X, PROD, "sst.deploy"),
    ("sst deploy --stage alice", X, UNK, "sst.deploy"),
    ("sst remove --stage production", X, PROD, "sst.deploy"),
    ("serverless deploy --stage production", X, PROD, "serverless.deploy"),
    ("sls deploy -s production", X, PROD, "serverless.deploy"),
    ("npx serverless remove --stage dev", X, UNK, "serverless.deploy"),
    ("serverless invoke local -f hello", R, LOCAL, None),
    ("cdk deploy PaymentsStack payments-stack --require-approval never", X, PROD, "cdk.deploy"),
    ("npx cdk destroy payments-stack --force", X, PROD, "cdk.deploy"),
    ("cdk deploy DevStack", X, UNK, "cdk.deploy"),
    ("cdk synth", R, LOCAL, None),
    ("cdk diff payments-stack", R, LOCAL, None),
    ("psql -h db.internal -d app -c 'DELETE FROM users'", X, UNK, "db.client"),
    ("psql postgres://admin@orders-db.internal/orders -f migrate.sql", X, UNK, "db.client"),
    ("psql -h orders-db -c 'DROP TABLE x'", X, PROD, "db.client"),
    ("psql https://api.example.com", X, PROD, "db.client"),
    ("psql -d production -c 'TRUNCATE t'", X, PROD, "db.client"),
    ("psql --list", R, LOCAL, None),
    ("mysql -h orders-db -e 'DROP DATABASE x'", X, PROD, "db.client"),
    ("mariadb app < dump.sql", X, UNK, "db.client"),
    ("mongosh mongodb://orders-db:27017/app --eval 'db.x.drop()'", X, PROD, "db.client"),
    ("redis-cli -h cache.internal FLUSHALL", X, UNK, "db.client"),
    ("redis-cli -h shop-prod DEL session:1", X, PROD, "db.client"),
    ("redis-cli -h cache.internal GET k", R, LOCAL, None),
    ("redis-cli ping", R, LOCAL, None),
    ("rclone sync ./dist r2:cdn-prod-bucket", X, PROD, "storage.write"),
    ("rclone copy ./a remote:bucket", X, UNK, "storage.write"),
    ("rclone ls remote:bucket", R, LOCAL, None),
    ("s5cmd cp 'dist/*' s3://cdn-prod-bucket/", X, PROD, "storage.write"),
    ("s5cmd ls s3://b/", R, LOCAL, None),
    ("gsutil cp a.txt gs://cdn-prod-bucket/a.txt", X, PROD, "storage.write"),
    ("gsutil cp gs://b/a.txt .", R, LOCAL, None),
    ("gsutil rm gs://b/a.txt", X, UNK, "storage.write"),
    ("gsutil -m rsync -r dist gs://site", X, UNK, "storage.write"),
    ("az storage blob upload -c web -f a.html --account-name shopprod", X, UNK, "az.write"),
    ("az webapp deploy -g rg -n shop-live --src-path app.zip", X, PROD, "az.write"),
    ("az group list", R, LOCAL, None),
    ("az account set --subscription prod-sub", L, LOCAL, "az.local"),
    ("az account show", R, LOCAL, None),
    ("pulumi stack select payments-stack", R, LOCAL, None),
    ("rclone config create r2 s3", R, LOCAL, None),
    ("heroku config:set A=1 -a shop-live", X, PROD, "heroku.write"),
    ("heroku releases:rollback -a shop-live", X, PROD, "heroku.write"),
    ("heroku ps:scale web=2 -a demo", X, UNK, "heroku.write"),
    ("heroku run rails db:migrate --app shop-live", X, PROD, "heroku.write"),
    ("heroku logs --tail -a shop-live", R, LOCAL, None),
    ("heroku apps", R, LOCAL, None),
    ("railway up --environment production", X, PROD, "railway.write"),
    ("railway up", X, UNK, "railway.write"),
    ("railway variables --set A=1 -e production", X, PROD, "railway.write"),
    ("railway status", R, LOCAL, None),
    ("doctl apps create-deployment shop-live", X, PROD, "doctl.write"),
    ("doctl compute droplet delete web-1 --force", X, UNK, "doctl.write"),
    ("doctl compute droplet list", R, LOCAL, None),
    ("cloudflared tunnel route dns shop-live api.example.com", X, PROD, "cloudflared.write"),
    ("cloudflared tunnel create dev-tunnel", X, UNK, "cloudflared.write"),
    ("cloudflared tunnel list", R, LOCAL, None),
    # --- raw sockets and other clients -------------------------------------------------------
    ("printf 'POST /items HTTP/1.1\\r\\nHost: api.example.com\\r\\n\\r\\n' | nc api.example.com 443", X, PROD,
     "socket.write"),
    ("nc 203.0.113.7 80 < request.txt", X, UNK, "socket.write"),
    ("nc localhost 8787 < request.txt", L, LOCAL, "socket.write"),
    ("nc -z api.example.com 443", R, LOCAL, None),
    ("nc -l 8080", R, LOCAL, None),
    ("socat - TCP:api.example.com:443", X, PROD, "socket.write"),
    ("socat - OPENSSL:api.example.com:443,verify=0 < req.txt", X, PROD, "socket.write"),
    ("openssl s_client -connect api.example.com:443 -quiet < req.txt", X, PROD, "socket.write"),
    ("openssl s_client -connect staging.example.com:443 < req.txt", X, STAG, "socket.write"),
    ("openssl rand -hex 32", R, LOCAL, None),
    ("telnet api.example.com 80", X, PROD, "socket.write"),
    ("websocat wss://api.example.com/ws", X, PROD, "socket.write"),
    ("grpcurl -d '{}' api.example.com:443 svc.Orders/Delete", X, PROD, "socket.write"),
    ("curlie POST https://api.example.com/items a=1", X, PROD, "http.write"),
    ("hurl --test deploy.hurl", X, UNK, "http.write"),
    ("pwsh -Command 'Invoke-RestMethod -Method Post -Uri https://api.example.com/items -Body x'", X, PROD,
     "http.write"),
    ("wget --post-data a=1 https://{api,www}.example.com/items", X, PROD, "wget.write"),
    # --- HTTP through variables, braces, config files, connection overrides ------------------------
    ("U=https://api.example.com; curl -X POST $U/items", X, PROD, "curl.write"),
    ("API=https://api.example.com curl -X DELETE \"$API/items/1\"", X, PROD, "curl.write"),
    ("export U=https://staging.example.com && curl -d x \"${U}/items\"", X, STAG, "curl.write"),
    ("curl -X POST https://{staging,api}.example.com/items", X, PROD, "curl.write"),
    ("curl -X POST https://api.example.{com,org}/items", X, PROD, "curl.write"),
    ("curl -X POST -H 'Host: api.example.com' http://203.0.113.5/items", X, PROD, "curl.write"),
    ("curl -d x --connect-to staging.example.com:443:api.example.com:443 https://staging.example.com/i", X, PROD,
     "curl.write"),
    ("curl -d x --resolve api.example.com:443:203.0.113.5 https://api.example.com/i", X, PROD, "curl.write"),
    ("curl -d x https://203.0.113.5/items", X, UNK, "curl.write"),
    ("API=https://api.example.com; xh POST $API/items a=1", X, PROD, "httpie.write"),
    ("API=https://api.example.com; http DELETE \"${API}/items/1\"", X, PROD, "httpie.write"),
    ("U=https://api.example.com/form; wget --post-data a=1 \"$U\"", X, PROD, "wget.write"),
    ("curl -K prod.curlrc", X, PROD, "curl.write"),
    ("curl --config staging.curlrc", X, UNK, "curl.write"),
    ("curl -K missing.curlrc https://example.org", X, UNK, "curl.write"),
]


@pytest.fixture(scope="module")
def tooldir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tools")
    (root / "prod.curlrc").write_text('url = "https://api.example.com/items"\nrequest = "POST"\ndata = "a=1"\n')
    (root / "staging.curlrc").write_text('url = "https://sandbox.example.org/items"\n-X POST\n')
    return root


@pytest.mark.parametrize(("command", "kind", "target", "rule"), TOOLS, ids=[c[0][:70] for c in TOOLS])
def test_tools_corpus(tooldir: Path, command: str, kind: str, target: str, rule: str | None) -> None:
    result = classify("Bash", {"command": command}, cwd=str(tooldir), config=RESOURCE_CONFIG, environ={})
    assert (result.kind, result.target, result.rule) == (kind, target, rule), result.reason


def test_tools_corpus_size() -> None:
    assert len(TOOLS) >= 80


SESSION_VARS = {"CRANE_INJECTED": "DATABASE_URL,REDIS_URL", "DATABASE_URL": "postgres://u:p@db/x",
                "REDIS_URL": "redis://cache:6379", "CRANE_API_BASE": "https://staging.example.com"}


@pytest.mark.parametrize(("command", "env", "target"), [
    ('psql "$DATABASE_URL" -c "DELETE FROM t"', "dev", STAG),
    ('psql "$DATABASE_URL" -c "DELETE FROM t"', "prod", PROD),
    ("psql ${DATABASE_URL} -f m.sql", "dev", STAG),
    ('redis-cli -u "$REDIS_URL" FLUSHDB', "dev", STAG),
    ('curl -X POST "$CRANE_API_BASE/items"', "dev", STAG),
    ('psql "$OTHER_URL" -c "DELETE FROM t"', "dev", UNK),
    ('DATABASE_URL=postgres://prod-db/x psql "$DATABASE_URL" -c "DELETE FROM t"', "dev", UNK),
    ('psql "$(cat url.txt)" -c "DELETE FROM t"', "dev", UNK),
])
def test_session_variables_are_the_session_environment(tooldir: Path, command: str, env: str, target: str) -> None:
    config = RESOURCE_CONFIG.replace(env=env)
    result = classify("Bash", {"command": command}, cwd=str(tooldir), config=config, environ=SESSION_VARS)
    assert (result.kind, result.target) == (X, target), result.reason
