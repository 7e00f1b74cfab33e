#!/usr/bin/env python3
"""A real single-node Apache Kafka broker (KRaft mode, no ZooKeeper) for tests and developers.

The broker's jars come from Maven Central through Maven (tools/kafka/pom.xml) into a cache,
once; each broker is a plain `java` process with a work directory of its own:

    python tools/broker.py fetch                       # download the jars (first run only)
    python tools/broker.py start [--dir D] [--port N]  # prints the bootstrap address, returns
    python tools/broker.py stop  [--dir D]
    python tools/broker.py run   [--dir D] [--port N]  # foreground until Ctrl-C

From Python: `fetch(cache)`, `start(workdir) -> Broker`, `broker.stop()`, `stop(workdir)`.

Standard library only, so it runs with any python3.11, inside the venv or not. Needs `java`
(Debian: openjdk-17-jre-headless) and, for the first fetch, `mvn` (Debian: maven). The cache
is <repo>/.cache/kafka unless KETENLINK_KAFKA_CACHE names another directory.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POM = ROOT / "tools" / "kafka" / "pom.xml"
CACHE_ENV = "KETENLINK_KAFKA_CACHE"
HOST = "127.0.0.1"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 30.0
START_ATTEMPTS = 3  # only ports that we picked ourselves are tried again
JVM_OPTS = ("-Xms128m", "-Xmx512m", "-Djava.awt.headless=true")
KAFKA_MAIN = "kafka.Kafka"
STORAGE_TOOL = "kafka.tools.StorageTool"
STARTED_MARK = "Kafka Server started"  # KafkaRaftServer's line once it serves clients
PORT_TAKEN_MARK = "Address already in use"
LOG_TAIL_LINES = 40
_POM_NS = {"m": "http://maven.apache.org/POM/4.0.0"}

LOG4J_PROPERTIES = """\
# Written by tools/broker.py: INFO to stdout (which is broker.log), minus the bulky parts.
log4j.rootLogger=INFO, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
# Full config dumps (hundreds of lines each) and per-partition chatter.
log4j.logger.kafka.server.KafkaConfig=WARN
log4j.logger.org.apache.kafka.common.config.AbstractConfig=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.storage.internals.log=WARN
log4j.logger.kafka.log.UnifiedLog=WARN
log4j.logger.kafka.log.LogManager=WARN
log4j.logger.kafka.cluster.Partition=WARN
log4j.logger.kafka.server.ReplicaFetcherManager=WARN
log4j.logger.kafka.server.ReplicaAlterLogDirsManager=WARN
log4j.logger.kafka.coordinator=WARN
log4j.logger.org.apache.kafka.coordinator=WARN
log4j.logger.kafka.utils.Log4jControllerRegistration$=WARN
"""


class BrokerError(RuntimeError):
    """Kafka could not be fetched, started or stopped; the message says why."""


# --- tools on the machine ---------------------------------------------------------------------


def _require(tool: str, package: str) -> str:
    """The path of `tool` on PATH; BrokerError naming the Debian package when it is missing."""
    path = shutil.which(tool)
    if path is None:
        raise BrokerError(
            f"`{tool}` was not found on PATH; install it (Debian: apt-get install {package})"
        )
    return path


def java() -> str:
    """The `java` to run: $JAVA_HOME/bin/java when that exists, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return _require("java", "openjdk-17-jre-headless")


# --- fetching the jars ------------------------------------------------------------------------


def kafka_version(pom: Path = POM) -> str:
    """The Kafka version that the pom pins in its `kafka.version` property."""
    node = ET.parse(pom).find("m:properties/m:kafka.version", _POM_NS)
    if node is None or not (node.text or "").strip():
        raise BrokerError(f"{pom} has no <kafka.version> property")
    return (node.text or "").strip()


def default_cache() -> Path:
    """$KETENLINK_KAFKA_CACHE when set, else <repo>/.cache/kafka."""
    configured = os.environ.get(CACHE_ENV)
    return Path(configured).expanduser().resolve() if configured else ROOT / ".cache" / "kafka"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Holds an exclusive lock on `path` (created if absent) for the duration of the block."""
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read(path: Path) -> str:
    """The text of `path`, or "" when it does not exist."""
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        return ""


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of `text`."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def _log_excerpt(log: Path) -> str:
    """What a failure message shows of broker.log: its tail, after its first ERROR line (and
    the line after it) when that is not in the tail, which a shutdown fills with routine lines."""
    text = _read(log)
    tail = _tail(text)
    lines = text.splitlines()
    at = next((i for i, line in enumerate(lines) if " ERROR " in line), None)
    if at is not None and lines[at] not in tail:
        first = "\n".join(lines[at : at + 2])  # the error and its exception's message
        return f"{log}, first error:\n{first}\n... last {LOG_TAIL_LINES} lines:\n{tail}"
    return f"{log} ends with:\n{tail}"


def fetch(cache: Path | None = None) -> Path:
    """Returns `cache/<kafka-version>/libs`, holding every jar the broker needs.

    Runs Maven only when the stamp beside libs/ does not match the pom (the first run, or after
    the pom changed), and prints one line to stderr when it does. Several processes may call it
    at once (pytest-xdist workers): a file lock lets one download while the others wait.
    `cache` defaults to default_cache(). Raises BrokerError when mvn is missing or fails.
    """
    home = (default_cache() if cache is None else cache) / kafka_version()
    libs = home / "libs"
    stamp = home / "complete.stamp"
    want = hashlib.sha256(POM.read_bytes()).hexdigest()
    home.mkdir(parents=True, exist_ok=True)
    with _locked(home / ".lock"):
        if _read(stamp).strip() != want or not libs.is_dir():
            _download(libs)
            stamp.write_text(want + "\n")
    return libs


def _download(libs: Path) -> None:
    """Replaces `libs` with the pom's dependencies, copied there by Maven (all or nothing)."""
    mvn = _require("mvn", "maven")
    partial = libs.with_name(libs.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    print(
        f"broker.py: downloading Kafka {kafka_version()} jars with Maven into {libs}",
        file=sys.stderr,
        flush=True,
    )
    command = [
        mvn, "-q", "-B", "-f", str(POM),
        "dependency:copy-dependencies", f"-DoutputDirectory={partial}",
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BrokerError(
            f"Maven failed (exit {done.returncode}) fetching the Kafka jars:\n"
            + _tail(done.stdout + done.stderr)
        )
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)


# --- processes --------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    stat = _read(Path(f"/proc/{pid}/stat"))
    return not stat or stat.rsplit(")", 1)[-1].split()[:1] != ["Z"]


def _runs_broker(pid: int, workdir: Path) -> bool:
    """Whether `pid` is alive and is the broker of `workdir` (not a process that reused the pid).

    Where /proc cannot tell (not Linux), any live process counts.
    """
    if not _alive(pid):
        return False
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.exists():
        return True
    return str(workdir / "server.properties") in _read(cmdline).replace("\0", " ")


def _wait_gone(pid: int, timeout: float) -> bool:
    """Polls until `pid` is gone or `timeout` seconds passed; whether it is gone."""
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


@dataclass
class Broker:
    """A running broker: `bootstrap` is "127.0.0.1:PORT", its process and work directory.

    `workdir` holds server.properties, log4j.properties, broker.log, broker.json and data/.
    """

    bootstrap: str
    pid: int
    workdir: Path
    _process: subprocess.Popen[bytes] | None = field(default=None, repr=False, compare=False)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Ends the broker and returns once its process is gone; a no-op when it already is.

        Sends SIGTERM and waits up to `timeout` seconds for Kafka's clean shutdown, then sends
        SIGKILL. Removes workdir/broker.json. Signals only a process that is this broker.
        """
        if self._process is not None:
            self._stop_child(timeout)
        elif _runs_broker(self.pid, self.workdir):
            self._stop_other(timeout)
        (self.workdir / "broker.json").unlink(missing_ok=True)

    def _stop_child(self, timeout: float) -> None:
        """stop() for a broker that this process started (so it can reap it)."""
        assert self._process is not None
        if self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def _stop_other(self, timeout: float) -> None:
        """stop() for a broker that another process started (known by its pid only)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGTERM)
        if not _wait_gone(self.pid, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            if not _wait_gone(self.pid, 10):
                raise BrokerError(f"broker pid {self.pid} survived SIGKILL")


def recorded(workdir: Path) -> Broker | None:
    """The broker that workdir/broker.json records, or None when there is no such file."""
    workdir = workdir.resolve()
    text = _read(workdir / "broker.json")
    if not text:
        return None
    record = json.loads(text)
    return Broker(str(record["bootstrap"]), int(record["pid"]), workdir)


def stop(workdir: Path, timeout: float = STOP_TIMEOUT) -> Broker | None:
    """Stops the broker recorded in workdir/broker.json (see Broker.stop); returns it.

    Returns None when no broker is recorded there. A stale record (its process gone) is removed.
    """
    broker = recorded(workdir)
    if broker is not None:
        broker.stop(timeout)
    return broker


# --- starting ---------------------------------------------------------------------------------


def _free_ports(count: int, avoid: int | None = None) -> list[int]:
    """`count` distinct loopback ports that are free now, none equal to `avoid`."""
    sockets: list[socket.socket] = []
    try:
        while len(sockets) < count:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((HOST, 0))
            if sock.getsockname()[1] == avoid:
                sock.close()
                continue
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _check_port(port: int) -> None:
    """Raises BrokerError when loopback `port` cannot be listened on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as error:
            raise BrokerError(f"port {port} on {HOST} is not free: {error}") from error


def _connects(port: int) -> bool:
    """Whether a TCP connection to loopback `port` succeeds."""
    try:
        with socket.create_connection((HOST, port), timeout=1):
            return True
    except OSError:
        return False


def cluster_id() -> str:
    """A fresh KRaft cluster id: 16 random bytes, base64url without padding, not starting
    with "-" (Kafka's own rule, so that the command line does not read it as an option)."""
    while True:
        text = base64.urlsafe_b64encode(secrets.token_bytes(16)).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def server_properties(workdir: Path, port: int, controller_port: int) -> str:
    """The broker+controller config: listeners on 127.0.0.1 only, data in workdir/data,
    replication factor 1 everywhere, and modest retention for small disks."""
    settings = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(workdir / "data"),
        "num.partitions": "1",
        "default.replication.factor": "1",
        "auto.create.topics.enable": "true",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "2",
        "num.recovery.threads.per.data.dir": "1",
        "log.retention.hours": "2",
        "log.retention.bytes": str(64 * 1024 * 1024),
        "log.segment.bytes": str(16 * 1024 * 1024),
        "log.retention.check.interval.ms": "60000",
        "log.cleaner.dedupe.buffer.size": str(8 * 1024 * 1024),
    }
    lines = [f"{key}={value}" for key, value in settings.items()]
    return "# Written by tools/broker.py for a single-node test broker.\n" + "\n".join(lines) + "\n"


def _java_command(java_bin: str, libs: Path, workdir: Path, *args: str) -> list[str]:
    """A java command line with the broker's jars, JVM options and log4j config."""
    return [
        java_bin, *JVM_OPTS, "-cp", f"{libs}/*",
        f"-Dlog4j.configuration=file:{workdir / 'log4j.properties'}", *args,
    ]


def _prepare(workdir: Path, port: int, controller_port: int) -> Path:
    """Writes the configs into `workdir` and empties its data dir and log; the config's path."""
    shutil.rmtree(workdir / "data", ignore_errors=True)
    (workdir / "broker.log").write_text("")
    (workdir / "log4j.properties").write_text(LOG4J_PROPERTIES)
    config = workdir / "server.properties"
    config.write_text(server_properties(workdir, port, controller_port))
    return config


def _format_storage(java_bin: str, libs: Path, config: Path) -> None:
    """Formats the data dir named by `config` with a fresh cluster id (StorageTool format).

    Its output goes to broker.log; BrokerError with that output when it fails."""
    workdir = config.parent
    command = _java_command(
        java_bin, libs, workdir, STORAGE_TOOL, "format", "-t", cluster_id(), "-c", str(config)
    )
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    with (workdir / "broker.log").open("a") as log:
        log.write(done.stdout + done.stderr)
    if done.returncode != 0:
        raise BrokerError(
            f"formatting the storage failed (exit {done.returncode}):\n"
            + _tail(done.stdout + done.stderr)
        )


def _launch(java_bin: str, libs: Path, config: Path, detach: bool) -> subprocess.Popen[bytes]:
    """Starts kafka.Kafka, stdout and stderr appended to broker.log; in a session of its own
    when `detach`, else in this process's group."""
    workdir = config.parent
    command = _java_command(java_bin, libs, workdir, KAFKA_MAIN, str(config))
    with (workdir / "broker.log").open("ab") as log:
        return subprocess.Popen(
            command, cwd=workdir, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, start_new_session=detach,
        )


def _wait_ready(broker: Broker, port: int, timeout: float) -> None:
    """Returns once broker.log says the server started and `port` accepts connections.

    BrokerError (with the log's tail) when the process exits first or `timeout` passes."""
    assert broker._process is not None
    log = broker.workdir / "broker.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        code = broker._process.poll()
        if code is not None:
            raise BrokerError(
                f"the broker exited (code {code}) before it was ready; " + _log_excerpt(log)
            )
        if STARTED_MARK in _read(log) and _connects(port):
            return
        time.sleep(0.2)
    raise BrokerError(f"the broker was not ready within {timeout:.0f} s; " + _log_excerpt(log))


def _refuse_running(workdir: Path) -> None:
    """BrokerError when workdir/broker.json records a broker that still runs."""
    broker = recorded(workdir)
    if broker is not None and _runs_broker(broker.pid, workdir):
        raise BrokerError(
            f"a broker already runs in {workdir} (pid {broker.pid}, {broker.bootstrap}); "
            f"stop it first: python tools/broker.py stop --dir {workdir}"
        )


def _start_once(
    java_bin: str, libs: Path, workdir: Path, port: int, timeout: float, detach: bool
) -> Broker:
    """One attempt of start() on client port `port`; ends the process when it fails."""
    (controller_port,) = _free_ports(1, avoid=port)
    config = _prepare(workdir, port, controller_port)
    _format_storage(java_bin, libs, config)
    process = _launch(java_bin, libs, config, detach)
    broker = Broker(f"{HOST}:{port}", process.pid, workdir, process)
    record = {"pid": broker.pid, "bootstrap": broker.bootstrap}
    (workdir / "broker.json").write_text(json.dumps(record) + "\n")
    try:
        _wait_ready(broker, port, timeout)
    except BaseException:
        broker.stop()
        raise
    return broker


def start(
    workdir: Path,
    port: int | None = None,
    *,
    cache: Path | None = None,
    timeout: float = READY_TIMEOUT,
    detach: bool = True,
) -> Broker:
    """Starts a fresh, empty broker in `workdir` and returns once it serves clients.

    It listens on 127.0.0.1 only: clients on `port` (a free one when None), the KRaft
    controller on another free port. Its pid and bootstrap address are in workdir/broker.json.
    With `detach` it runs in a session of its own and outlives this process until stopped (the
    CLI's start); without, it stays in this process group, so that whatever signals the group
    (Ctrl-C, a test runner's or CI's kill of the group) ends it too. Data that an earlier
    broker left in workdir/data is wiped. Fetches the jars first if needed (see fetch()).
    Raises BrokerError, with the tail of workdir/broker.log, when the broker does not become
    ready within `timeout` seconds (its process is then ended), or when a broker recorded in
    workdir still runs. A port clash on ports picked here is retried with new ones.
    """
    libs = fetch(cache)
    java_bin = java()
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    _refuse_running(workdir)
    if port is not None:
        _check_port(port)
        return _start_once(java_bin, libs, workdir, port, timeout, detach)
    for attempt in range(1, START_ATTEMPTS + 1):
        try:
            picked = _free_ports(1)[0]
            return _start_once(java_bin, libs, workdir, picked, timeout, detach)
        except BrokerError:
            clash = PORT_TAKEN_MARK in _read(workdir / "broker.log")
            if attempt == START_ATTEMPTS or not clash:
                raise
    raise AssertionError("unreachable")


# --- command line -----------------------------------------------------------------------------


def _workdir(args: argparse.Namespace) -> Path:
    """--dir, or <cache>/run (by default <repo>/.cache/kafka/run)."""
    return Path(args.dir) if args.dir else default_cache() / "run"


def _cmd_fetch(args: argparse.Namespace) -> int:
    """Prints the libs dir once it is complete."""
    print(fetch())
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    """Starts a broker that outlives this command; prints its bootstrap address."""
    broker = start(_workdir(args), args.port)
    print(broker.bootstrap)
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    """Stops the broker recorded in --dir; succeeds too when there is none."""
    broker = stop(_workdir(args))
    if broker is None:
        print(f"no broker recorded in {_workdir(args)}", file=sys.stderr)
    else:
        print(f"stopped the broker at {broker.bootstrap} (pid {broker.pid})", file=sys.stderr)
    return 0


def _raise_interrupt(signum: int, frame: object) -> None:
    """A signal handler that unwinds like Ctrl-C does."""
    raise KeyboardInterrupt


def _cmd_run(args: argparse.Namespace) -> int:
    """Runs a broker in the foreground until Ctrl-C (or SIGTERM), then stops it."""
    # Explicit for SIGINT too: a shell's background job would otherwise inherit it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _raise_interrupt)
    broker = start(_workdir(args), args.port, detach=False)
    print(f"Kafka at {broker.bootstrap} (log: {broker.workdir / 'broker.log'}); Ctrl-C stops it",
          flush=True)
    assert broker._process is not None
    try:
        code = broker._process.wait()
    except KeyboardInterrupt:
        print("\nstopping the broker", file=sys.stderr, flush=True)
        return 0
    finally:
        broker.stop()
    print(f"the broker exited by itself (code {code}); log tail:\n"
          + _tail(_read(broker.workdir / "broker.log")), file=sys.stderr)
    return 1


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "fetch": _cmd_fetch,
    "start": _cmd_start,
    "stop": _cmd_stop,
    "run": _cmd_run,
}


def _parser() -> argparse.ArgumentParser:
    """The command-line parser (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="broker.py", description="A single-node Kafka broker (KRaft) for tests and developers."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("fetch", help="download the broker's jars with Maven (once)")
    for name, text in (("start", "start a broker in the background and print its address"),
                       ("stop", "stop the broker started in --dir"),
                       ("run", "run a broker in the foreground until Ctrl-C")):
        command = commands.add_parser(name, help=text)
        command.add_argument("--dir", help="work directory (default: .cache/kafka/run)")
        if name != "stop":
            command.add_argument("--port", type=int, help="client port (default: a free one)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Runs the command line; the exit code (1 with a message on stderr when it fails)."""
    args = _parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except BrokerError as error:
        print(f"broker.py: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
