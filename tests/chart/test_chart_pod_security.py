"""Pod Security Standards: every pod the chart renders (app pods and the helm test pod, with prod,
dev and all opt-in values) would be admitted by a namespace enforcing "restricted", which
includes every "baseline" rule. Rules follow kubernetes.io/docs/concepts/security/pod-security-standards."""

import pytest

from chart_helpers import VALUES_SETS, all_containers, pod_specs
from scripts.project import APP_GID, APP_UID

SETS = sorted(VALUES_SETS)

# Restricted: only these volume sources.
ALLOWED_VOLUME_SOURCES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
                          "persistentVolumeClaim", "projected", "secret"}
# Baseline: the sysctls a pod may set.
SAFE_SYSCTLS = {"kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.ip_unprivileged_port_start",
                "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range", "net.ipv4.ip_local_reserved_ports",
                "net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes"}


def pods(rendered, values_set):
    found = list(pod_specs(rendered[values_set]))
    assert found, "no pods rendered"
    return found


def where(obj, container=None):
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    return f"{name} container {container['name']}" if container else name


@pytest.mark.parametrize("values_set", SETS)
def test_no_host_namespaces_host_paths_or_host_ports(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        for field in ("hostNetwork", "hostPID", "hostIPC"):
            assert not spec.get(field), f"{where(obj)} sets {field}"
        for volume in spec.get("volumes") or []:
            assert "hostPath" not in volume, f"{where(obj)} mounts hostPath {volume['name']}"
        for _, container in all_containers(spec):
            for port in container.get("ports") or []:
                assert not port.get("hostPort"), f"{where(obj, container)} uses hostPort"


@pytest.mark.parametrize("values_set", SETS)
def test_only_restricted_volume_types(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        for volume in spec.get("volumes") or []:
            sources = set(volume) - {"name"}
            assert sources <= ALLOWED_VOLUME_SOURCES, f"{where(obj)} volume {volume['name']}: {sources}"


@pytest.mark.parametrize("values_set", SETS)
def test_no_privileged_containers_and_no_escalation(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        for _, container in all_containers(spec):
            context = container.get("securityContext") or {}
            assert context.get("privileged") is not True, where(obj, container)
            # Restricted requires an explicit false on every container, init and ephemeral included.
            assert context.get("allowPrivilegeEscalation") is False, where(obj, container)
            assert context.get("procMount", "Default") == "Default", where(obj, container)


@pytest.mark.parametrize("values_set", SETS)
def test_capabilities_drop_all_and_add_at_most_net_bind_service(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        for _, container in all_containers(spec):
            capabilities = (container.get("securityContext") or {}).get("capabilities") or {}
            assert "ALL" in (capabilities.get("drop") or []), where(obj, container)
            assert set(capabilities.get("add") or []) <= {"NET_BIND_SERVICE"}, where(obj, container)


@pytest.mark.parametrize("values_set", SETS)
def test_runs_as_non_root_with_a_non_zero_uid(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        pod = spec.get("securityContext") or {}
        assert pod.get("runAsUser", None) != 0, where(obj)
        for _, container in all_containers(spec):
            context = container.get("securityContext") or {}
            # runAsNonRoot must be true at pod level or on every container, and never false.
            assert context.get("runAsNonRoot", pod.get("runAsNonRoot")) is True, where(obj, container)
            assert context.get("runAsUser", pod.get("runAsUser")) != 0, where(obj, container)


@pytest.mark.parametrize("values_set", SETS)
def test_seccomp_profile_is_runtime_default_or_localhost(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        pod_profile = ((spec.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
        for _, container in all_containers(spec):
            profile = ((container.get("securityContext") or {}).get("seccompProfile") or {}).get("type")
            assert (profile or pod_profile) in {"RuntimeDefault", "Localhost"}, where(obj, container)


@pytest.mark.parametrize("values_set", SETS)
def test_no_unsafe_sysctls_selinux_or_apparmor_overrides(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        pod = spec.get("securityContext") or {}
        for sysctl in pod.get("sysctls") or []:
            assert sysctl["name"] in SAFE_SYSCTLS, f"{where(obj)} sysctl {sysctl['name']}"
        contexts = [pod] + [c.get("securityContext") or {} for _, c in all_containers(spec)]
        for context in contexts:
            selinux = context.get("seLinuxOptions") or {}
            assert not selinux.get("user") and not selinux.get("role"), where(obj)
            assert selinux.get("type", "") in {"", "container_t", "container_init_t", "container_kvm_t",
                                               "container_engine_t"}, where(obj)
            apparmor = (context.get("appArmorProfile") or {}).get("type", "RuntimeDefault")
            assert apparmor in {"RuntimeDefault", "Localhost"}, where(obj)
            assert not (context.get("windowsOptions") or {}).get("hostProcess"), where(obj)


def test_the_images_uid_and_gid_are_used(rendered):
    # Every image creates user `app` with the project's UID/GID (values.yaml owns them, the image builds
    # get them as build args); fsGroup makes volumes writable.
    for obj, spec in pods(rendered, "prod"):
        pod = spec["securityContext"]
        assert (pod["runAsUser"], pod["runAsGroup"], pod["fsGroup"]) == (APP_UID, APP_GID, APP_GID), where(obj)


def test_prod_root_filesystems_are_read_only_with_writable_empty_dirs(rendered):
    for obj, spec in pods(rendered, "prod"):
        volumes = {v["name"]: v for v in spec.get("volumes") or []}
        for _, container in all_containers(spec):
            assert container["securityContext"]["readOnlyRootFilesystem"] is True, where(obj, container)
            if obj["kind"] == "Deployment":
                mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
                assert "emptyDir" in volumes[mounts["/tmp"]["name"]], where(obj, container)
    frontend = next(s for o, s in pods(rendered, "prod") if o["metadata"]["name"].endswith("-frontend"))
    mounts = {m["mountPath"]: m for m in frontend["containers"][0]["volumeMounts"]}
    assert mounts["/app/.next/cache"]["name"] == "empty-dir"


@pytest.mark.parametrize("values_set", SETS)
def test_service_account_tokens_are_not_mounted(rendered, values_set):
    for obj, spec in pods(rendered, values_set):
        assert spec.get("automountServiceAccountToken") is False, where(obj)
    for account in (o for o in rendered[values_set] if o["kind"] == "ServiceAccount"):
        assert account.get("automountServiceAccountToken") is False
    # Minimal rights: the chart binds no Role to its ServiceAccount.
    kinds = {o["kind"] for o in rendered[values_set]}
    assert not kinds & {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
