"""deploy/k8s validated offline against the Kubernetes schemas (kubernetes-validate ships
them), strictly: an unknown field is an error too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.deploy.promql import DEPLOY

K8S = DEPLOY / "k8s"
VERSION = "1.30"
MANIFESTS = sorted(p for p in K8S.glob("*.yaml") if p.name != "kustomization.yaml")


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def by_kind() -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for p in MANIFESTS for d in documents(p)}


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_the_manifest_matches_the_kubernetes_schema(path: Path) -> None:
    for doc in documents(path):
        assert kubernetes_validate.validate(doc, VERSION, strict=True) == VERSION


def test_the_validation_can_fail() -> None:
    statefulset = by_kind()["StatefulSet"]
    statefulset["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(statefulset, VERSION, strict=True)


def test_kustomize_applies_everything_but_the_example_secret() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert set(kustomization["resources"]) == {
        p.name for p in MANIFESTS if p.name != "secret.example.yaml"}


def test_the_statefulset_keeps_rocksdb_on_a_volume_per_pod() -> None:
    spec = by_kind()["StatefulSet"]["spec"]
    assert spec["serviceName"] == by_kind()["Service"]["metadata"]["name"]
    assert by_kind()["Service"]["spec"]["clusterIP"] == "None"
    claim = spec["volumeClaimTemplates"][0]
    container = spec["template"]["spec"]["containers"][0]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    env = {e["name"]: e["value"] for e in container["env"]}
    assert mounts[claim["metadata"]["name"]] == env["KETENLINK_DATA_DIR"] == "/var/lib/ketenlink"
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_probes_use_ready_and_a_rebalance_does_not_restart_the_pod() -> None:
    container = by_kind()["StatefulSet"]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    # /ready is false while rebalancing or recovering, and for good on a worker beyond the
    # partition count: none of that may restart the pod
    assert "httpGet" not in container["livenessProbe"]
    assert "httpGet" not in container["startupProbe"]
    port = container["ports"][0]
    assert port["name"] == "http" and port["containerPort"] == 6066


def test_the_hmac_key_is_a_mounted_secret_and_the_pod_runs_as_the_image_user() -> None:
    pod = by_kind()["StatefulSet"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    secret = by_kind()["Secret"]
    volume = next(v for v in pod["volumes"] if "secret" in v)
    mount = next(m for m in container["volumeMounts"] if m["name"] == volume["name"])
    assert volume["secret"]["secretName"] == secret["metadata"]["name"]
    assert env["KETENLINK_HMAC_KEY_FILE"] == f"{mount['mountPath']}/hmac.key"
    assert list(secret["stringData"]) == ["hmac.key"]
    assert "KETENLINK_HMAC_KEY" not in by_kind()["ConfigMap"]["data"]
    assert pod["securityContext"]["runAsUser"] == 10001  # the USER of deploy/Dockerfile
    assert container["securityContext"]["readOnlyRootFilesystem"] is True


MEASURED_PEAK_MIB = 282  # a worker draining 50,000 messages over 4 partitions
ROCKSDB_PER_PARTITION_MIB = 64 + 2 * 16  # block cache and memtables (streams/app/service.py)
PARTITIONS = 12  # deploy/k8s/configmap.yaml: all of them may land on one pod


def mebibytes(quantity: str) -> int:
    return int(quantity.removesuffix("Gi")) * 1024 if quantity.endswith("Gi") else int(
        quantity.removesuffix("Mi"))


def test_resources_are_requested_and_memory_is_bounded() -> None:
    resources = by_kind()["StatefulSet"]["spec"]["template"]["spec"]["containers"][0][
        "resources"]
    assert resources["requests"]["cpu"] == "1"  # the engine runs on one thread
    request, limit = (mebibytes(resources[k]["memory"]) for k in ("requests", "limits"))
    assert MEASURED_PEAK_MIB < request < limit
    assert limit > MEASURED_PEAK_MIB + PARTITIONS * ROCKSDB_PER_PARTITION_MIB
    assert by_kind()["ConfigMap"]["data"]["KETENLINK_PARTITIONS"] == str(PARTITIONS)
    assert "cpu" not in resources["limits"]  # throttling would only add latency
