"""A plain `helm install` of the chart with production values (no Tilt), then `helm test`.

Tilt renders with `helm template` and never runs hooks, so this is where the chart's test hook is
proven, and where the prod values (read-only root, runtime images, data on a kept claim) run for real."""
import secrets
import subprocess
import uuid

from helm_release_helpers import REGISTRY, push_runtime_image, run
from tests.support.tilt_session import tool_env
from scripts.project import SECRET_NAME


def test_prod_install_becomes_ready_and_helm_test_passes(kube_context):
    ns = f"todo-prod-{uuid.uuid4().hex[:6]}"
    release = "todo-prod"
    kubectl = ["kubectl", "--context", kube_context]
    try:
        run(*kubectl, "create", "namespace", ns)
        run(*kubectl, "label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted")
        # The Secret comes from outside the chart, as in production (the value never hits a log).
        jwt = secrets.token_urlsafe(48)
        p = subprocess.run([*kubectl, "-n", ns, "create", "secret", "generic", SECRET_NAME,
                            "--from-file=JWT_SECRET=/dev/stdin"], input=jwt, env=tool_env(),
                           capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stderr
        backend_tag, frontend_tag = push_runtime_image("backend"), push_runtime_image("frontend")
        install = run("helm", "install", release, "helm/todo-app", "--kube-context", kube_context,
                      "-n", ns, "--wait", "--timeout", "5m",
                      "--set", f"backend.image.repository={REGISTRY}/todo-backend",
                      "--set", f"backend.image.tag={backend_tag}",
                      "--set", f"frontend.image.repository={REGISTRY}/todo-frontend",
                      "--set", f"frontend.image.tag={frontend_tag}", timeout=420, check=False)
        assert install.returncode == 0, (install.stdout + install.stderr +
                                         run(*kubectl, "-n", ns, "get", "pods,events", check=False).stdout)
        test = run("helm", "test", release, "--kube-context", kube_context, "-n", ns, "--logs",
                   timeout=300, check=False)
        assert test.returncode == 0, test.stdout + test.stderr
        assert "Phase:          Succeeded" in test.stdout or "Succeeded" in test.stdout
        assert jwt not in install.stdout + test.stdout
    finally:
        run("helm", "uninstall", release, "--kube-context", kube_context, "-n", ns, "--wait", check=False)
        run(*kubectl, "delete", "namespace", ns, "--wait=false", check=False)
