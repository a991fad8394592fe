"""The load benchmark (`make bench`): the real server under wrk, beside its ceiling.

For each scale (10,000 and 1,000,000 posts by default) it builds a demo community once
(`run.py demo --scale N`, kept under bench/data/), starts the forum as a user would
(`run.py serve --workers 2`, FORUM_ENV=production) and, on the same settings, the ceiling
(bench/ceiling.py: the same thread page rendered from memory). wrk, a separate process on
127.0.0.1, loads each page at concurrency 1 and 32 for a bounded time, sending
`Accept-Encoding: gzip` as browsers do. Reported: requests per second, p50 and p99 latency,
each page's share of the ceiling, the growth from the smallest to the largest scale, peak
resident memory per worker, and the thread page's weight. With BENCH_POSTGRES_URL set, the same
guest and member thread pages run on PostgreSQL through two server processes on two ports,
after showing that a reply written through one is on the other's guest page at once.

    make bench                                   # 10k and 1M posts, SQLite (~25 minutes)
    BENCH_SCALES=10000 BENCH_SECONDS=5 make bench   # a quick look
    BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/forum_bench make bench

Writes bench/results/latest.json and prints the table the README quotes.
"""

from __future__ import annotations

import gzip
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DATA = Path(os.environ.get("BENCH_DATA", ROOT / "bench" / "data"))
RESULTS = ROOT / "bench" / "results"
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "10000 1000000").split()]
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "")
POSTGRES_SCALE = int(os.environ.get("BENCH_POSTGRES_SCALE", "10000"))
CONCURRENCY = (1, 32)
GUEST_PAGES = ("home", "category", "thread", "deep", "search", "feed")
ACCEPT = "Accept-Encoding: gzip"

TARGETS = {  # the targets, checked in the summary
    "guest_thread_share": 0.70,
    "guest_thread_p99_ms": 100.0,
    "member_thread_share": 0.40,
    "growth": 1.3,
    "search_p95_ms": 100.0,
    "replies_per_second": 150.0,
    "worker_mb": 150.0,
    "thread_kb": 40.0,
}


def log(message: str) -> None:
    print(f"[bench {datetime.now():%H:%M:%S}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def run_py(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [PYTHON, str(ROOT / "run.py"), *args], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"run.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def sqlite_env(scale: int) -> dict[str, str]:
    """The environment of the SQLite community of `scale` posts, as it was built: a reply run
    adds thousands of posts, so every run starts again from a copy kept when it was built.
    The copy is taken once the worker has run a round, as on a forum that has been running:
    on a new demo its first round awards thousands of anniversary badges (half a minute at a
    million posts, which slowed the first pages measured)."""
    folder = DATA / f"sqlite-{scale}"
    built = folder / "snapshot.db"
    env = {**os.environ, "DATA_DIR": str(folder), "FORUM_ENV": "production"}
    env.pop("DATABASE_URL", None)
    if not built.exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        log(f"building the demo community of {scale:,} posts in {folder} (once)")
        started = time.monotonic()
        run_py(env, "migrate")
        run_py(env, "demo", "--scale", str(scale))
        run_py(env, "worker", "--once")
        run_py(env, "backup", str(built))
        log(f"built in {time.monotonic() - started:.0f} s")
    else:
        for suffix in ("-wal", "-shm"):
            (folder / f"forum.db{suffix}").unlink(missing_ok=True)
        shutil.copyfile(built, folder / "forum.db")
        # On disk before the run: the kernel writing 1.3 GB back meanwhile would slow it.
        with open(folder / "forum.db", "rb") as copied:
            os.fsync(copied.fileno())
    run_py(env, "migrate")  # a database from an older checkout
    return env


def postgres_env() -> dict[str, str]:
    folder = DATA / "postgres"
    folder.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DATA_DIR": str(folder), "FORUM_ENV": "production"}
    env["DATABASE_URL"] = POSTGRES_URL
    run_py(env, "migrate")
    if not (folder / "ready").exists():
        log(f"building the demo community of {POSTGRES_SCALE:,} posts on PostgreSQL (once)")
        run_py(env, "demo", "--scale", str(POSTGRES_SCALE), "--force")
        (folder / "ready").write_text("ok\n")
    return env


def prepare(env: dict[str, str], name: str) -> dict[str, Any]:
    out = DATA / f"{name}-run"
    done = subprocess.run(
        [PYTHON, str(ROOT / "bench" / "prepare.py"), str(out)],
        env=env, cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"bench/prepare.py failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Server:
    """A server process group, stopped with SIGTERM like a deploy would."""

    def __init__(self, command: list[str], env: dict[str, str], port: int, name: str) -> None:
        self.port, self.name = port, name
        self.log_path = DATA / f"{name}.log"
        self.process = subprocess.Popen(
            command, env=env, cwd=ROOT, stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{name} exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2).read()
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.3)
        self.stop()
        raise SystemExit(f"{name} did not answer within two minutes")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        """The worker processes (uvicorn's children), or the process itself with one worker."""
        found = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        children = [int(pid) for pid in found]
        # multiprocessing's resource tracker is a child too; it serves no requests.
        return [pid for pid in children if b"resource_tracker" not in _cmdline(pid)] or [
            self.process.pid
        ]

    def peak_memory_mb(self) -> list[float]:
        peaks = []
        for pid in self.workers():
            status = Path(f"/proc/{pid}/status").read_text()
            kilobytes = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1))
            peaks.append(round(kilobytes / 1024, 1))
        return peaks

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def forum_server(env: dict[str, str], name: str, workers: int = WORKERS) -> Server:
    port = free_port()
    command = [PYTHON, "run.py", "serve", "--workers", str(workers), "--port", str(port)]
    return Server(command, env, port, name)


def ceiling_server(env: dict[str, str], thread_url: str) -> Server:
    port = free_port()
    command = [
        PYTHON, "-m", "uvicorn", "bench.ceiling:create_app", "--factory",
        "--workers", str(WORKERS), "--http", "httptools", "--loop", "uvloop",
        "--no-access-log", "--log-level", "warning", "--port", str(port),
    ]  # fmt: skip
    return Server(command, {**env, "CEILING_URL": thread_url}, port, "ceiling")


def wrk(
    url: str, connections: int, seconds: int = SECONDS, headers: tuple[str, ...] = (),
    posters: str = "",
) -> dict[str, Any]:  # fmt: skip
    """One bounded wrk run; its Lua script prints the figures as JSON."""
    threads = 1 if connections == 1 else 2
    env = {
        **os.environ,
        "WRK_HEADERS": "|".join((ACCEPT, *headers)),
        "WRK_POSTERS": posters,
        "WRK_THREADS": str(threads),
    }
    command = [
        "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
        "-s", str(ROOT / "bench" / "wrk.lua"), url,
    ]  # fmt: skip
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    line = next(row for row in done.stdout.splitlines() if row.startswith("WRK_JSON "))
    figures = json.loads(line.removeprefix("WRK_JSON "))
    figures["errors"] = figures["socket_errors"] + figures["non_2xx_3xx"]
    if posters:  # replies a second: only those written (answered 303), not quick refusals
        written = figures["requests"] - figures["failed_posts"]
        figures["rps"] = round(written / figures["seconds"], 2)
    return figures


def load_page(url: str, headers: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """Warm the page up in both workers (a worker's first requests at a million posts take up
    to 1.5 s), then measure it at each concurrency."""
    wrk(url, 8, seconds=2, headers=headers)
    return {f"c{c}": wrk(url, c, headers=headers) for c in CONCURRENCY}


def load_pages(url: str, info: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Every guest page, then the thread page as a signed-in member (`info`: prepare's)."""
    pages = info["pages"]
    loaded = {}
    for name in GUEST_PAGES:
        log(f"guest {name}: {pages[name]}")
        loaded[name] = load_page(f"{url}{pages[name]}")
    log("member thread page")
    cookie = f"Cookie: {info['member_cookie']}"
    loaded["member_thread"] = load_page(f"{url}{pages['thread']}", (cookie,))
    return loaded


def _next_minute() -> None:
    """Start a reply run with a new minute: members may post 6 times a minute (a fixed
    window), and each run spreads its replies over the posters within that limit."""
    time.sleep(60.5 - time.time() % 60)


def page_weight(url: str) -> dict[str, Any]:
    plain = urllib.request.urlopen(urllib.request.Request(url)).read()
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        squeezed = response.read()
        encoding = response.headers.get("content-encoding", "")
    html = plain.decode()
    head = html[: html.find("</head>")]
    scripts = re.findall(r"<script\b[^>]*>", html)
    return {
        "html_kb": round(len(plain) / 1024, 1),
        "sent_kb": round(len(squeezed) / 1024, 1),
        "compressed": encoding == "gzip" and gzip.decompress(squeezed) == plain,
        "stylesheets": len(re.findall(r'<link rel="stylesheet"', html)),
        "blocking_scripts": sum(
            1
            for tag in re.findall(r"<script\b[^>]*>", head)
            if not re.search(r"\b(defer|async)\b", tag)
        ),
        "inline_scripts": sum(1 for tag in scripts if "src=" not in tag),
    }


def measure_sqlite(scale: int) -> dict[str, Any]:
    env = sqlite_env(scale)
    info = prepare(env, f"sqlite-{scale}")
    pages = info["pages"]
    log(f"{scale:,} posts: {info['posts']:,} posts in {info['threads']:,} threads; "
        f"deep page {info['deep_page']} of a {info['deep_posts']:,}-post thread")  # fmt: skip
    result: dict[str, Any] = {"scale": scale, "data": info, "pages": {}}
    ceiling = ceiling_server(env, pages["thread"])
    try:
        log("ceiling: the thread page from memory")
        result["pages"]["ceiling"] = load_page(f"{ceiling.url}{pages['thread']}")
        result["ceiling_memory_mb"] = ceiling.peak_memory_mb()
    finally:
        ceiling.stop()
    server = forum_server(env, f"forum-{scale}")
    try:
        result["weight"] = page_weight(f"{server.url}{pages['thread']}")
        result["pages"].update(load_pages(server.url, info))
        log(f"replies: {info['posters']} members posting")
        result["pages"]["reply"] = {}
        for c in CONCURRENCY:
            _next_minute()
            run = wrk(server.url, c, posters=info["posters_file"])
            # Each member may post 6 times a minute: with few members (10,000 posts) a fast
            # run can use up every one's allowance, and the forum refuses the rest (400).
            run["all_posters_used_up"] = run["requests"] - run["failed_posts"] >= (
                info["posters"] * info["posts_per_minute"]
            )
            result["pages"]["reply"][f"c{c}"] = run
        result["worker_memory_mb"] = server.peak_memory_mb()
    finally:
        server.stop()
    return result


def measure_postgres() -> dict[str, Any]:
    """Two servers sharing one PostgreSQL: a write through one shows on the other at once,
    then guest and member thread pages loaded through both together."""
    env = postgres_env()
    info = prepare(env, "postgres")
    thread = info["pages"]["thread"]
    first, second = forum_server(env, "forum-pg-a", 1), forum_server(env, "forum-pg-b", 1)
    try:
        result: dict[str, Any] = {"scale": POSTGRES_SCALE, "data": info}
        result["fresh_across_servers"] = _write_shows_on_the_other(first, second, info)
        cookie = f"Cookie: {info['member_cookie']}"
        for name, headers in (("thread", ()), ("member_thread", (cookie,))):
            log(f"PostgreSQL, two servers: {name}")
            for server in (first, second):
                wrk(f"{server.url}{thread}", 4, seconds=1, headers=headers)
            single = wrk(f"{first.url}{thread}", 1, headers=headers)
            both = _together([f"{s.url}{thread}" for s in (first, second)], 16, headers)
            result[name] = {"c1": single, "c32": both}
    finally:
        first.stop()
        second.stop()
    return result


def _write_shows_on_the_other(first: Server, second: Server, info: dict[str, Any]) -> bool:
    path, cookie, csrf = Path(info["posters_file"]).read_text().splitlines()[0].split("\t")
    thread = path.removesuffix("/reply")
    reader = f"{second.url}{thread}?page=last"
    urllib.request.urlopen(reader).read()  # cached on the second server now
    words = f"Written through the first server at {time.time():.3f}"
    body = f"csrf_token={csrf}&body={words.replace(' ', '+')}".encode()
    request = urllib.request.Request(
        f"{first.url}{path}", data=body, method="POST",
        headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"},
    )  # fmt: skip

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any) -> None:
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request)
    except urllib.error.HTTPError as answer:
        if answer.code != 303:
            raise SystemExit(f"the reply was refused: {answer.code}") from answer
    seen = words in urllib.request.urlopen(reader).read().decode()
    log(f"a reply written through one server is on the other's guest page at once: {seen}")
    return seen


def _together(urls: list[str], connections: int, headers: tuple[str, ...]) -> dict[str, Any]:
    """wrk against several servers at once; requests add up, latency is the worst."""
    env = {**os.environ, "WRK_HEADERS": "|".join((ACCEPT, *headers)), "WRK_POSTERS": ""}
    runs = [
        subprocess.Popen(
            [
                "wrk",
                "-t1",
                f"-c{connections}",
                f"-d{SECONDS}s",
                "--timeout",
                "10s",
                "-s",
                str(ROOT / "bench" / "wrk.lua"),
                url,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for url in urls
    ]
    figures = []
    for run in runs:
        out, _ = run.communicate()
        line = next(row for row in out.splitlines() if row.startswith("WRK_JSON "))
        figures.append(json.loads(line.removeprefix("WRK_JSON ")))
    return {
        "rps": round(sum(f["rps"] for f in figures), 1),
        "p50_ms": max(f["p50_ms"] for f in figures),
        "p99_ms": max(f["p99_ms"] for f in figures),
        "errors": sum(f["socket_errors"] + f["non_2xx_3xx"] for f in figures),
        "servers": figures,
    }


# --- Summary


def shares(result: dict[str, Any]) -> None:
    """Each page's requests per second as a share of the ceiling's, at the same concurrency."""
    ceiling = result["pages"]["ceiling"]
    for figures in result["pages"].values():
        for level, run in figures.items():
            run["share"] = round(run["rps"] / ceiling[level]["rps"], 2)


def growth(results: list[dict[str, Any]], figure: str = "rps") -> dict[str, dict[str, float]]:
    """How much slower each page is on the largest scale than on the smallest: by requests
    per second, or (figure "share") by its share of the ceiling measured beside it, which
    leaves out how the machine's own speed drifted between the two."""
    small, large = results[0]["pages"], results[-1]["pages"]
    return {
        name: {
            "c1": round(small[name]["c1"][figure] / large[name]["c1"][figure], 2),
            "c32": round(small[name]["c32"][figure] / large[name]["c32"][figure], 2),
        }
        for name in small
        if name not in ("ceiling", "reply")
    }


def table(report: dict[str, Any]) -> str:
    results = report["sqlite"]
    header = "| page | c |" + "".join(
        f" {r['scale']:,} posts: req/s | p50 ms | p99 ms | share |" for r in results
    )
    if len(results) > 1:
        header += " growth | vs ceiling |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    names = ["ceiling", *GUEST_PAGES, "member_thread", "reply"]
    for name in names:
        for level in (f"c{c}" for c in CONCURRENCY):
            row = f"| {name.replace('_', ' ')} | {level[1:]} |"
            for result in results:
                run = result["pages"][name][level]
                row += (
                    f" {run['rps']:,.0f} | {run['p50_ms']:.1f} | {run['p99_ms']:.1f} |"
                    f" {run['share']:.2f} |"
                )
            if len(results) > 1:
                for kind in ("growth", "growth_vs_ceiling"):
                    slower = report[kind].get(name)
                    row += f" {slower[level]:.2f}× |" if slower else " |"
            lines.append(row)
    lines.append("")
    for result in results:
        weight = result["weight"]
        lines.append(
            f"- {result['scale']:,} posts: peak memory per worker "
            f"{', '.join(f'{mb:.0f} MB' for mb in result['worker_memory_mb'])}; thread page "
            f"{weight['html_kb']} KB of HTML ({weight['sent_kb']} KB sent compressed), "
            f"{weight['stylesheets']} stylesheet, {weight['blocking_scripts']} blocking script; "
            f"search p95 {result['pages']['search']['c1']['p95_ms']:.0f} ms alone, "
            f"{result['pages']['search']['c32']['p95_ms']:.0f} ms at 32; "
            f"replies: {_reply_errors(result)}."
        )
    if pg := report.get("postgres"):
        guest, member = pg["thread"]["c32"], pg["member_thread"]["c32"]
        lines.append(
            f"- PostgreSQL, {pg['scale']:,} posts, two servers on one database: guest thread "
            f"{guest['rps']:,.0f} req/s (p99 {guest['p99_ms']:.0f} ms), member thread "
            f"{member['rps']:,.0f} req/s (p99 {member['p99_ms']:.0f} ms) at 32 connections; a "
            f"reply through one server showed on the other at once: "
            f"{pg['fresh_across_servers']}."
        )
    return "\n".join(lines)


def _reply_errors(result: dict[str, Any]) -> str:
    run = result["pages"]["reply"]["c32"]
    said = f"{run['errors']} errors at 32 posters"
    if run.get("all_posters_used_up"):
        said += (
            f" (all {result['data']['posters']} members had posted their"
            f" {result['data']['posts_per_minute']} a"
            " minute: the run was capped by the forum's limit, and those errors are its refusals)"
        )
    return said


def machine() -> dict[str, Any]:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")), platform.processor(),
    )  # fmt: skip
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(memory / 1024**2),
        "python": platform.python_version(), "system": platform.platform(),
    }  # fmt: skip


def main() -> int:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    started = time.monotonic()
    results = []
    for scale in SCALES:
        result = measure_sqlite(scale)
        shares(result)
        results.append(result)
    report: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "seconds_per_run": SECONDS,
        "workers": WORKERS,
        "sqlite": results,
        "growth": growth(results) if len(results) > 1 else {},
        "growth_vs_ceiling": growth(results, "share") if len(results) > 1 else {},
        "targets": TARGETS,
    }
    if POSTGRES_URL:
        report["postgres"] = measure_postgres()
    report["minutes"] = round((time.monotonic() - started) / 60, 1)
    RESULTS.mkdir(parents=True, exist_ok=True)
    for result in [*results, report.get("postgres") or {}]:
        result.get("data", {}).pop("member_cookie", None)  # a live session: not for a file
    (RESULTS / "latest.json").write_text(json.dumps(report, indent=1) + "\n")
    text = table(report)
    (RESULTS / "latest.md").write_text(
        f"{report['date']}, {report['machine']['cpu']}, {report['machine']['cores']} cores, "
        f"{WORKERS} workers, {SECONDS} s per run.\n\n{text}\n"
    )
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
