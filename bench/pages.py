"""Load-test Proficio's main pages against a bare Flask + Jinja ceiling, in the same run.

    .venv/bin/python -m bench.pages --quick --database-url sqlite:////tmp/bench.sqlite3

Starts gunicorn (2 workers) on a database made by ``bench/generate.py`` and the ceiling app
on another port, signs in through the real login form (CSRF token included), drives every
page with the same concurrent load (``wrk`` with bench/report.lua; a Python thread pool when
wrk is missing) and prints requests/s, p50 and p95 per page and the ratio to the ceiling.
The ceiling is measured once at the start and again just before and just after each page, and
each page is set against the mean of the two around it: on a shared machine the ceiling
drifts by a third within minutes, and a ratio against a ceiling measured long before means
little.

Right after the profile page it measures the profile page again while a bulk PDF export runs
(``profile_during_export``): ``flask --app wsgi plans export-all --jobs 2``, the real command,
restarted until the measurement ends. The bench database has no development plans, so the
export reads a separate temporary SQLite file of SYNTHETIC plans made by bench/pdf.py's
builder; what it competes with the web server for is the CPU, which both share.
``--no-export`` leaves this measurement out.

The servers and exports it started are stopped at the end, also on Ctrl-C and on errors.
"""

from __future__ import annotations

import argparse
import functools
import http.client
import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bench.generate import BENCH_CANDIDATE, BENCH_MANAGER, BENCH_PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "report.lua"
GUNICORN = Path(sys.executable).parent / "gunicorn"
FLASK = Path(sys.executable).parent / "flask"
CONNECTIONS = 8
EXPORT_PLANS = 60
EXPORT_JOBS = 2
HR_EMAIL = "hr@example.com"
# Every request of a run, sign-in included, says it comes from the same browser, as a real
# one does. Flask-Login's session protection compares it with the one that signed in: with a
# different one, every response would mark the session no longer fresh and re-sign its
# cookie (and the load generator, unlike a browser, would keep sending the old cookie).
USER_AGENT = "proficio-bench"
DEMO_PASSWORD = "proficio-demo"


@dataclass(frozen=True)
class Context:
    """What the page entries may need to build their URL."""

    comparison_project_id: int


@dataclass(frozen=True)
class Page:
    """One measured page: who signs in, which Flask endpoint, and how to build its URL."""

    name: str
    email: str
    password: str
    endpoint: str
    url: Callable[[Context], str]


# The pages measured. A page whose endpoint is not in the app is skipped with a printed note.
PAGES: tuple[Page, ...] = (
    Page("profile", BENCH_CANDIDATE, BENCH_PASSWORD, "profile.index", lambda c: "/profile/"),
    Page(
        "comparison",
        BENCH_MANAGER,
        BENCH_PASSWORD,
        "evaluations.comparison",
        lambda c: f"/evaluations/{c.comparison_project_id}/comparison",
    ),
    Page("heatmap", HR_EMAIL, DEMO_PASSWORD, "hr_plans.heatmap", lambda c: "/hr/plans/heatmap"),
    Page(
        "recommendations",
        BENCH_CANDIDATE,
        BENCH_PASSWORD,
        "training.recommendations",
        lambda c: "/training/recommendations",
    ),
)


@dataclass(frozen=True)
class Result:
    """Load-test figures for one URL."""

    rps: float
    p50_ms: float
    p95_ms: float


def note(message: str) -> None:
    """Progress and notes go to stderr so --json keeps stdout to one object."""
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Servers:
    """The gunicorn processes this run started; ``stop`` ends exactly those."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []
        self.logs = Path(tempfile.mkdtemp(prefix="proficio-bench-"))

    def start(self, name: str, module: str, port: int, env: dict[str, str]) -> str:
        """Start ``gunicorn -w 2 module`` on ``port``; returns its base URL once it answers."""
        log = (self.logs / f"{name}.log").open("w")
        process = subprocess.Popen(
            [str(GUNICORN), "-w", "2", "-b", f"127.0.0.1:{port}", module],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {self.logs / (name + '.log')}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{name} did not start within 60 s")

    def start_export(
        self, database_url: str, out: Path, stop: threading.Event, errors: list[str]
    ) -> threading.Thread:
        """Run ``plans export-all --jobs EXPORT_JOBS`` on ``database_url`` again and again
        until ``stop`` is set (a failed run is noted in ``errors`` and ends the loop); returns
        the thread that keeps it going."""
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32)}
        command = [
            str(FLASK),
            "--app",
            "wsgi",
            "plans",
            "export-all",
            "--out",
            str(out),
            "--jobs",
            str(EXPORT_JOBS),
        ]

        def keep_exporting() -> None:
            with (self.logs / "export.log").open("w") as log:
                while not stop.is_set():
                    process = subprocess.Popen(
                        command,
                        cwd=ROOT,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                    self.processes.append(process)
                    while process.poll() is None and not stop.wait(0.2):
                        pass
                    if process.poll() is None:
                        return  # stop_exports() ends it
                    self.processes.remove(process)
                    if process.returncode != 0:
                        errors.append(f"the export failed; see {self.logs / 'export.log'}")
                        stop.set()

        thread = threading.Thread(target=keep_exporting, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        """Terminate each started server's process group, then make sure it is gone."""
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()

    def stop_exports(self) -> None:
        """End the export processes (and their workers), keeping the servers running."""
        exports = [p for p in self.processes if p.args[0] == str(FLASK)]
        for process in exports:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in exports:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            self.processes.remove(process)


def sign_in(base: str, email: str, password: str) -> str:
    """Sign in through the login form (with its CSRF token); returns a Cookie header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    form = opener.open(f"{base}/login").read().decode()
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
    if match is None:
        raise RuntimeError("the login form has no CSRF token")
    body = urllib.parse.urlencode(
        {"csrf_token": match.group(1), "email": email, "password": password}
    ).encode()
    response = opener.open(f"{base}/login", data=body)
    if urllib.parse.urlparse(response.geturl()).path.startswith("/login"):
        raise RuntimeError(f"signing in as {email} failed: was the database generated?")
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def check_page(base: str, path: str, cookie: str) -> int:
    """GET the page once without following redirects; returns the status code."""
    parsed = urllib.parse.urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_wrk(url: str, cookie: str, seconds: int) -> Result:
    """Drive ``url`` with wrk and read the summary line bench/report.lua prints."""
    completed = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "-s",
            str(LUA),
            url,
        ],
        env={**os.environ, "BENCH_COOKIE": cookie, "BENCH_USER_AGENT": USER_AGENT},
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(
        r"BENCH requests=(\d+) seconds=([\d.]+) p50_us=(\d+) p95_us=(\d+) "
        r"non2xx=(\d+) socket_errors=(\d+)",
        completed.stdout,
    )
    if match is None:
        raise RuntimeError(f"wrk printed no summary:\n{completed.stdout}\n{completed.stderr}")
    requests, duration, p50, p95, non2xx, socket_errors = match.groups()
    if int(non2xx) or int(socket_errors):
        raise RuntimeError(f"{url}: {non2xx} error responses, {socket_errors} socket errors")
    return Result(int(requests) / float(duration), int(p50) / 1000, int(p95) / 1000)


def run_threads(url: str, cookie: str, seconds: int) -> Result:
    """The fallback load: CONNECTIONS keep-alive clients in threads for ``seconds``."""
    parsed = urllib.parse.urlparse(url)
    path = parsed.path or "/"
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        mine = []
        while time.monotonic() < deadline:
            start = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": cookie, "User-Agent": USER_AGENT})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}")
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)

    started = time.monotonic()
    with ThreadPoolExecutor(CONNECTIONS) as pool:
        for future in [pool.submit(client) for _ in range(CONNECTIONS)]:
            future.result()
    elapsed = time.monotonic() - started
    latencies.sort()

    def percentile(share: float) -> float:
        return latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000

    return Result(len(latencies) / elapsed, percentile(0.50), percentile(0.95))


def measure(url: str, cookie: str, seconds: int, use_wrk: bool, *, warm_up: bool = True) -> Result:
    """Warm the workers up briefly, then measure ``url`` for ``seconds``."""
    load = run_wrk if use_wrk else run_threads
    if warm_up:
        load(url, cookie, 2)
    return load(url, cookie, seconds)


def measure_ceiling_around(
    ceiling_url: str, seconds: int, use_wrk: bool, page: Callable[[], Result]
) -> tuple[Result, float]:
    """Measure ``page`` between two ceiling runs of half its time each, and return it with
    their mean requests/s: on a shared machine the ceiling drifts during a run, so each page
    is set against the ceiling measured just before and just after it."""
    half = max(1, seconds // 2)
    before = measure(ceiling_url, "", half, use_wrk, warm_up=False)
    result = page()
    after = measure(ceiling_url, "", half, use_wrk, warm_up=False)
    return result, (before.rps + after.rps) / 2


def bench_context(url: str) -> tuple[Context, int]:
    """The bench manager's 50-candidate project (made by bench/generate.py) and the head count."""
    from core.users import User
    from evaluations.models import EvaluationProject
    from webapp import register_models

    register_models()
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            project_id = connection.scalar(
                sa.select(EvaluationProject.id)
                .join(User, User.id == EvaluationProject.owner_id)
                .where(User.email == BENCH_MANAGER)
                .order_by(EvaluationProject.id)
                .limit(1)
            )
            people = connection.scalar(sa.select(sa.func.count()).select_from(User))
    finally:
        engine.dispose()
    if project_id is None:
        raise RuntimeError(f"{url} has no bench data: run bench/generate.py on it first")
    return Context(project_id), people


def build_export_plans(directory: Path) -> str:
    """A SQLite file of EXPORT_PLANS SYNTHETIC development plans for the export load."""
    from bench.pdf import build_database

    url = f"sqlite:///{directory / 'export-plans.sqlite3'}"
    note(f"building {EXPORT_PLANS} synthetic plans for the export load in {url} ...")
    build_database(url, EXPORT_PLANS, quiet=True)
    return url


def wait_for_first_pdf(out: Path, errors: list[str], seconds: float = 120) -> None:
    """Return once the export has written a PDF, so the load is rendering, not starting."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not errors:
        if any(out.glob("*.pdf")):
            return
        time.sleep(0.2)
    if errors:
        raise RuntimeError(errors[0])
    raise RuntimeError(f"the export wrote no PDF within {seconds:.0f} s")


def measure_during_export(
    servers: Servers, plans_url: str, out: Path, url: str, cookie: str, seconds: int, use_wrk: bool
) -> tuple[Result, float]:
    """Measure ``url`` while ``plans export-all`` renders plans into ``out`` in the background;
    returns the page's figures and the plans per second the export wrote meanwhile."""
    stop = threading.Event()
    errors: list[str] = []
    thread = servers.start_export(plans_url, out, stop, errors)
    try:
        wait_for_first_pdf(out, errors)
        started = time.time()
        result = measure(url, cookie, seconds, use_wrk)
        ended = time.time()
        # Files are renamed into place when complete: their times say when each was written.
        written = sum(1 for pdf in out.glob("*.pdf") if started <= pdf.stat().st_mtime <= ended)
    finally:
        stop.set()
        thread.join(timeout=5)
        servers.stop_exports()
    if errors:
        raise RuntimeError(errors[0])
    return result, written / (ended - started)


def known_endpoints(url: str) -> set[str]:
    """The endpoint names of the Proficio app this checkout builds."""
    from webapp import create_app

    return set(create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 32}).view_functions)


def _row(result: Result, ceiling_rps: float) -> dict[str, float]:
    return {
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 1),
        "p95_ms": round(result.p95_ms, 1),
        "ratio": round(result.rps / ceiling_rps, 3),
    }


def run(
    database_url: str, seconds: int, *, only: Sequence[str] = (), with_export: bool = True
) -> dict:
    """Start the servers, measure the ceiling and every page (or the pages named in
    ``only``); returns the --json object."""
    use_wrk = shutil.which("wrk") is not None
    if not use_wrk:
        note("wrk is not installed: using the Python thread-pool load generator instead")
    context, people = bench_context(database_url)
    endpoints = known_endpoints(database_url)
    servers = Servers()
    export_load: dict[str, object] = {}
    export_dir = tempfile.TemporaryDirectory(prefix="proficio-bench-export-")
    try:
        plans_url = build_export_plans(Path(export_dir.name)) if with_export else ""
        app_env = {"DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32)}
        app_base = servers.start("proficio", "wsgi:app", free_port(), app_env)
        ceiling_base = servers.start("ceiling", "bench.ceiling:app", free_port(), {})
        note(f"measuring the ceiling for {seconds} s ...")
        ceiling = measure(f"{ceiling_base}/", "", seconds, use_wrk)
        note(f"  ceiling: {ceiling.rps:.0f} requests/s")
        ceilings: dict[str, float] = {}
        pages: dict[str, dict[str, float]] = {}
        cookies: dict[str, str] = {}
        for page in PAGES:
            if only and page.name not in only:
                continue
            if page.endpoint not in endpoints:
                note(f"  {page.name}: SKIPPED, endpoint {page.endpoint} does not exist yet")
                continue
            if page.email not in cookies:
                cookies[page.email] = sign_in(app_base, page.email, page.password)
            path = page.url(context)
            status = check_page(app_base, path, cookies[page.email])
            if status != 200:
                raise RuntimeError(f"{page.name} ({path}) answered {status}, not 200")
            note(f"measuring {page.name} ({path}) for {seconds} s, the ceiling around it ...")
            result, ceilings[page.name] = measure_ceiling_around(
                f"{ceiling_base}/",
                seconds,
                use_wrk,
                functools.partial(measure, app_base + path, cookies[page.email], seconds, use_wrk),
            )
            note(f"  {result.rps:.0f} requests/s, ceiling around it {ceilings[page.name]:.0f}")
            pages[page.name] = _row(result, ceilings[page.name])
            if page.name == "profile" and with_export:
                note(
                    f"measuring {page.name} for {seconds} s while `plans export-all --jobs "
                    f"{EXPORT_JOBS}` renders {EXPORT_PLANS} synthetic plans ..."
                )
                busy, export_rate = measure_during_export(
                    servers,
                    plans_url,
                    Path(export_dir.name) / "pdfs",
                    app_base + path,
                    cookies[page.email],
                    seconds,
                    use_wrk,
                )
                pages["profile_during_export"] = _row(busy, ceilings[page.name])
                export_load = {
                    "command": f"flask --app wsgi plans export-all --jobs {EXPORT_JOBS}",
                    "plans": EXPORT_PLANS,
                    "plans_database": "separate temporary SQLite file, synthetic plans",
                    "p95_over_idle": round(busy.p95_ms / result.p95_ms, 2),
                    "plans_per_s_meanwhile": round(export_rate, 2),
                }
    finally:
        servers.stop()
        export_dir.cleanup()
    report: dict[str, object] = {
        "database": "postgresql" if database_url.startswith("postgres") else "sqlite",
        "people": people,
        # The mean of every ceiling measured in the run; each page's ratio is against the
        # ceiling measured around it (ceiling_around).
        "ceiling_rps": round(statistics.fmean([ceiling.rps, *ceilings.values()]), 1),
        "pages": pages,
        "ceiling_around": {name: round(rps, 1) for name, rps in ceilings.items()},
    }
    if export_load:
        report["export_load"] = export_load
    return report


def print_table(report: dict) -> None:
    """The human-readable figures."""
    print(f"database: {report['database']}, people: {report['people']:,}")
    print(f"load: {CONNECTIONS} concurrent connections; gunicorn 2 workers for both apps")
    around = report.get("ceiling_around", {})
    print(f"{'page':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ceiling':>8} {'× ceiling':>10}")
    print(f"{'ceiling (mean)':<22} {report['ceiling_rps']:>8.0f}")
    for name, row in report["pages"].items():
        ceiling = around.get(name.removesuffix("_during_export"), report["ceiling_rps"])
        print(
            f"{name:<22} {row['rps']:>8.0f} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} "
            f"{ceiling:>8.0f} {row['ratio']:>10.3f}"
        )
    if "export_load" in report:
        load = report["export_load"]
        print(
            f"profile_during_export: the profile page while `{load['command']}` renders "
            f"{load['plans']} synthetic plans ({load['plans_database']}), "
            f"{load['plans_per_s_meanwhile']:.2f} plans/s meanwhile; "
            f"p95 {load['p95_over_idle']:.2f} × idle (target ≤ 2)"
        )


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 s per page (under 5 minutes).")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument(
        "--no-export",
        action="store_true",
        help="Leave out the profile page measured during a bulk PDF export.",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", "sqlite:///instance/bench.sqlite3"),
    )
    parser.add_argument(
        "--page",
        action="append",
        choices=[page.name for page in PAGES],
        help="Measure only this page (repeatable); the ceiling is always measured.",
    )
    args = parser.parse_args(argv)
    # A SIGTERM ends the run like Ctrl-C, so the finally block still stops the servers.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    report = run(
        args.database_url,
        10 if args.quick else 30,
        only=args.page or (),
        with_export=not args.no_export,
    )
    if args.json:
        print(json.dumps(report))
    else:
        print_table(report)


if __name__ == "__main__":
    main()
