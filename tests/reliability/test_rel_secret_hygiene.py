"""Secret hygiene after a full `tilt ci -- --db=postgres` from a fresh copy: the JWT_SECRET and the
database password (hence DATABASE_URL) appear nowhere outside the Secret — not in the built images'
filesystems (`docker save`), not in rendered or applied manifests (helm template, Tilt's snapshot,
`kubectl get -o yaml` of every non-Secret object), not in Tilt's log, not in any pod's log."""
import json
import secrets
import subprocess
import tarfile

import pytest

from reliability_helpers import record
from tests.support.tilt_session import Tilt, copy_repo, tool_env
from scripts.project import SECRET_NAME

KINDS = ("deployments,statefulsets,replicasets,pods,services,endpointslices,configmaps,serviceaccounts,"
         "persistentvolumeclaims,networkpolicies,poddisruptionbudgets,jobs,events")


def hits_in_stream(stream, needles):
    """Count occurrences of each needle in a byte stream, across chunk boundaries."""
    keep = max(len(n) for n in needles)
    tail, counts = b"", {n: 0 for n in needles}
    while chunk := stream.read(1 << 20):
        buf = tail + chunk
        for n in needles:
            counts[n] += buf.count(n)
        tail = buf[-keep + 1:]
        for n in needles:  # do not count a match lying wholly inside the kept tail twice
            counts[n] -= tail.count(n)
    for n in needles:
        counts[n] += tail.count(n)
    return sum(counts.values())


def image_hits(ref, needles):
    """Every file of every layer of the image (`docker save`), decompressed by tarfile."""
    proc = subprocess.Popen(["docker", "save", ref], stdout=subprocess.PIPE, env=tool_env())
    total = 0
    with tarfile.open(fileobj=proc.stdout, mode="r|") as outer:
        for member in outer:
            if not member.isfile():
                continue
            f = outer.extractfile(member)
            if member.name.endswith((".tar", "layer.tar")) or member.name.startswith("blobs/"):
                try:
                    with tarfile.open(fileobj=f, mode="r|*") as layer:
                        for entry in layer:
                            if entry.isfile():
                                total += hits_in_stream(layer.extractfile(entry), needles)
                    continue
                except tarfile.ReadError:
                    f = outer.extractfile(member)  # a config/manifest blob, not a layer
            total += hits_in_stream(f, needles)
    assert proc.wait() == 0
    return total


@pytest.fixture(scope="module")
def ci_run(tmp_path_factory, kube_context):
    repo = copy_repo(tmp_path_factory.mktemp("hygiene") / "repo")
    values = {"JWT_SECRET": secrets.token_urlsafe(48), "POSTGRES_PASSWORD": secrets.token_urlsafe(24)}
    (repo / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    tilt = Tilt(repo, kube_context, namespace=f"todo-rel-{secrets.token_hex(3)}")
    snapshot = repo.parent / "snapshot.json"
    try:
        rc, out, seconds = tilt.ci("--db=postgres", snapshot=snapshot, timeout=1200)
        assert rc == 0, tilt.log_tail(150)
        yield tilt, values, out, snapshot, seconds
    finally:
        tilt.delete_namespace()


def test_no_secret_value_outside_the_secret_after_a_full_tilt_ci(ci_run):
    tilt, values, out, snapshot, seconds = ci_run
    needles = [v.encode() for v in values.values()]
    found = {}
    # Tilt's own output and its end-of-run snapshot (logs, resources, applied objects).
    found["tilt log"] = sum(out.encode().count(n) for n in needles)
    found["tilt snapshot"] = sum(snapshot.read_bytes().count(n) for n in needles)
    # Every non-Secret object as stored by the API server (what Tilt applied, plus what controllers made).
    objects = tilt.kubectl("get", KINDS, "-o", "yaml").stdout.encode()
    found["kubectl get -o yaml (non-Secret objects)"] = sum(objects.count(n) for n in needles)
    # The chart rendered exactly as the plan renders it.
    plan = json.loads(subprocess.run(
        [".venv/bin/python", "-m", "scripts.tilt", "plan", "--context", tilt.context, "--config",
         json.dumps({"db": "postgres", "namespace": tilt.namespace})],
        cwd=tilt.workdir, env=tool_env(), capture_output=True, text=True, check=True).stdout)
    cmd = ["helm", "template", plan["release"], plan["chart"], "-n", plan["namespace"]]
    for v in plan["values"]:
        cmd += ["--values", v]
    for s in plan["set"]:
        cmd += ["--set", s]
    rendered = subprocess.run(cmd, cwd=tilt.workdir, env=tool_env(), capture_output=True, check=True).stdout
    found["helm template"] = sum(rendered.count(n) for n in needles)
    # Every container's log.
    pods = tilt.kubectl("get", "pods", "-o", "json").stdout
    logs = b""
    for pod in json.loads(pods)["items"]:
        for c in pod["spec"]["containers"]:
            logs += tilt.kubectl("logs", pod["metadata"]["name"], "-c", c["name"], check=False).stdout.encode()
    found["pod logs"] = sum(logs.count(n) for n in needles)
    # The images the pods run (the ones Tilt built and pushed), every file of every layer.
    images = sorted({c["image"] for pod in json.loads(pods)["items"] for c in pod["spec"]["containers"]})
    assert len(images) == 3, images  # backend, frontend, postgres
    for ref in images:
        found[f"image {ref.split('/')[-1]}"] = image_hits(ref, needles)
    # Positive control: the same search does find a string we know is in a layer (the entrypoint).
    postgres = next(ref for ref in images if "todo-postgres" in ref)
    assert image_hits(postgres, [b"todo-postgres: initialized"]) >= 1
    # The search works: the Secret itself does hold the values.
    secret = tilt.kubectl("get", "secret", SECRET_NAME, "-o", "json").stdout
    assert values["JWT_SECRET"] in __import__("base64").b64decode(json.loads(secret)["data"]["JWT_SECRET"]).decode()
    record("secret_hygiene", {"places_searched": len(found), "hits": sum(found.values()), "by_place": found,
                              "tilt_ci_seconds": round(seconds, 1)})
    assert sum(found.values()) == 0, found


def test_hit_counter_finds_values_across_chunk_boundaries():
    import io
    data = b"x" * ((1 << 20) - 3) + b"SECRET" + b"y" * 10 + b"SECRET"
    assert hits_in_stream(io.BytesIO(data), [b"SECRET"]) == 2
