"""N replicas of the app behind nginx on this machine: a local try of deploy/compose.yaml, no container engine.

    python -m deploy.replicas                      # 2 replicas + nginx on http://127.0.0.1:8080 (Ctrl-C stops all)
    python -m deploy.replicas --replicas 3 --port 9000
    python -m deploy.replicas --render-compose     # rewrite deploy/nginx.compose.conf from the template

It goes through the root Dockerfile's app steps on the host, in this order:

1. COPY: the build context is copied to a temporary folder with .dockerignore's rules, so a rule that
   drops a file the app needs breaks this try too;
2. ENV: the environment of the Dockerfile's app stage (and its base stage for ``VARIANT=cpu``), with its
   paths moved into the temporary folder (``NNLIB_CACHE_DIR``) or onto loopback (the server's address);
3. RUN pip install: not run (it would change this environment); the packages of requirements.txt are
   checked against what is installed instead;
4. RUN (exec form): the build-time steps, such as the digits cache and the default digit model, run in
   the copy with that environment;
5. CMD: started once per replica, with ``STREAMLIT_SERVER_PORT`` set to its own loopback port and one
   ``STREAMLIT_SERVER_COOKIE_SECRET`` shared by all (Streamlit asks for that with several replicas);
6. HEALTHCHECK: each replica's /_stcore/health must answer, and the image's own check command pass
   against it, before nginx starts.

Not run: FROM (this Python stands in for the base image), useradd and USER (the replicas run as you).
Then Debian's nginx (``apt-get install nginx``) starts as a normal program with its own prefix, pid,
logs and temporary folders in the same temporary folder, on deploy/nginx.conf.template rendered for
these replicas. Ctrl-C (or SIGTERM) stops nginx and the replicas and removes the folder.

The tests and benchmarks use :class:`Replicas` directly (``with Replicas(2).start() as r: r.url``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"
COMPOSE_CONF = Path(__file__).resolve().parent / "nginx.compose.conf"
COMPOSE_REPLICAS = ("app1:8501", "app2:8501")   # deploy/compose.yaml's services
COMPOSE_LISTEN = "8080"                          # the unprivileged nginx image's port
HEALTH = "/_stcore/health"


# --- nginx configuration ---------------------------------------------------------------------------
def render_nginx(listen: str, replicas: list[str] | tuple[str, ...], template: Path = TEMPLATE) -> str:
    """deploy/nginx.conf.template with ``{{ listen }}`` filled in and its ``{{ replica }}`` line once per replica."""
    out = []
    for line in template.read_text().splitlines(keepends=True):
        if line.lstrip().startswith("#"):   # comments keep the placeholders' names
            out.append(line)
        elif "{{ replica }}" in line:
            out.extend(line.replace("{{ replica }}", r) for r in replicas)
        else:
            out.append(line.replace("{{ listen }}", listen))
    text = "".join(out)
    if any("{{" in line for line in text.splitlines() if not line.lstrip().startswith("#")):
        raise ValueError(f"{template.name}: a placeholder was left unfilled")
    return text


def compose_conf() -> str:
    header = ("# Generated from deploy/nginx.conf.template by `python -m deploy.replicas --render-compose`:\n"
              "# edit the template, not this file (tests/test_deploy.py checks that they agree).\n\n")
    return header + render_nginx(COMPOSE_LISTEN, COMPOSE_REPLICAS)


def main_conf(prefix: Path, site_conf: Path) -> str:
    """A whole nginx.conf for a non-root run: pid, logs and every temporary folder under ``prefix``."""
    tmp = prefix / "tmp"
    user = ""
    if os.geteuid() == 0:  # as root, workers switch to an unprivileged user; nobody/nogroup exist on Debian
        user = "user nobody nogroup;\n"
    return f"""# Written by deploy/replicas.py for a local try; the site itself is {site_conf.name}.
{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    log_format stroute '$remote_addr "$request" $status upstream=$upstream_addr '
                       'key=$stroute_key rt=$request_time';
    access_log {prefix}/access.log stroute;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    include {site_conf};
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if os.path.exists(p)), None)


def write_nginx_prefix(prefix: Path, listen: str, replicas: list[str]) -> Path:
    """Write the site and main configuration under ``prefix``; return the main file's path."""
    (prefix / "tmp").mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        # The workers (nobody) spool large answers (Plotly's 4 MB script) and uploads under tmp/: every
        # folder above it must let them through (mkdtemp makes its folder 0700), and tmp/ must be theirs.
        for folder in (prefix, *prefix.parents):
            if folder.stat().st_mode & 0o111 != 0o111:
                folder.chmod(folder.stat().st_mode | 0o111)
            if folder == Path(tempfile.gettempdir()):
                break
        shutil.chown(prefix / "tmp", user="nobody", group="nogroup")
    site = prefix / "streamlit.conf"
    site.write_text(render_nginx(listen, replicas))
    main = prefix / "nginx.conf"
    main.write_text(main_conf(prefix, site))
    return main


def nginx_test(main: Path) -> subprocess.CompletedProcess:
    """``nginx -t`` on a configuration written by :func:`write_nginx_prefix`."""
    prefix = main.parent
    return subprocess.run([nginx_binary() or "nginx", "-t", "-q", "-p", str(prefix), "-e", str(prefix / "error.log"),
                           "-c", str(main)], capture_output=True, text=True, timeout=30)


# --- the Dockerfile, read as steps ------------------------------------------------------------------
@dataclass
class Step:
    instruction: str            # FROM, ENV, RUN, COPY, CMD, ...
    args: str                   # the rest of the line, continuations joined
    stage: str                  # the stage's name (AS ...)


def dockerfile_steps(path: Path = DOCKERFILE) -> list[Step]:
    """The Dockerfile's instructions, with continuation lines joined and comments dropped."""
    steps, stage, pending = [], "", ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if pending and line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        line, pending = pending + line, ""
        instruction, _, args = line.partition(" ")
        instruction = instruction.upper()
        if instruction == "FROM":
            found = re.search(r"\s+AS\s+(\S+)\s*$", args, re.IGNORECASE)
            stage = found.group(1) if found else ""
        steps.append(Step(instruction, args.strip(), stage))
    return steps


def _expand(value: str, env: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env.get(m.group(1) or m.group(2), ""), value)


def app_stage(steps: list[Step], variant: str = "cpu") -> list[Step]:
    """The steps that make the final image for ``VARIANT=variant``: its base stage, then the app stage."""
    args = {}
    for s in steps:
        if s.instruction == "ARG" and not s.stage:
            name, _, default = s.args.partition("=")
            args[name] = default
    args["VARIANT"] = variant
    final = steps[-1].stage
    chain, stage = [], final
    while stage:
        body = [s for s in steps if s.stage == stage]
        chain = body + chain
        base = _expand(body[0].args.split()[0], args)
        stage = base if any(s.stage == base for s in steps) else ""
    return chain


def stage_env(steps: list[Step]) -> dict[str, str]:
    """The ENV lines of these steps (KEY=VALUE, later ones win, $VAR expanded)."""
    env: dict[str, str] = {}
    for s in steps:
        if s.instruction == "ENV":
            for token in shlex.split(s.args):
                key, _, value = token.partition("=")
                env[key] = _expand(value, {**os.environ, **env})
    return env


def exec_form(args: str) -> list[str] | None:
    """The JSON array of an exec-form RUN/CMD/HEALTHCHECK CMD, or None for the shell form."""
    text = args.strip()
    if text.startswith("CMD "):  # HEALTHCHECK [options] CMD [...]
        text = text[4:]
    text = re.sub(r"^(--\S+\s+)*(CMD\s+)?", "", text) if not text.startswith("[") else text
    if not text.startswith("["):
        return None
    return json.loads(text)


def host_argv(argv: list[str]) -> list[str]:
    """An image's command on the host: ``python`` is this interpreter, ``streamlit`` is ``python -m streamlit``."""
    out = []
    for i, token in enumerate(argv):
        if token in ("python", "python3"):
            out.append(sys.executable)
        elif token == "streamlit" and (i == 0 or argv[i - 1] == "env" or "=" in argv[i - 1]):
            out.extend([sys.executable, "-m", "streamlit"])
        else:
            out.append(token)
    return out


# --- .dockerignore and the build context --------------------------------------------------------------
def _pattern_regex(pattern: str) -> re.Pattern:
    """Docker's pattern syntax (Go's filepath.Match plus ``**``) as a regular expression on '/'-paths."""
    out, i = "", 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        elif c == "*":
            out, i = out + "[^/]*", i + 1
        elif c == "?":
            out, i = out + "[^/]", i + 1
        elif c == "[":
            end = pattern.index("]", i)
            out, i = out + "[" + pattern[i + 1:end].replace("!", "^", 1) + "]", end + 1
        else:
            out, i = out + re.escape(c), i + 1
    return re.compile(out)


def dockerignore_rules(path: Path = DOCKERIGNORE) -> list[tuple[bool, re.Pattern]]:
    """(re-include?, regex) per rule, in order."""
    rules = []
    for raw in path.read_text().splitlines() if path.exists() else []:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        rules.append((negated, _pattern_regex(pattern)))
    return rules


def ignored(relpath: str, rules) -> bool:
    """Whether Docker leaves ``relpath`` out of the context: the last rule that matches it or a parent wins."""
    parts = relpath.split("/")
    candidates = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    out = False
    for negated, regex in rules:
        if any(regex.fullmatch(c) for c in candidates):
            out = not negated
    return out


def build_context(root: Path = ROOT, rules=None) -> list[str]:
    """The files (relative '/'-paths) that ``docker build`` would send from ``root``."""
    rules = dockerignore_rules() if rules is None else rules
    files = []
    for folder, dirs, names in os.walk(root):
        rel = os.path.relpath(folder, root).replace(os.sep, "/")
        rel = "" if rel == "." else rel + "/"
        # A folder left out with no `!` rule that could bring a file back is not entered (as Docker does).
        dirs[:] = [d for d in dirs if not (ignored(rel + d, rules) and not any(n for n, _ in rules))]
        files.extend(rel + n for n in names if not ignored(rel + n, rules))
    return sorted(files)


def copy_context(dest: Path, root: Path = ROOT) -> list[str]:
    files = build_context(root)
    for rel in files:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / rel, target, follow_symlinks=False)
    return files


def unmet_requirements(requirements: Path) -> list[str]:
    """The lines of a requirements file (following ``-r``) that the installed packages do not satisfy."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import Requirement

    unmet = []
    for raw in requirements.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r"):
            unmet += unmet_requirements(requirements.parent / line[2:].strip())
            continue
        if line.startswith("-"):   # pip options (an index, a constraint file): nothing to check
            continue
        req = Requirement(line)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            have = version(req.name)
        except PackageNotFoundError:
            unmet.append(f"{line} (not installed)")
            continue
        if req.specifier and not req.specifier.contains(have, prereleases=True):
            unmet.append(f"{line} (installed: {have})")
    return unmet


# --- processes ----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url + HEALTH, timeout=timeout) as r:
            return r.status == 200
    except OSError:
        return False


@dataclass
class Replica:
    index: int
    port: int
    proc: subprocess.Popen
    log: Path

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}"


@dataclass
class Replicas:
    """N replicas of the app (the Dockerfile's steps, on this host) behind nginx on loopback.

    ``cache_dir``: where the build-time cache goes; by default a fresh folder in the temporary folder,
    as in a fresh image. ``server_env``: extra variables for the replicas (e.g. a Streamlit option).
    ``cpus``: CPU numbers the replicas and nginx are pinned to (``taskset``), where given.
    """

    n: int = 2
    port: int = 0
    cache_dir: Path | None = None
    server_env: dict[str, str] = field(default_factory=dict)
    cpus: list[int] | None = None
    log: callable = print
    variant: str = "cpu"
    replicas: list[Replica] = field(default_factory=list, init=False)
    nginx: subprocess.Popen | None = field(default=None, init=False)
    _nginx_command: list[str] = field(default_factory=list, init=False)
    dir: Path | None = field(default=None, init=False)

    # -- the steps
    def start(self, timeout: float = 120.0) -> Replicas:
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self, timeout: float) -> None:
        nginx = nginx_binary()
        if nginx is None:
            raise RuntimeError("nginx is not installed: apt-get install nginx")
        self.dir = Path(tempfile.mkdtemp(prefix="dl3steps-replicas-"))
        app = self.dir / "app"
        steps = app_stage(dockerfile_steps(), self.variant)
        say = self.log

        t0 = time.perf_counter()
        files = copy_context(app)
        say(f"COPY   build context → {app} ({len(files)} files after .dockerignore, {time.perf_counter() - t0:.1f} s)")
        if not (app / ".streamlit" / "config.toml").exists():
            raise RuntimeError(".dockerignore leaves out .streamlit/config.toml: the server settings")

        image_env = stage_env(steps)
        cache = Path(self.cache_dir) if self.cache_dir else self.dir / "cache"
        cache.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, **image_env, "NNLIB_CACHE_DIR": str(cache), "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
               "STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32), **self.server_env}
        env.pop("PIP_NO_CACHE_DIR", None)
        say("ENV    " + " ".join(f"{k}={env[k]}" for k in image_env if k in env and not k.startswith("PIP_"))
            + " (STREAMLIT_SERVER_PORT: one per replica)")

        requirements = app / _expand(image_env.get("REQUIREMENTS", "requirements.txt"), image_env)
        unmet = unmet_requirements(requirements)
        if unmet:
            raise RuntimeError(f"RUN pip install -r {requirements.name}: this environment lacks " + "; ".join(unmet))
        say(f"RUN    pip install -r {requirements.name}: not run here; every requirement is installed")

        for s in steps:
            argv = exec_form(s.args) if s.instruction == "RUN" else None
            if argv is None:
                continue
            t0 = time.perf_counter()
            done = subprocess.run(host_argv(argv), cwd=app, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"RUN {s.args} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
            say(f"RUN    {s.args}: {time.perf_counter() - t0:.1f} s, cache in {cache}")

        cmd = next(exec_form(s.args) for s in reversed(steps) if s.instruction == "CMD")
        pin = ["taskset", "-c", ",".join(map(str, self.cpus))] if self.cpus else []
        for i in range(self.n):
            port = free_port()
            log = self.dir / f"replica{i}.log"
            with open(log, "w") as fh:
                proc = subprocess.Popen(pin + host_argv(cmd), cwd=app, stdout=fh, stderr=subprocess.STDOUT,
                                        env={**env, "STREAMLIT_SERVER_PORT": str(port)}, start_new_session=True)
            self.replicas.append(Replica(i, port, proc, log))
        say(f"CMD    {shlex.join(cmd)} × {self.n}: " + ", ".join(r.address for r in self.replicas))

        deadline = time.time() + timeout
        for r in self.replicas:
            while not healthy(r.url):
                if r.proc.poll() is not None:
                    raise RuntimeError(f"replica {r.index} exited: {r.log.read_text()[-2000:]}")
                if time.time() > deadline:
                    raise RuntimeError(f"replica {r.index} not healthy after {timeout:.0f} s: {r.log}")
                time.sleep(0.3)
        check = next(exec_form(s.args) for s in reversed(steps) if s.instruction == "HEALTHCHECK")
        for r in self.replicas:  # the image's own health check command, against each replica
            done = subprocess.run(host_argv(check), env={**env, "STREAMLIT_SERVER_PORT": str(r.port)},
                                  capture_output=True, text=True, timeout=30)
            if done.returncode != 0:
                raise RuntimeError(f"HEALTHCHECK failed on replica {r.index}: {done.stderr[-1000:]}")
        say(f"HEALTHCHECK {HEALTH}: all {self.n} replicas healthy")

        self.port = self.port or free_port()
        main = write_nginx_prefix(self.dir / "nginx", f"127.0.0.1:{self.port}", [r.address for r in self.replicas])
        checked = nginx_test(main)
        if checked.returncode != 0:
            raise RuntimeError(f"nginx -t: {checked.stderr}")
        prefix = main.parent
        self._nginx_command = pin + [nginx, "-p", str(prefix), "-e", str(prefix / "error.log"), "-c", str(main)]
        self._start_nginx(deadline)
        say(f"nginx  {self.url} → {self.n} replicas (config and logs in {prefix})")

    def _start_nginx(self, deadline: float) -> None:
        self.nginx = subprocess.Popen(self._nginx_command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        while not healthy(self.url):
            if self.nginx.poll() is not None:
                raise RuntimeError(f"nginx exited: {(self.dir / 'nginx' / 'error.log').read_text()[-2000:]}")
            if time.time() > deadline:
                raise RuntimeError("nginx does not answer")
            time.sleep(0.1)

    def restart_nginx(self) -> None:
        """Stop nginx at once (every WebSocket drops, as in a proxy restart or a network blip) and start it again."""
        self.nginx.terminate()   # SIGTERM: nginx's fast shutdown closes open connections
        self.nginx.wait(timeout=15)
        self._start_nginx(time.time() + 30)

    # -- use
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def access_log(self) -> Path:
        return self.dir / "nginx" / "access.log"

    def upstream(self, key: str | None = None) -> str:
        """The replica (address) nginx sends a request with cookie ``stroute=key`` to (the last one it tried)."""
        headers = {"Cookie": f"stroute={key}"} if key else {}
        request = urllib.request.Request(self.url + HEALTH, headers=headers)
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["X-Upstream"].split(",")[-1].strip()

    def key_for(self, index: int, tries: int = 200) -> str:
        """A cookie value that nginx's consistent hash maps to replica ``index`` (found by asking nginx)."""
        for _ in range(tries):
            key = secrets.token_hex(16)
            if self.upstream(key) == self.replicas[index].address:
                return key
        raise RuntimeError(f"no cookie value maps to replica {index} in {tries} tries")

    def kill(self, index: int, sig: int = signal.SIGKILL) -> None:
        """Stop one replica at once (SIGKILL: as a crash or an out-of-memory kill would)."""
        proc = self.replicas[index].proc
        if proc.poll() is None:
            os.kill(proc.pid, sig)
            proc.wait(timeout=15)

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.send_signal(signal.SIGQUIT)   # graceful: finish open requests, close WebSockets
            try:
                self.nginx.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
        for r in self.replicas:
            if r.proc.poll() is None:
                r.proc.terminate()
        for r in self.replicas:
            try:
                r.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                r.proc.kill()
                r.proc.wait()
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Replicas:
        return self if self.replicas else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


# --- command line -------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--cache-dir", type=Path, help="keep the build-time cache here (default: a fresh one)")
    parser.add_argument("--variant", default="cpu", help="the Dockerfile's VARIANT whose steps to run")
    parser.add_argument("--render-compose", action="store_true", help=f"write {COMPOSE_CONF.name} and exit")
    args = parser.parse_args(argv)
    if args.render_compose:
        COMPOSE_CONF.write_text(compose_conf())
        print(f"wrote {COMPOSE_CONF.relative_to(ROOT)}")
        return 0

    def interrupt(*_):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)   # a service manager's stop = Ctrl-C
    cluster = Replicas(args.replicas, args.port, args.cache_dir, variant=args.variant)
    try:
        cluster.start()
        print(f"\nOpen {cluster.url}  (Ctrl-C stops nginx and the replicas)")
        while True:
            time.sleep(1)
            for r in cluster.replicas:
                if r.proc.poll() is not None and not getattr(r, "reported", False):
                    r.reported = True
                    print(f"replica {r.index} ({r.address}) exited with {r.proc.returncode}; "
                          "nginx sends its browsers to the others")
    except KeyboardInterrupt:
        print("\nstopping …")
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C must not cut the clean-up short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
