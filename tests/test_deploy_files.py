"""The deployment files of the scaled topology (issue #11), checked without a Docker engine:
the compose file parses and names every service the topology needs, each long-running one
with a health check; its environment is what the README documents and what the Rasa
endpoints file asks for; secrets only come from the environment; the HAProxy configuration
it mounts is the project's template rendered for its services, and Debian's haproxy accepts
the configurations the project renders."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Dict, Set

import pytest
import yaml
from service_fixtures import missing

from ops.haproxy_config import COMPOSE_CONFIG, compose_config, render

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yml"
TOPOLOGY = {
    "postgres",
    "redis",
    "migrate",
    "rasa-1",
    "rasa-2",
    "actions-1",
    "actions-2",
    "haproxy",
    "console",
    "website",
}
ONE_SHOT = {"migrate"}
PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)")


@pytest.fixture(scope="module")
def compose() -> Dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def documented_variables() -> Set[str]:
    """Every variable named in a table of the README (or of docs/channels.md, the channels' own page)."""
    names: Set[str] = set()
    for page in (ROOT / "README.md", ROOT / "docs" / "channels.md"):
        for line in page.read_text().splitlines():
            if line.startswith("|"):
                names.update(re.findall(r"`([A-Z][A-Z0-9_]{2,})`", line))
    return names


def test_the_compose_file_names_every_service_of_the_topology_with_health_checks(compose):
    services = compose["services"]
    assert TOPOLOGY <= set(services)
    for name in TOPOLOGY - ONE_SHOT:
        check = services[name].get("healthcheck")
        assert check and check["test"][0] == "CMD", f"{name} has no health check"
    # Replicas start only once what they need is healthy (or migrated).
    for name in ("rasa-1", "rasa-2"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert {"rasa-1", "rasa-2", "actions-1", "actions-2"} <= set(services["haproxy"]["depends_on"])
    # Only the load balancer, the console and the website are published, on BIND_ADDRESS (loopback by default).
    published = {name for name, service in services.items() if service.get("ports")}
    assert published == {"haproxy", "console", "website"}
    for name in published:
        assert all(port.startswith("${BIND_ADDRESS:-127.0.0.1}:") for port in services[name]["ports"])


def test_every_variable_of_the_compose_file_is_documented_in_the_readme(compose):
    used = set(PLACEHOLDER.findall(COMPOSE.read_text()))
    # The project's own services' settings (postgres, redis and haproxy are configured the images' way).
    ours = [service for service in compose["services"].values() if "build" in service]
    assert len(ours) >= 7
    environment = {key for service in ours for key in (service.get("environment") or {})}
    undocumented = (used | environment) - documented_variables()
    assert not undocumented, f"not in the README's tables: {sorted(undocumented)}"


def test_rasa_replicas_get_every_variable_their_endpoints_file_asks_for(compose):
    endpoints = (DEPLOY / "endpoints.scaled.yml").read_text()
    asked = set(PLACEHOLDER.findall(endpoints))
    assert asked == {"ACTION_ENDPOINT_URL", "TRACKER_STORE_URL", "REDIS_URL"}
    assert asked <= documented_variables()
    for name in ("rasa-1", "rasa-2"):
        service = compose["services"][name]
        assert asked <= set(service["environment"])
        assert "deploy/endpoints.scaled.yml" in service["command"]
        assert "--enable-api" not in service["command"]  # Rasa's HTTP API stays off
    parsed = yaml.safe_load(endpoints)
    assert parsed["lock_store"]["type"] == "rasa_runtime.redis_lock_store.RedisLockStore"


def test_secrets_only_come_from_the_environment(compose):
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if any(word in key for word in ("PASSWORD", "SECRET", "TOKEN")):
                assert str(value).startswith("${"), f"{name}: {key} is written into the compose file"
            if "://" in str(value) and "@" in str(value):
                assert "${POSTGRES_PASSWORD:?" in str(value), f"{name}: {key} carries a password of its own"


def test_the_images_and_files_the_compose_file_refers_to_exist(compose):
    build = compose["x-app"]["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == (DEPLOY / "Dockerfile").resolve()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and "rasa train" in dockerfile
    for service in compose["services"].values():
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), source


def test_the_mounted_haproxy_config_is_the_template_rendered_for_the_compose_services():
    assert COMPOSE_CONFIG.read_text() == compose_config(), "run: python -m ops.haproxy_config > deploy/haproxy.cfg"


def test_debian_haproxy_accepts_the_rendered_configurations(tmp_path):
    haproxy = shutil.which("haproxy") or ("/usr/sbin/haproxy" if Path("/usr/sbin/haproxy").exists() else None)
    if haproxy is None:
        missing("haproxy not installed (make scaled-tools)")
    local = tmp_path / "local.cfg"
    local.write_text(render("127.0.0.1:18000", "127.0.0.1:18001", ["127.0.0.1:18002"], ["127.0.0.1:18003"]))
    for config in (local, COMPOSE_CONFIG):
        result = subprocess.run([haproxy, "-c", "-f", str(config)], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stdout + result.stderr
