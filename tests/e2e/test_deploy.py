"""The container and Kubernetes deployment (Dockerfile, deploy/): no engine runs here, so what
can be checked is: the manifests parse and agree with each other and with the image (ports,
probe paths, user, token path), and the routes they name exist on a real daemon started the way
the container starts it (deploy/container/entrypoint.sh), with the token rules they rely on."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
from pathlib import Path

import pytest
import requests
import yaml

from conftest import SHORT_DEADLINE_S, daemon_binary, free_port, make_demo_copy, repo_root, wait_for

pytestmark = pytest.mark.lifecycle

K8S = repo_root() / "deploy" / "kubernetes"


def manifests() -> dict[str, dict]:
    kust = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    out = {}
    for name in kust["resources"]:
        for doc in yaml.safe_load_all((K8S / name).read_text()):
            out[doc["kind"]] = doc
    return out


def dockerfile() -> str:
    return (repo_root() / "Dockerfile").read_text()


def test_manifests_agree_with_each_other_and_the_image():
    m = manifests()
    assert set(m) == {"Secret", "Service", "StatefulSet"}
    sts, svc, secret = m["StatefulSet"], m["Service"], m["Secret"]
    pod = sts["spec"]["template"]
    c = pod["spec"]["containers"][0]
    port = c["ports"][0]
    args = c["args"]
    assert args[args.index("--port") + 1] == str(port["containerPort"]) == "8090"
    assert args[args.index("--bind") + 1] == "0.0.0.0"
    assert svc["spec"]["ports"][0]["targetPort"] == port["name"]
    assert svc["spec"]["selector"] == sts["spec"]["selector"]["matchLabels"]
    assert sts["spec"]["serviceName"] == svc["metadata"]["name"]
    assert c["readinessProbe"]["httpGet"]["path"] == "/health"
    assert c["livenessProbe"]["httpGet"]["path"] == "/livez"
    ann = pod["metadata"]["annotations"]
    assert ann["prometheus.io/path"] == "/metrics" and ann["prometheus.io/port"] == "8090"
    # The token: the Secret's key, mounted where GODOTD_TOKEN_FILE says.
    env = {e["name"]: e["value"] for e in c["env"]}
    mount = [v for v in c["volumeMounts"] if v["name"] == "token"][0]
    vol = [v for v in pod["spec"]["volumes"] if v["name"] == "token"][0]
    assert vol["secret"]["secretName"] == secret["metadata"]["name"]
    assert env["GODOTD_TOKEN_FILE"] == mount["mountPath"] + "/" + list(secret["stringData"])[0]
    # The project volume at the path the entrypoint serves.
    assert [v for v in c["volumeMounts"] if v["name"] == "project"][0]["mountPath"] == "/project"
    assert sts["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "project"
    # The image's user and port.
    df = dockerfile()
    uid = re.search(r"useradd [^\n]*--uid (\d+)", df).group(1)
    assert str(pod["spec"]["securityContext"]["runAsUser"]) == uid
    assert re.search(r"^USER godotd$", df, re.M) and re.search(r"^EXPOSE 8090$", df, re.M)
    assert re.search(r"^FROM debian:bookworm$", df, re.M)
    assert "HEALTHCHECK" in df and "http://127.0.0.1:8090/health" in df
    entry = re.search(r'^ENTRYPOINT \["([^"]+)"\]', df, re.M).group(1)
    assert entry == "/opt/godotd/deploy/container/entrypoint.sh"
    assert os.access(repo_root() / "deploy" / "container" / "entrypoint.sh", os.X_OK)
    for script in re.findall(r"scripts/[a-z-]+", df):
        assert (repo_root() / script).is_file(), script


def test_routes_the_deployment_uses_exist(tmp_path):
    """The daemon started as the container starts it: probes without a token, the rest with."""
    project = make_demo_copy(tmp_path)
    secret = tmp_path / "secret-token"
    secret.write_text("k8s-secret-token-0123456789abcdef\n")
    secret.chmod(0o440)  # as a Secret volume mounts it: group-readable, not ours alone
    port = free_port()
    env = {**os.environ, "GODOTD_PROJECT": str(project), "GODOTD_TOKEN_FILE": str(secret),
           "GODOTD_BIN": str(daemon_binary()), "XDG_RUNTIME_DIR": str(tmp_path)}
    proc = subprocess.Popen([str(repo_root() / "deploy" / "container" / "entrypoint.sh"),
                             # Off loopback the token is required; here --require-token stands in.
                             "--bind", "127.0.0.1", "--require-token", "--port", str(port),
                             "--no-autostart"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        http = requests.Session()
        http.trust_env = False

        def live():
            return http.get(url + "/livez", timeout=2).status_code == 200
        wait_for(live, SHORT_DEADLINE_S, 0.1, "the daemon to answer /livez")
        sts = manifests()["StatefulSet"]["spec"]["template"]
        c = sts["spec"]["containers"][0]
        for probe in ("readinessProbe", "livenessProbe"):
            path = c[probe]["httpGet"]["path"]
            r = http.get(url + path, timeout=5)
            assert r.status_code != 401 and r.status_code != 404, (probe, path, r.status_code)
        assert http.get(url + "/livez", timeout=5).json()["alive"] is True
        assert http.get(url + "/health", timeout=5).status_code == 503  # no editor: not ready
        path = sts["metadata"]["annotations"]["prometheus.io/path"]
        assert http.get(url + path, timeout=5).status_code == 401
        token = "k8s-secret-token-0123456789abcdef"
        r = http.get(url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5)
        assert r.status_code == 200 and "godotd_editor_up" in r.text
        # The private copy of the secret is the entrypoint's, 0600.
        private = tmp_path / "godotd-token"
        assert private.stat().st_mode & 0o777 == 0o600
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
    # Logs are JSON lines (--log-format json in the entrypoint).
    first = proc.stderr.read().decode().splitlines()[0]
    assert first.startswith("{") and '"level"' in first, first


def test_entrypoint_refuses_a_volume_without_a_project(tmp_path):
    env = {**os.environ, "GODOTD_PROJECT": str(tmp_path), "GODOTD_BIN": str(daemon_binary())}
    r = subprocess.run([str(repo_root() / "deploy" / "container" / "entrypoint.sh")], env=env,
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "no project.godot" in r.stderr
