"""The shared limiter: budgets per group and window, across tasks and processes; waits, never fails."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from pmtui.config import LimitSettings
from pmtui.polymarket.limiter import RateLimiter


def limits(tmp_path: Path, budgets: dict[str, int], window: float = 0.5) -> LimitSettings:
    # safety_factor 0.5: the effective budget is half the configured one.
    return LimitSettings(
        safety_factor=0.5, window=window, budgets=budgets, state_file=tmp_path / "limiter.sqlite"
    )  # type: ignore[arg-type]


def max_in_window(times: list[float], window: float) -> int:
    """Most grants seen inside any window. Callers pass 90% of the limiter's window: the times are
    taken just after each grant, so scheduling jitter can shift them by a few milliseconds."""
    times = sorted(times)
    best = 0
    start = 0
    for end, t in enumerate(times):
        while times[start] <= t - window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_budget_holds_within_a_process_and_callers_wait(tmp_path: Path) -> None:
    limiter = RateLimiter(limits(tmp_path, {"api": 10}))
    granted: list[float] = []

    async def call() -> None:
        await limiter.acquire(["api"])
        granted.append(time.time())

    started = time.monotonic()
    await asyncio.gather(*(call() for _ in range(12)))
    elapsed = time.monotonic() - started
    assert len(granted) == 12  # nobody failed
    assert max_in_window(granted, 0.45) <= 5
    assert elapsed >= 1.0  # 12 calls at 5 per 0.5 s need two full windows of waiting
    limiter.close()


async def test_each_request_counts_against_all_its_groups(tmp_path: Path) -> None:
    limiter = RateLimiter(limits(tmp_path, {"gamma:/markets": 6, "gamma": 8}, window=0.4))
    for _ in range(3):
        assert limiter.try_acquire(["gamma:/markets", "gamma:listing", "gamma"]) == 0
    assert limiter.try_acquire(["gamma:/markets", "gamma"]) > 0  # /markets full (3)
    assert limiter.try_acquire(["gamma:/tags", "gamma"]) == 0  # API-wide has room (4th of 4)
    assert limiter.try_acquire(["gamma:/tags", "gamma"]) > 0  # API-wide now full
    assert limiter.try_acquire(["unbudgeted-group"]) == 0  # groups without a budget are not limited
    usage = {u.group: (u.calls, u.budget) for u in limiter.usage()}
    assert usage == {"gamma:/markets": (3, 3), "gamma": (4, 4)}
    limiter.close()


async def test_waiting_does_not_block_the_event_loop_and_is_cancellable(tmp_path: Path) -> None:
    limiter = RateLimiter(limits(tmp_path, {"api": 2}, window=5.0))
    await limiter.acquire(["api"])  # the only slot
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    tick_task = asyncio.create_task(ticker())
    waiting = asyncio.create_task(limiter.acquire(["api"]))
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert ticks >= 15  # the loop kept running while the acquire waited
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    tick_task.cancel()
    assert [u.calls for u in limiter.usage()] == [1]  # the cancelled call took no slot
    assert limiter.try_acquire(["other"]) == 0  # and left no transaction open
    limiter.close()


async def test_block_holds_every_user_of_the_file_off(tmp_path: Path) -> None:
    settings = limits(tmp_path, {"clob": 100})
    first, second = RateLimiter(settings), RateLimiter(settings)
    first.block(["clob"], 0.4)
    assert second.usage()[0].blocked_for > 0.3
    started = time.monotonic()
    await second.acquire(["clob"])
    assert time.monotonic() - started >= 0.35
    first.close()
    second.close()


WORKER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    from pmtui.config import LimitSettings
    from pmtui.polymarket.limiter import RateLimiter

    state, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    settings = LimitSettings(safety_factor=0.5, window=0.5, budgets={"gamma:/markets": 8, "gamma": 100},
                             state_file=Path(state))
    limiter = RateLimiter(settings)

    async def main():
        times = []
        for _ in range(n):
            await limiter.acquire(["gamma:/markets", "gamma:listing", "gamma"])
            times.append(time.time())
        Path(out).write_text(json.dumps(times))

    asyncio.run(main())
    """
)


def test_two_processes_share_one_budget(tmp_path: Path) -> None:
    state = tmp_path / "shared-limiter.sqlite"
    outs = [tmp_path / f"times-{i}.json" for i in range(2)]
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(state), "10", str(out)], stderr=subprocess.PIPE)
        for out in outs
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
    times = [t for out in outs for t in json.loads(out.read_text())]
    assert len(times) == 20
    # 4 per 0.5 s for both processes together; 20 calls need at least 4 windows.
    assert max_in_window(times, 0.45) <= 4
    assert max(times) - min(times) >= 2.0
