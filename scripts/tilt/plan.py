"""The decisions behind the Tiltfile that need code, computed in one call and printed as JSON.

The Tiltfile writes the loop itself: each service's docker_build (context, Dockerfile, `only`, live
update's syncs), its port-forwards and links. What it asks here is what depends on the flags, the
machine or .env: context safety, values files and the chart's --set, image targets and build args
(base images, the app user's ids, ports from the chart), the local ports, --debug, the probes to
watch and the Secret's checksum. Unit-tested here; the Tiltfile's own output in
tests/e2e/test_tiltfile_result.py.
"""
from __future__ import annotations

import dataclasses
import json
import os
import re
from pathlib import Path

import yaml

from scripts import project

from . import context, loop_stats, secrets

REPO = Path(__file__).resolve().parents[2]
CHART = "helm/todo-app"
SERVICES = ("backend", "frontend")
MODES = ("dev", "prod")
DATABASES = ("sqlite", "postgres")
RELEASE = "todo-app"  # the Helm release the loop installs; names every workload and claim
# --debug: where each service's debugger listens inside its pod. Loopback only: an open debug port
# is remote code execution; kubectl port-forward (Tilt's port_forwards) reaches the pod's loopback.
DEBUG_PORTS = {"backend": 5678, "frontend": 9229}
# A process paused at a breakpoint answers no probe. With --debug the liveness probe tolerates an
# hour of silence instead of ~30 s, so Kubernetes does not restart the pod mid-session (which would
# end the session and discard the live-updated files). Listed under devRelaxations (values-dev.yaml).
DEBUG_LIVENESS = {"periodSeconds": 60, "failureThreshold": 60}


class PlanError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class ImageSettings:
    """How images are built here (from scripts.images): the same for Tilt and `scripts.images build`."""
    base_args: dict[str, str]
    secrets: list[str] = dataclasses.field(default_factory=list)  # BuildKit --secret (CA bundle for pip/npm)
    network: str = ""  # "" = the engine's default bridge; "host" where that bridge is unusable
    postgres_base: str = ""  # POSTGRES_BASE for docker/postgres.Dockerfile (resolved only for --db=postgres)


@dataclasses.dataclass
class Flags:
    """The Tiltfile's config flags (`tilt up -- --mode=prod --only=backend …`)."""
    mode: str = "dev"
    only: list[str] = dataclasses.field(default_factory=list)
    values: list[str] = dataclasses.field(default_factory=list)
    namespace: str = "todo-app"
    # Local ports: the services' own (the chart's containerPort) unless a flag says otherwise.
    backend_port: int = dataclasses.field(default_factory=lambda: project.FACTS.backend_port)
    frontend_port: int = dataclasses.field(default_factory=lambda: project.FACTS.frontend_port)
    allow_context: list[str] = dataclasses.field(default_factory=list)
    env_file: str = ".env"
    db: str = "sqlite"
    debug: list[str] = dataclasses.field(default_factory=list)
    debug_backend_port: int = DEBUG_PORTS["backend"]
    debug_frontend_port: int = DEBUG_PORTS["frontend"]
    checks: list[str] | None = None  # --checks: None = the subcommand's default set, [] = none

    @classmethod
    def from_tilt(cls, cfg: dict) -> "Flags":
        """Tilt's config.parse() result uses the flag names with dashes."""
        def one(key, default):
            return cfg.get(key) if cfg.get(key) not in (None, "") else default
        return cls(
            mode=one("mode", "dev"),
            only=list(cfg.get("only") or []),
            values=list(cfg.get("values") or []),
            namespace=one("namespace", "todo-app"),
            backend_port=int(one("backend-port", project.FACTS.backend_port)),
            frontend_port=int(one("frontend-port", project.FACTS.frontend_port)),
            allow_context=list(cfg.get("allow-context") or []) + _env_list("TODO_APP_ALLOW_CONTEXT"),
            env_file=one("env-file", ".env"),
            db=one("db", "sqlite"),
            # `--debug=backend,frontend` and `--debug=backend --debug=frontend` alike.
            debug=[name for item in cfg.get("debug") or [] for name in item.split(",") if name],
            debug_backend_port=int(one("debug-backend-port", DEBUG_PORTS["backend"])),
            debug_frontend_port=int(one("debug-frontend-port", DEBUG_PORTS["frontend"])),
            checks=_checks_flag(cfg.get("checks")),
        )


def _checks_flag(values: list[str] | None) -> list[str] | None:
    """`--checks=api-contract,backend-tests` (or repeated); `--checks=none` for none; absent: default."""
    if not values:
        return None
    names = [name for item in values for name in item.split(",") if name]
    return [] if names == ["none"] else names


def _env_list(name: str) -> list[str]:
    return [v for v in os.environ.get(name, "").split(",") if v]


def validate(flags: Flags, repo: Path = REPO) -> None:
    if flags.mode not in MODES:
        raise PlanError(f"--mode={flags.mode!r} is not a mode; use --mode=dev (live update) or --mode=prod "
                        f"(runtime images, values.yaml)")
    if flags.db not in DATABASES:
        raise PlanError(f"--db={flags.db!r} is not a database; use --db=sqlite (default: a file in the backend's "
                        f"volume) or --db=postgres (PostgreSQL in the cluster, on a PersistentVolumeClaim)")
    if flags.db == "postgres" and flags.only == ["frontend"]:
        raise PlanError("--db=postgres with --only=frontend: the database is only used by the backend; "
                        "add --only=backend or drop --db=postgres")
    bad = [s for s in flags.only if s not in SERVICES]
    if bad:
        raise PlanError(f"--only={','.join(bad)}: unknown service; use --only=backend and/or --only=frontend")
    for f in flags.values:
        if not (repo / f).is_file():
            raise PlanError(f"--values={f}: no such file (paths are relative to the repo root)")
    for f in values_files(flags):
        _check_secret_name(repo / f)
    for port_flag, port in (("--backend-port", flags.backend_port), ("--frontend-port", flags.frontend_port),
                            ("--debug-backend-port", flags.debug_backend_port),
                            ("--debug-frontend-port", flags.debug_frontend_port)):
        if not 1 <= port <= 65535:
            raise PlanError(f"{port_flag}={port} is not a TCP port")
    validate_debug(flags)
    validate_checks(flags)


def validate_checks(flags: Flags) -> None:
    from scripts.checks import NAMES
    bad = [c for c in flags.checks or [] if c not in NAMES]
    if bad:
        raise PlanError(f"--checks={','.join(bad)}: no such check; choose from {', '.join(NAMES)} "
                        f"(comma-separated), or --checks=none to run none")


def _check_secret_name(values: Path) -> None:
    """The loop builds the pods' Secret itself, under the chart's own name for it: a values file that
    points the pods at another Secret would leave them waiting for one nobody creates."""
    if not values.is_file():  # a missing --values file has its own error above
        return
    try:
        data = yaml.safe_load(values.read_text()) or {}
        named = ((data.get("secrets") or {}) if isinstance(data, dict) else {}).get("existingSecret")
    except (OSError, yaml.YAMLError, AttributeError):
        return  # not YAML (or not a mapping): rendering the chart names the file and line (preflight)
    if named not in (None, project.SECRET_NAME):
        raise PlanError(f"{values.name} sets secrets.existingSecret={named!r}, but the loop builds the Secret "
                        f"{project.SECRET_NAME!r} from .env, so the pods would wait for a Secret nobody creates. "
                        f"Drop the key from {values.name}, or rename the Secret in its one place, "
                        f"helm/todo-app/values.yaml (the loop reads it from there).")


def validate_debug(flags: Flags) -> None:
    bad = [s for s in flags.debug if s not in SERVICES]
    if bad:
        raise PlanError(f"--debug={','.join(bad)}: unknown service; debug any of backend, frontend "
                        f"(e.g. --debug=backend,frontend), or leave --debug out")
    if flags.debug and flags.mode != "dev":
        raise PlanError(f"--debug={','.join(flags.debug)} with --mode={flags.mode}: the debugger runs in the dev "
                        f"images only (the runtime images carry no debugger); use --mode=dev or drop --debug")
    skipped = [s for s in flags.debug if not _enabled(flags, s)]
    if skipped:
        raise PlanError(f"--debug={','.join(skipped)} with --only={','.join(flags.only)}: that service is not "
                        f"deployed; add it to --only or drop it from --debug")


def dev_command(dockerfile: Path) -> list[str]:
    """The dev target's CMD, read from its Dockerfile (the one place it is written)."""
    stage = re.split(r"(?im)^FROM\s+\S+\s+AS\s+dev\s*$", dockerfile.read_text(), maxsplit=1)[1]
    stage = re.split(r"(?im)^FROM\s", stage, maxsplit=1)[0]
    return json.loads(re.search(r"(?m)^CMD\s+(\[.*\])\s*$", stage).group(1))


def debug_command(service: str, repo: Path = REPO) -> list[str]:
    """The dev target's start command with the debugger listening on the pod's loopback; nothing
    waits for a client (readiness goes green without one)."""
    cmd = dev_command(repo / "docker" / f"{service}.Dockerfile")
    address = f"127.0.0.1:{DEBUG_PORTS[service]}"
    if service == "backend":
        # debugpy runs the same `python -m app`: one process that reloads in place, so the session
        # and its breakpoints survive every live update (see backend/devserver/).
        # -Xfrozen_modules=off: debugpy's advice, else breakpoints in frozen stdlib modules are missed.
        python, *rest = cmd
        assert rest[:1] == ["-m"], f"unexpected backend dev command {cmd}"
        return [python, "-Xfrozen_modules=off", "-m", "debugpy", "--listen", address, *rest]
    # next dev passes --inspect to the child process that runs the app's server code (route
    # handlers); NODE_OPTIONS=--inspect would put that child on another port.
    return [*cmd, f"--inspect={address}"]


def debug_sets(services: list[str]) -> list[str]:
    return [f"{s}.probes.liveness.{k}={v}" for s in services for k, v in DEBUG_LIVENESS.items()]


def values_files(flags: Flags) -> list[str]:
    base = [f"{CHART}/values-dev.yaml"] if flags.mode == "dev" else []
    return base + flags.values


def required_secret_keys(flags: Flags) -> list[str]:
    # Dev generates a JWT_SECRET and keeps it in .env; prod-like runs must bring their own.
    return ["JWT_SECRET"] if flags.mode == "prod" else []


def builds(flags: Flags, settings: ImageSettings) -> dict:
    """What the Tiltfile's docker_build calls need decided: the target for the mode, each image's
    build args (base images, the app user's ids, its port, OCI labels), the CA-bundle secret and the
    build network (as `scripts.images build` uses them), and under --debug the start command."""
    base_args = settings.base_args
    postgres_base = {"POSTGRES_BASE": settings.postgres_base} if settings.postgres_base else {}
    return {
        "target": "dev" if flags.mode == "dev" else "runtime",
        "secret": settings.secrets,
        "network": settings.network,  # "" = the engine's default bridge
        "args": {
            "backend": {k: v for k, v in base_args.items() if k.startswith("PYTHON")}
            | project.FACTS.build_args("backend") | _oci_args(),
            "frontend": {k: v for k, v in base_args.items() if k.startswith("NODE")}
            | project.FACTS.build_args("frontend") | _oci_args(),
            "postgresql": postgres_base | project.FACTS.build_args("postgresql"),
        },
        # --debug changes only the start command (Tilt's entrypoint override); the image is the same.
        "entrypoint": {s: debug_command(s) if s in flags.debug else [] for s in SERVICES},  # [] = the CMD
    }


def _oci_args() -> dict[str, str]:
    return {"VERSION": os.environ.get("TODO_APP_VERSION", "0.1.0-dev"),
            "REVISION": os.environ.get("TODO_APP_REVISION", "dev")}


def _enabled(flags: Flags, service: str) -> bool:
    return not flags.only or service in flags.only


def services(flags: Flags) -> list[str]:
    """The app services this loop builds and deploys (--only), in the Tiltfile's order."""
    return [s for s in SERVICES if _enabled(flags, s)]


def ports(flags: Flags) -> dict:
    """Each app service's port-forward: the local port from the flags → the container's (the chart's),
    and under --debug its debugger's (the debugger listens on the pod's loopback: DEBUG_PORTS)."""
    local = {"backend": flags.backend_port, "frontend": flags.frontend_port}
    container = {"backend": project.FACTS.backend_port, "frontend": project.FACTS.frontend_port}
    debug_local = {"backend": flags.debug_backend_port, "frontend": flags.debug_frontend_port}
    return {s: {"local": local[s], "container": container[s],
                "debugger": {"local": debug_local[s], "container": DEBUG_PORTS[s]} if s in flags.debug else None}
            for s in SERVICES}


def probes(flags: Flags) -> list[dict]:
    """One dashboard resource per probe, polling it through the port-forward."""
    bp, fp = flags.backend_port, flags.frontend_port
    table = [
        ("backend", "liveness", bp, "/health"),
        ("backend", "readiness", bp, "/ready"),
        ("frontend", "liveness", fp, "/api/health"),
        ("frontend", "readiness", fp, "/api/ready"),
    ]
    # The liveness watcher of each service also renews the service's port-forward when it wedges
    # (one renewer per forward: both watchers renewing would undo each other's fresh forward). Not
    # under --debug: a process paused at a breakpoint times out like a wedged forward, and a new
    # forward would cut the debugger's connection, which travels through the same one.
    return [{"name": f"{svc}-{kind}", "service": svc, "port": port, "path": path,
             "url": f"http://localhost:{port}{path}", "label": f"{svc} {path}",
             "port_forward_of": svc if kind == "liveness" and svc not in flags.debug else ""}
            for svc, kind, port, path in table if _enabled(flags, svc)]


def build(flags: Flags, kube_context: str, settings: ImageSettings, repo: Path = REPO,
          release: str = RELEASE) -> dict:
    """The whole plan: an answer computed from the flags, the repo and .env, which it only reads (the
    dev secrets are generated before, by their own step: `python -m scripts.tilt dev-secrets`).
    Raises PlanError / ContextRefused / SecretError with a user-facing message."""
    context.check(kube_context, flags.allow_context)
    validate(flags, repo)
    env_file = repo / flags.env_file
    data = secrets.secret_data(env_file, required_secret_keys(flags), db=flags.db, release=release)
    return {
        "mode": flags.mode,
        "db": flags.db,
        "context": kube_context,
        "namespace": flags.namespace,
        "release": release,
        "chart": CHART,
        "values": values_files(flags),
        "set": [f"secrets.checksum={secrets.checksum(data)}"]
        + (["postgresql.enabled=true"] if flags.db == "postgres" else [])
        # A service left out with --only has no image build: run none of its pods (they would only
        # sit in ImagePullBackOff trying to pull an image that exists nowhere).
        + [f"{s}.replicaCount=0" for s in SERVICES if not _enabled(flags, s)]
        + debug_sets(flags.debug),
        "env_file": flags.env_file,
        "services": services(flags),
        # Tilt replaces the chart's image repositories with its builds: the names come from there.
        "images": project.FACTS.images,
        "build": builds(flags, settings),
        "ports": ports(flags),
        "loop_stats": loop_stats.monitors(services(flags) if flags.mode == "dev" else [],
                                          flags.backend_port, flags.frontend_port),
        "probes": probes(flags),
        "debug": flags.debug,
        "smoke": {
            "backend_url": f"http://localhost:{flags.backend_port}",
            "frontend_url": f"http://localhost:{flags.frontend_port}",
        },
    }
