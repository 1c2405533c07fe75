"""Runs as jobs: a pool of worker processes off the request path, every state change in the store.

Life cycle of a run (``runs.status`` in the store):

``queued``
    written by the server when the run is accepted (with its scenario YAML);
``running``
    written by the server when a worker process starts on it;
``finished``
    written by the worker in one transaction together with its metrics, after its results file
    is complete (written to a temporary name, then renamed): there is never a half-written result;
``failed``
    the run raised an error, exceeded the run-time cap, its worker died, or the server stopped
    before it finished (a restart marks every run still ``queued`` or ``running`` as failed, with
    the reason in ``metrics.error``);
``cancelled``
    on request.

One server per store: at start-up the manager treats every unfinished run in the store as
interrupted. Each worker is its own process (``python -m chokepoint.service.jobs``, the run given
on its standard input, progress read from its output), so cancelling or the time
cap can stop it at any moment without affecting the server or other runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from chokepoint.errors import ChokepointError
from chokepoint.service.schemas import ACTIVE_STATUSES, TERMINAL_STATUSES
from chokepoint.service.security import ServiceError

logger = logging.getLogger(__name__)

INTERRUPTED = "interrupted: the server stopped before the run finished"
"""Reason recorded on runs found unfinished when the server starts."""

DEFAULT_RUNNER = "chokepoint.service.backend:execute_run"
"""Dotted path of the function a worker calls: ``(spec, progress) -> (metrics, results_path)``."""

ProgressFn = Callable[..., None]
"""``progress(fraction, phase="")``: share of the run done, and what it is doing."""


@dataclass(frozen=True)
class RunSpec:
    """What a worker needs to execute one run (plain data: it crosses a process boundary)."""

    run_id: str
    scenario: str
    dataset: str
    scenario_yaml: str
    store_path: str
    results_dir: str


@dataclass
class _Job:
    spec: RunSpec
    client: str
    process: subprocess.Popen[str] | None = None
    reader: threading.Thread | None = None
    started: float = 0.0
    progress: float = 0.0
    phase: str = ""
    cancel_requested: bool = False
    finishing: bool = False
    """Set by the one thread (dispatcher or cancel) that records the job's outcome."""
    done: threading.Event = field(default_factory=threading.Event)
    """Set once the outcome is in the store."""


@dataclass
class _Counters:
    submitted: int = 0
    finished: int = 0
    failed: int = 0
    cancelled: int = 0
    extra: dict[str, int] = field(default_factory=dict)


def new_run_id() -> str:
    """A fresh run id: ``r`` + 16 hex digits (never derived from request data)."""
    return f"r{uuid.uuid4().hex[:16]}"


def _store(path: str) -> Any:
    from chokepoint.store import open_store

    return open_store(path)


def _set_status(spec: RunSpec, status: str, metrics: dict[str, Any] | None = None) -> None:
    with _store(spec.store_path) as store:
        store.save_run(
            spec.run_id,
            scenario=spec.scenario,
            dataset=spec.dataset,
            scenario_yaml=spec.scenario_yaml,
            metrics=metrics or {},
            status=status,
        )


def _resolve(dotted: str) -> Callable[[RunSpec, ProgressFn], tuple[dict[str, Any], str | None]]:
    module, _, name = dotted.partition(":")
    fn = getattr(importlib.import_module(module), name)
    return fn  # type: ignore[no-any-return]


PROGRESS_TAG = "chokepoint-progress"
"""Prefix of the progress lines a worker prints on its standard output."""


def worker_main(spec: RunSpec, runner: str, out: IO[str]) -> None:
    """Body of a worker process: run, then write the outcome to the store itself.

    Progress goes to ``out`` as lines ``chokepoint-progress <fraction>`` (at most 5 a second).
    """
    last = [0.0]

    def progress(fraction: float, phase: str = "") -> None:
        now = time.monotonic()
        if now - last[0] >= 0.2 or fraction >= 1.0 or phase:
            last[0] = now
            text = " ".join(phase.split())[:80]
            with contextlib.suppress(Exception):
                out.write(f"{PROGRESS_TAG} {min(max(float(fraction), 0.0), 1.0):.4f} {text}\n")
                out.flush()

    try:
        metrics, results_path = _resolve(runner)(spec, progress)
    except ChokepointError as exc:
        _set_status(spec, "failed", {"error": str(exc)})
        return
    except Exception as exc:
        logger.exception("run %s failed", spec.run_id)
        _set_status(spec, "failed", {"error": f"internal error in the run ({type(exc).__name__})"})
        return
    with _store(spec.store_path) as store:
        store.save_run(
            spec.run_id,
            scenario=spec.scenario,
            dataset=spec.dataset,
            scenario_yaml=spec.scenario_yaml,
            metrics=metrics,
            results_path=results_path,
            status="finished",
        )


def _exit_when_orphaned(stream: IO[str]) -> None:
    """Exit the worker when the server's end of ``stream`` closes (the server died)."""
    stream.read()
    os._exit(3)


def _preload() -> None:
    """Import what a run needs while the worker waits for its job (a warm spare)."""
    for module in (
        "chokepoint.service.backend",
        "chokepoint.engine",
        "chokepoint.scenario.compile",
    ):
        with contextlib.suppress(Exception):
            importlib.import_module(module)


def main() -> None:
    """``python -m chokepoint.service.jobs``: a worker; its job comes as one JSON line on stdin.

    The worker imports the engine first, then waits for ``{"spec", "runner"}``. The server keeps
    stdin open while the run is wanted; if the server dies (even by kill -9) the pipe closes and
    the worker exits at once, leaving its run to be marked interrupted at the next start.
    """
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    if sys.argv[1:] in ([], [DEFAULT_RUNNER]):
        _preload()
    line = sys.stdin.readline()
    if not line.strip():
        os._exit(0)  # the server went away before giving a job
    payload = json.loads(line)
    spec = RunSpec(**payload["spec"])
    os.environ["CHOKEPOINT_STORE"] = spec.store_path
    threading.Thread(target=_exit_when_orphaned, args=(sys.stdin,), daemon=True).start()
    worker_main(spec, str(payload["runner"]), sys.stdout)


class JobManager:
    """Queue, start, watch, time out and cancel runs; one instance per server process."""

    def __init__(
        self,
        store_path: Path,
        *,
        workers: int,
        max_jobs_per_client: int,
        max_run_seconds: float,
        runner: str = DEFAULT_RUNNER,
        poll_seconds: float = 0.1,
    ) -> None:
        self.store_path = store_path
        self.results_dir = store_path.parent / f"{store_path.stem}-results"  # backend.results_dir
        self.workers = workers
        self.max_jobs_per_client = max_jobs_per_client
        self.max_run_seconds = max_run_seconds
        self.runner = runner
        self.poll_seconds = poll_seconds
        self._lock = threading.RLock()
        self._pending: deque[_Job] = deque()
        self._spares: deque[subprocess.Popen[str]] = deque()
        self._warm = False
        self._running: dict[str, _Job] = {}
        self._progress: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.counters = _Counters()

    # -- life cycle ------------------------------------------------------------------------
    def start(self) -> list[str]:
        """Mark runs left unfinished by a previous server as failed, then start dispatching.

        Returns the ids of the runs marked interrupted.
        """
        interrupted = self.recover()
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="chokepoint-jobs", daemon=True)
        self._thread.start()
        return interrupted

    def stop(self) -> None:
        """Stop dispatching; stop running workers and record their runs as interrupted."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with self._lock:
            jobs = list(self._running.values()) + list(self._pending)
            self._running.clear()
            self._pending.clear()
        for job in jobs:
            self._kill(job)
            self._fail_if_active(job.spec, INTERRUPTED)
        while self._spares:
            self._kill_process(self._spares.popleft())

    def recover(self) -> list[str]:
        """Record every run still ``queued`` or ``running`` in the store as failed (interrupted)."""
        with _store(str(self.store_path)) as store:
            runs = store.list_runs()
        ids = [
            str(r)
            for r, s in zip(runs["run_id"], runs["status"], strict=True)
            if s in ACTIVE_STATUSES
        ]
        for run_id in ids:
            with _store(str(self.store_path)) as store:
                row = store.get_run(run_id)
                store.save_run(
                    run_id,
                    scenario=row["scenario"] or "",
                    dataset=row["dataset"] or "",
                    scenario_yaml=row["scenario_yaml"] or "",
                    metrics={"error": INTERRUPTED},
                    status="failed",
                )
        if ids:
            logger.warning("marked %d interrupted run(s) as failed", len(ids))
        return ids

    # -- requests --------------------------------------------------------------------------
    def active_for(self, client: str) -> int:
        """Number of queued or running jobs of ``client``."""
        with self._lock:
            jobs = list(self._pending) + list(self._running.values())
        return sum(job.client == client for job in jobs)

    def check_quota(self, client: str) -> None:
        """429 if ``client`` already holds the most queued or running jobs allowed."""
        held = self.active_for(client)
        if held >= self.max_jobs_per_client:
            raise ServiceError(
                429,
                "too_many_jobs",
                f"expected at most {self.max_jobs_per_client} queued or running jobs per "
                f"client, got {held} already; wait for one to finish or cancel one",
            )

    def submit(self, client: str, *, scenario: str, dataset: str, scenario_yaml: str) -> str:
        """Record a run as queued and put it in line; 429 if ``client`` holds too many jobs."""
        with self._lock:
            self.check_quota(client)
            spec = RunSpec(
                run_id=new_run_id(),
                scenario=scenario,
                dataset=dataset,
                scenario_yaml=scenario_yaml,
                store_path=str(self.store_path),
                results_dir=str(self.results_dir),
            )
            _set_status(spec, "queued")
            self._pending.append(_Job(spec, client))
            self._warm = True  # from now on keep spare workers ready
            self.counters.submitted += 1
        return spec.run_id

    def progress(self, run_id: str) -> tuple[float, str] | None:
        """(share done, phase) of a queued or running run (None if this server does not hold it)."""
        with self._lock:
            if run_id in self._running:
                job = self._running[run_id]
                return job.progress, job.phase or "starting a worker"
            if any(job.spec.run_id == run_id for job in self._pending):
                return 0.0, "waiting for a free worker"
        return None

    def cancel(self, run_id: str, status: str) -> str:
        """Cancel a queued or running run; returns the new status (409 if already over)."""
        if status in TERMINAL_STATUSES:
            raise ServiceError(
                409, "conflict", f"expected a queued or running run, got one that is {status}"
            )
        with self._lock:
            for job in list(self._pending):
                if job.spec.run_id == run_id:
                    self._pending.remove(job)
                    _set_status(job.spec, "cancelled", {"error": "cancelled on request"})
                    self.counters.cancelled += 1
                    return "cancelled"
            job_running = self._running.get(run_id)
            if job_running is None:
                raise ServiceError(
                    409, "conflict", "the run is not held by this server; it cannot be cancelled"
                )
            job_running.cancel_requested = True
            proc = job_running.process
        if proc is not None:
            self._kill(job_running)
        self._reap()
        # the dispatcher thread may be recording this job's outcome right now: wait until it is
        # in the store, so the caller reads the cancelled status, never a stale "running"
        job_running.done.wait(timeout=120)
        return "cancelled"

    # -- dispatcher ------------------------------------------------------------------------
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._reap()
                self._launch()
                self._refill()
            except Exception:  # the dispatcher must survive a store hiccup
                logger.exception("job dispatcher error")
            self._stop.wait(self.poll_seconds)

    def _launch(self) -> None:
        while True:
            with self._lock:
                if not self._pending or len(self._running) >= self.workers:
                    return
                job = self._pending.popleft()
                self._running[job.spec.run_id] = job
            _set_status(job.spec, "running")
            payload = json.dumps({"spec": dataclasses.asdict(job.spec), "runner": self.runner})
            proc = self._take_spare()
            job.started = time.monotonic()
            job.process = proc
            assert proc.stdin is not None
            try:
                proc.stdin.write(payload + "\n")
                proc.stdin.flush()
            except OSError:
                pass  # the worker died while waiting: _reap records the failure
            job.reader = threading.Thread(target=self._read_progress, args=(job,), daemon=True)
            job.reader.start()

    def _spawn(self) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "chokepoint.service.jobs", self.runner],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "CHOKEPOINT_STORE": str(self.store_path)},
        )

    def _take_spare(self) -> subprocess.Popen[str]:
        while self._spares:
            proc = self._spares.popleft()
            if proc.poll() is None:
                return proc
        return self._spawn()

    def _refill(self) -> None:
        """Keep ``workers - running`` spare workers started (once the first job came)."""
        if not self._warm or self._stop.is_set():
            return
        self._spares = deque(p for p in self._spares if p.poll() is None)
        with self._lock:
            wanted = self.workers - len(self._running)
        while len(self._spares) < wanted:
            self._spares.append(self._spawn())

    @staticmethod
    def _read_progress(job: _Job) -> None:
        proc = job.process
        if proc is None or proc.stdout is None:
            return
        with contextlib.suppress(ValueError, OSError):  # the pipe closes when the worker ends
            for line in proc.stdout:
                tag, _, rest = line.strip().partition(" ")
                if tag == PROGRESS_TAG:
                    value, _, phase = rest.partition(" ")
                    job.progress = float(value)
                    job.phase = phase or job.phase

    @staticmethod
    def _kill_process(proc: subprocess.Popen[str]) -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()

    def _kill(self, job: _Job) -> None:
        if job.process is not None:
            self._kill_process(job.process)

    def _reap(self) -> None:
        now = time.monotonic()
        with self._lock:
            jobs = list(self._running.values())
        for job in jobs:
            proc = job.process
            if proc is None:
                continue
            alive = proc.poll() is None
            if alive and now - job.started > self.max_run_seconds:
                self._kill(job)
                self._finish(
                    job,
                    "failed",
                    f"stopped: the run exceeded the run-time limit of {self.max_run_seconds:g} s",
                )
                continue
            if alive:
                continue
            if job.reader is not None:
                job.reader.join(timeout=1)
            self._kill(job)  # closes its pipes
            if job.cancel_requested:
                self._finish(job, "cancelled", "cancelled on request")
            elif proc.returncode != 0:
                self._finish(
                    job,
                    "failed",
                    f"the worker process ended unexpectedly (exit code {proc.returncode})",
                )
            else:
                self._finish(job, None, "")

    def _finish(self, job: _Job, status: str | None, reason: str) -> None:
        with self._lock:
            if job.finishing:  # another thread records this outcome
                return
            job.finishing = True
            self._running.pop(job.spec.run_id, None)
        try:
            self._record_outcome(job, status, reason)
        finally:
            job.done.set()

    def _record_outcome(self, job: _Job, status: str | None, reason: str) -> None:
        if status is not None:
            self._fail_if_active(job.spec, reason, status)
        outcome = self._stored_status(job.spec.run_id)
        if outcome == "finished":
            self.counters.finished += 1
        elif outcome == "cancelled":
            self.counters.cancelled += 1
        else:
            self.counters.failed += 1

    def _stored_status(self, run_id: str) -> str:
        with _store(str(self.store_path)) as store:
            return str(store.get_run(run_id)["status"])

    def _fail_if_active(self, spec: RunSpec, reason: str, status: str = "failed") -> None:
        """Record ``status`` unless the worker already wrote a final outcome."""
        if self._stored_status(spec.run_id) in ACTIVE_STATUSES:
            _set_status(spec, status, {"error": reason})


if __name__ == "__main__":
    main()
