"""Throwaway Redis Cluster and Sentinel setups on free loopback ports, stopped by PID."""

from __future__ import annotations

import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import HOST, free_port, wait_port

# Every wait below is bounded: formation and failover take seconds, never minutes.
CLUSTER_DEADLINE = 30.0
SENTINEL_DEADLINE = 30.0


def _binary(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (apt-get install redis-server redis-tools)")
    return path


def _cli(port: int, *args: str, timeout: float = 10.0) -> str:
    done = subprocess.run(
        [_binary("redis-cli"), "-h", HOST, "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.stdout + done.stderr


@dataclass
class Servers:
    """redis-server processes this test run started; ``stop()`` kills each by its PID."""

    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, args: list[str], cwd: Path, port: int) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [_binary("redis-server"), *args],
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.procs.append(proc)
        wait_port(port)
        return proc

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs:
            proc.wait(10)
        self.procs.clear()


@dataclass
class Cluster:
    """A 3-master Redis Cluster without replicas."""

    ports: list[int]
    servers: Servers
    setup_seconds: float = 0.0

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.ports[0]}/0"

    def cli(self, *args: str) -> str:
        return _cli(self.ports[0], *args)


def start_cluster(tmp: Path) -> Cluster:
    """Start 3 cluster-enabled servers, join them, and wait (bounded) for cluster_state:ok."""
    began = time.monotonic()
    servers = Servers()
    ports = [free_port() for _ in range(3)]
    try:
        for port in ports:
            node = tmp / f"node-{port}"
            node.mkdir()
            servers.spawn(
                [
                    "--port",
                    str(port),
                    "--bind",
                    HOST,
                    "--cluster-enabled",
                    "yes",
                    # Its own bus port: the default (port + 10000) may be taken or above 65535.
                    "--cluster-port",
                    str(free_port()),
                    "--cluster-config-file",
                    str(node / "nodes.conf"),
                    "--cluster-node-timeout",
                    "2000",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--dir",
                    str(node),
                ],
                node,
                port,
            )
        out = _cli(
            ports[0],
            "--cluster",
            "create",
            *(f"{HOST}:{p}" for p in ports),
            "--cluster-replicas",
            "0",
            "--cluster-yes",
            timeout=CLUSTER_DEADLINE,
        )
        if "[OK] All 16384 slots covered" not in out:
            raise RuntimeError(f"redis-cli --cluster create failed: {out[-500:]}")
        deadline = time.monotonic() + CLUSTER_DEADLINE
        while not all("cluster_state:ok" in _cli(p, "cluster", "info") for p in ports):
            if time.monotonic() > deadline:
                raise RuntimeError("cluster_state did not become ok in time")
            time.sleep(0.1)
    except BaseException:
        servers.stop()
        raise
    return Cluster(ports, servers, time.monotonic() - began)


@dataclass
class SentinelSetup:
    """One master, one replica (replicaof) and three sentinels watching service ``name``."""

    name: str
    master: int
    replica: int
    sentinels: list[int]
    servers: Servers
    setup_seconds: float = 0.0

    def sentinel_cli(self, *args: str, index: int = 0) -> str:
        return _cli(self.sentinels[index], *args)

    def master_port(self) -> int:
        """Return the port the first sentinel names as master now."""
        out = self.sentinel_cli("sentinel", "get-master-addr-by-name", self.name).split()
        return int(out[1])

    def role(self, port: int) -> str:
        return _cli(port, "role").split()[0]


def start_sentinel(tmp: Path) -> SentinelSetup:
    """Start master, replica and 3 sentinels (quorum 2); wait until all see each other."""
    began = time.monotonic()
    servers = Servers()
    master, replica = free_port(), free_port()
    # One service name per setup: django-redis keeps its pools per URL for the process, and
    # the URL names the service, so a reused name would reach the previous setup's sentinels.
    name = f"mymaster{master}"
    sentinels = [free_port() for _ in range(3)]
    common = ["--bind", HOST, "--save", "", "--appendonly", "no"]
    try:
        servers.spawn(["--port", str(master), *common], tmp, master)
        servers.spawn(
            ["--port", str(replica), *common, "--replicaof", HOST, str(master)], tmp, replica
        )
        for port in sentinels:
            conf = tmp / f"sentinel-{port}.conf"
            conf.write_text(
                f"port {port}\nbind {HOST}\ndir {tmp}\n"
                f"sentinel monitor {name} {HOST} {master} 2\n"
                f"sentinel down-after-milliseconds {name} 1000\n"
                f"sentinel failover-timeout {name} 5000\n"
                f"sentinel parallel-syncs {name} 1\n"
            )
            servers.spawn([str(conf), "--sentinel"], tmp, port)
        deadline = time.monotonic() + SENTINEL_DEADLINE
        setup = SentinelSetup(name, master, replica, sentinels, servers)
        while not _sentinels_ready(setup):
            if time.monotonic() > deadline:
                raise RuntimeError("sentinels did not discover each other and the replica in time")
            time.sleep(0.2)
    except BaseException:
        servers.stop()
        raise
    setup.setup_seconds = time.monotonic() - began
    return setup


def _sentinels_ready(setup: SentinelSetup) -> bool:
    """Every sentinel knows the replica and the 2 other sentinels; the replica is in sync."""
    if "master_link_status:up" not in _cli(setup.replica, "info", "replication"):
        return False
    for index in range(3):
        fields = setup.sentinel_cli("sentinel", "master", setup.name, index=index).split()
        info = dict(zip(fields[::2], fields[1::2], strict=False))
        if info.get("num-slaves") != "1" or info.get("num-other-sentinels") != "2":
            return False
        if info.get("flags") != "master":  # not s_down/o_down/disconnected: clients find it
            return False
    return True
