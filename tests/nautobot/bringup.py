"""Bring up a real Nautobot for the tests: pinned version, own venv, PostgreSQL, Redis.

Run as `python tests/nautobot/bringup.py` (the project's venv; Nautobot itself lives in its
own venv because its pins clash with ours). Steps, each timed in the log:

1. PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379 (started if down).
2. A venv under ~/.cache/nocdeck-nautobot/<version>/ with `nautobot==<version>`.
3. A migrated template database `nautobot_tpl_<version>`, built once (about 4 minutes);
   every bring-up clones it (`CREATE DATABASE … TEMPLATE …`, seconds).
4. `nautobot-server runserver` on a loopback port the OS hands out.
5. A superuser and an API token.

What the tests need (URL, token, database, pid) goes to a JSON state file (0600); the tests
load their own fixtures. `--stop` stops the server of a state file and drops its database.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

NAUTOBOT_VERSION = "2.4.44"
TEMPLATE_DB = "nautobot_tpl_" + NAUTOBOT_VERSION.replace(".", "_")
PG = ["psql", "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-v", "ON_ERROR_STOP=1",
      "-qAt", "-d", "postgres"]
NICE = ["nice", "-n", "10"]


def home() -> Path:
    """Where the venv and the config live: outside the work tree, so clones share them."""
    base = os.environ.get("NAUTOBOT_TEST_HOME") or str(Path.home() / ".cache" / "nocdeck-nautobot")
    return Path(base) / NAUTOBOT_VERSION


def default_state_file() -> Path:
    return Path(os.environ.get("NAUTOBOT_TEST_STATE") or home() / "state.json")


def log(message: str) -> None:
    print(f"[nautobot bring-up {time.strftime('%H:%M:%S')}] {message}", flush=True)


def timed(name: str, timings: dict[str, float]) -> _Timer:
    return _Timer(name, timings)


class _Timer:
    def __init__(self, name: str, timings: dict[str, float]) -> None:
        self.name, self.timings = name, timings

    def __enter__(self) -> None:
        self.start = time.monotonic()
        log(f"{self.name} ...")

    def __exit__(self, *exc: object) -> None:
        self.timings[self.name] = round(time.monotonic() - self.start, 1)
        log(f"{self.name}: {self.timings[self.name]} s")


def run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 900,
        check: bool = True, input_text: str | None = None) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(cmd, env=env, timeout=timeout, text=True, capture_output=True,
                          input=input_text, check=False)
    if check and done.returncode != 0:
        raise SystemExit(f"command failed ({done.returncode}): {' '.join(cmd)}\n"
                         f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}")
    return done


def psql(sql: str, *, check: bool = True) -> str:
    return run([*PG, "-c", sql], check=check).stdout.strip()


def ensure_services() -> None:
    if run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"], check=False).returncode:
        log("starting PostgreSQL")
        version = sorted(os.listdir("/etc/postgresql"))[0]
        run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            check=False)
        wait_for(lambda: run(["pg_isready", "-h", "127.0.0.1", "-p", "5432", "-q"],
                             check=False).returncode == 0, 30, "PostgreSQL")
    if not port_open(6379):
        log("starting Redis")
        run(["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
             "--save", "", "--appendonly", "no"])
        wait_for(lambda: port_open(6379), 30, "Redis")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def wait_for(predicate: object, seconds: float, what: str) -> None:
    assert callable(predicate)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.5)
    raise SystemExit(f"{what} did not come up within {seconds:.0f} s")


def venv_python() -> Path:
    return home() / "venv" / "bin" / "python"


def ensure_venv() -> None:
    server = home() / "venv" / "bin" / "nautobot-server"
    marker = home() / "venv" / "installed-ok"
    if server.exists() and marker.exists():
        return
    if (home() / "venv").exists():
        shutil.rmtree(home() / "venv")
    home().mkdir(parents=True, exist_ok=True)
    # The base interpreter: a venv made from inside another venv may lack ensurepip.
    base = getattr(sys, "_base_executable", "") or shutil.which("python3") or sys.executable
    run([*NICE, base, "-m", "venv", str(home() / "venv")])
    run([*NICE, str(venv_python()), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         f"nautobot=={NAUTOBOT_VERSION}"], timeout=1500)
    marker.write_text(NAUTOBOT_VERSION, encoding="utf-8")


CONFIG = '''"""nautobot_config.py written by nocdeck's test bring-up: loopback only, test data."""
import os
from nautobot.core.settings import *  # noqa: F401,F403

SECRET_KEY = os.environ["NAUTOBOT_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
DEBUG = False
DATABASES = {
    "default": {
        "NAME": os.environ["NAUTOBOT_DB_NAME"],
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": "5432",
        "CONN_MAX_AGE": 300,
        "ENGINE": "django.db.backends.postgresql",
    }
}
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:6379/7",
        "TIMEOUT": 300,
        "OPTIONS": {"CLIENT_CLASS": "django_redis.client.DefaultClient"},
    }
}
CELERY_BROKER_URL = "redis://127.0.0.1:6379/8"
CELERY_RESULT_BACKEND = "redis://127.0.0.1:6379/8"
MAX_PAGE_SIZE = 0
PAGINATE_COUNT = 100
INSTALLATION_METRICS_ENABLED = False
METRICS_ENABLED = False
CHANGELOG_RETENTION = 0
LOGGING = {"version": 1, "disable_existing_loggers": False}
'''


def server_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    env.update({
        "NAUTOBOT_CONFIG": str(home() / "nautobot_config.py"),
        "NAUTOBOT_ROOT": str(home() / "root"),
        "NAUTOBOT_DB_NAME": database,
        "NAUTOBOT_SECRET_KEY": "nocdeck-test-only-" + "x" * 40,
        "PATH": f"{home() / 'venv' / 'bin'}:{env.get('PATH', '')}",
    })
    return env


def nautobot(args: list[str], database: str, *, timeout: float = 900,
             input_text: str | None = None) -> str:
    cmd = [*NICE, str(home() / "venv" / "bin" / "nautobot-server"), *args]
    return run(cmd, env=server_env(database), timeout=timeout, input_text=input_text).stdout


def database_exists(name: str) -> bool:
    return psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"


def ensure_template() -> None:
    """Migrate once into a scratch database, then rename it: a half-built one never counts."""
    (home() / "nautobot_config.py").write_text(CONFIG, encoding="utf-8")
    (home() / "root").mkdir(parents=True, exist_ok=True)
    if database_exists(TEMPLATE_DB):
        return
    scratch = f"{TEMPLATE_DB}_building"
    psql(f"DROP DATABASE IF EXISTS {scratch}")
    psql(f"CREATE DATABASE {scratch}")
    nautobot(["migrate", "--no-input"], scratch, timeout=1800)
    psql(f"ALTER DATABASE {scratch} RENAME TO {TEMPLATE_DB}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_server(database: str, port: int, logfile: Path) -> subprocess.Popen[bytes]:
    out = logfile.open("ab")
    # Not niced: the tests wait on every answer; only the installs and migrations are.
    return subprocess.Popen(
        [str(home() / "venv" / "bin" / "nautobot-server"), "runserver",
         f"127.0.0.1:{port}", "--noreload", "--insecure"],
        env=server_env(database), stdout=out, stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL, start_new_session=True)


def api_ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/", timeout=3) as answer:
            return answer.status in (200, 403) and bool(answer.headers.get("API-Version"))
    except urllib.error.HTTPError as exc:
        return exc.code == 403
    except (OSError, http.client.HTTPException, ValueError):
        return False  # not up yet, or something else took the port (a lab SSH server)


def serve(database: str, server_log: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start runserver on a free loopback port; between choosing the port and binding it
    another process may take it, so a few tries."""
    for _attempt in range(3):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        process = start_server(database, port, server_log)
        deadline = time.monotonic() + 180
        while process.poll() is None and time.monotonic() < deadline:
            if api_ready(url):
                log(f"serving on {url}")
                return process, url
            time.sleep(0.5)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        log(f"runserver on {url} did not come up; trying another port")
    tail = server_log.read_text(encoding="utf-8", errors="replace")[-3000:]
    raise SystemExit(f"nautobot-server runserver did not come up:\n{tail}")


TOKEN_SCRIPT = '''
import sys
from nautobot.users.models import Token, User
key = sys.stdin.read().strip()
user, _ = User.objects.get_or_create(username="nocdeck", defaults={"is_superuser": True,
                                                                   "is_staff": True})
user.is_superuser = True
user.is_staff = True
user.save()
Token.objects.filter(user=user).delete()
Token.objects.create(user=user, key=key, write_enabled=True)
print("token ok")
'''


def stop(state_file: Path) -> None:
    if not state_file.exists():
        return
    state = json.loads(state_file.read_text(encoding="utf-8"))
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(int(state["pid"]), signal.SIGTERM)
    time.sleep(1)
    psql(f"DROP DATABASE IF EXISTS {state['database']} WITH (FORCE)", check=False)
    state_file.unlink(missing_ok=True)
    log(f"stopped {state['url']} and dropped {state['database']}")


def alive(state_file: Path) -> bool:
    if not state_file.exists():
        return False
    state = json.loads(state_file.read_text(encoding="utf-8"))
    return state.get("ok") is True and api_ready(state["url"])


def bring_up(state_file: Path) -> dict[str, object]:
    timings: dict[str, float] = {}
    started = time.monotonic()
    with timed("services (PostgreSQL, Redis)", timings):
        ensure_services()
    with timed(f"venv with nautobot=={NAUTOBOT_VERSION}", timings):
        ensure_venv()
    with timed(f"template database {TEMPLATE_DB} (migrations, built once)", timings):
        ensure_template()
    database = f"nautobot_test_{int(time.time())}_{os.getpid()}"
    with timed(f"clone {TEMPLATE_DB} into {database}", timings):
        psql(f"DROP DATABASE IF EXISTS {database}")
        psql(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE_DB}")
    token = secrets.token_hex(20)
    with timed("superuser and API token", timings):
        out = nautobot(["shell", "--command", TOKEN_SCRIPT], database, input_text=token)
        if "token ok" not in out:
            raise SystemExit(f"creating the API token failed:\n{out[-2000:]}")
    server_log = state_file.with_suffix(".server.log")
    with timed("runserver", timings):
        process, url = serve(database, server_log)
    timings["total"] = round(time.monotonic() - started, 1)
    state: dict[str, object] = {"ok": True, "url": url, "token": token, "database": database,
                                "pid": process.pid, "version": NAUTOBOT_VERSION,
                                "timings": timings, "server_log": str(server_log)}
    fd = os.open(state_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(state, handle, indent=2)
    log(f"Nautobot {NAUTOBOT_VERSION} up at {url} (state in {state_file}); timings {timings}")
    return state


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--state", type=Path, default=None, help="state JSON file")
    parser.add_argument("--stop", action="store_true", help="stop the server, drop its db")
    parser.add_argument("--reuse", action="store_true",
                        help="keep a server that is already up for this state file")
    args = parser.parse_args()
    state_file: Path = args.state or default_state_file()
    state_file.parent.mkdir(parents=True, exist_ok=True)
    home().mkdir(parents=True, exist_ok=True)
    if args.stop:
        stop(state_file)
        return 0
    if args.reuse and alive(state_file):
        log(f"reusing the Nautobot of {state_file}")
        return 0
    # One bring-up at a time per machine (CI's background one and a developer's, say).
    lock = (home() / "bringup.lock").open("w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if args.reuse and alive(state_file):
        log(f"reusing the Nautobot of {state_file}")
        return 0
    stop(state_file)
    failed = state_file.with_suffix(".failed")
    failed.unlink(missing_ok=True)
    try:
        bring_up(state_file)
    except (SystemExit, subprocess.TimeoutExpired, OSError) as exc:
        failed.write_text(str(exc), encoding="utf-8")
        log(f"FAILED: {exc}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
