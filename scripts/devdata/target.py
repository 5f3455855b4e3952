"""Which loop the dev-data commands act on, the names the chart gives its objects there, and a
kubectl runner that prints each step (the button's log shows what happened and where it stopped)."""
from __future__ import annotations

import dataclasses
import subprocess

from scripts.tilt.secrets import POSTGRES_DB, POSTGRES_USER


class DevDataError(Exception):
    pass


@dataclasses.dataclass(frozen=True)
class Target:
    context: str
    namespace: str
    release: str
    db: str  # "sqlite" | "postgres"

    # Names from helm/todo-app (componentName = <release>-<component>).
    @property
    def backend(self) -> str:
        return f"{self.release}-backend"

    @property
    def backend_claim(self) -> str:
        return f"{self.release}-backend-data"

    @property
    def backend_selector(self) -> str:
        return f"app.kubernetes.io/instance={self.release},app.kubernetes.io/component=backend"

    @property
    def postgres(self) -> str:
        return f"{self.release}-postgresql"

    @property
    def postgres_claim(self) -> str:
        # StatefulSet claim: <volumeClaimTemplate name>-<statefulset>-<ordinal>
        return f"data-{self.release}-postgresql-0"

    @property
    def postgres_selector(self) -> str:
        return f"app.kubernetes.io/instance={self.release},app.kubernetes.io/component=postgresql"


def psql_args(*sql: str, database: str = POSTGRES_DB) -> list[str]:
    """psql in the database pod (local socket: trust), one statement per -c (DROP DATABASE cannot run
    inside the transaction a multi-statement -c would be)."""
    return ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-U", POSTGRES_USER, "-d", database,
            *[arg for s in sql for arg in ("-c", s)]]


class Kube:
    """kubectl against one namespace; every call is echoed as `$ kubectl …` before it runs."""

    def __init__(self, target: Target, run=subprocess.run, kubectl: str = "kubectl"):
        self.target = target
        self._run = run
        self._base = [kubectl, "--context", target.context, "-n", target.namespace]

    def __call__(self, *args: str, stdin: bytes | str | None = None, binary: bool = False,
                 check: bool = True, quiet: bool = False, timeout: float = 300):
        cmd = [*self._base, *args]
        if not quiet:
            print("$", " ".join(cmd), flush=True)
        if binary and isinstance(stdin, str):
            stdin = stdin.encode()
        # No stdin given: /dev/null, never the terminal's (a `kubectl exec -i` would wait on it).
        feed = {"input": stdin} if stdin is not None else {"stdin": subprocess.DEVNULL}
        proc = self._run(cmd, **feed, capture_output=True, text=not binary, timeout=timeout)
        if check and proc.returncode != 0:
            err = proc.stderr.decode(errors="replace") if binary else (proc.stderr or "")
            raise DevDataError(f"`{' '.join(cmd)}` failed: {err.strip() or f'exit {proc.returncode}'}")
        return proc.stdout if check else proc

    def exists(self, kind: str, name: str) -> bool:
        return self("get", kind, name, "--ignore-not-found", "-o", "name", quiet=True).strip() != ""

    def replicas(self, workload: str) -> int:
        return int(self("get", workload, "-o", "jsonpath={.spec.replicas}", quiet=True) or 0)

    def scale(self, workload: str, replicas: int, selector: str, timeout: str = "180s") -> None:
        """Scale and wait: pods gone for 0, rolled out and Ready (its readiness probe passes) otherwise."""
        self("scale", workload, f"--replicas={replicas}")
        if replicas == 0:
            self("wait", "--for=delete", "pod", "-l", selector, f"--timeout={timeout}")
        else:
            self("rollout", "status", workload, f"--timeout={timeout}")


def detect_db(kube: Kube, release: str) -> str:
    """The loop's database: postgres when the chart's PostgreSQL StatefulSet runs in the namespace."""
    return "postgres" if kube.exists("statefulset", f"{release}-postgresql") else "sqlite"
