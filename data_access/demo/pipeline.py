"""Generation beside writing: for a multi-county demo the rows are generated in a forked child
process while this process writes the previous county, so the two cores work at once. The child
runs the same deterministic generator, so the rows are the same as when generated in-process."""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Iterator

from data_access.demo.generator import generate
from data_access.demo.plan import DemoConfig, plan_counties
from data_access.demo.rows import Rows
from data_access.policy import Policy


class GenerationFailed(RuntimeError):
    """The generating child process failed; the message carries its traceback."""


def batches(config: DemoConfig, policy: Policy) -> Iterator[Rows]:
    """The batches of `generate(config, policy)`, produced in a child process when worthwhile."""
    if len(plan_counties(config)) == 1 or "fork" not in multiprocessing.get_all_start_methods():
        yield from generate(config, policy)
        return
    # fork, not spawn: spawn would re-run `python -m dashboard`'s entry module in the child.
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=3)
    child = context.Process(target=_produce, args=(config, policy, channel), daemon=True)
    child.start()
    try:
        while True:
            try:
                item = channel.get(timeout=5)
            except queue.Empty:
                if child.exitcode is not None:
                    raise GenerationFailed(f"generator process exited with code {child.exitcode}") from None
                continue
            if item is None:
                return
            if isinstance(item, str):
                raise GenerationFailed(item)
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def _produce(config: DemoConfig, policy: Policy, channel) -> None:
    try:
        for batch in generate(config, policy):
            channel.put(batch)
        channel.put(None)
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        channel.put(traceback.format_exc())
