"""A notebook's kernel is shut down without the interrupt that makes it log a stray KeyboardInterrupt line."""

from __future__ import annotations

import asyncio
import tempfile

from jupyter_client.manager import AsyncKernelManager

from cod import nb


def test_the_kernel_is_interrupted_on_a_timeout_but_not_on_the_way_to_shutting_down(monkeypatch, tmp_path):
    sent: list[bool] = []

    async def interrupt(self) -> None:
        sent.append(self.shutting_down)

    monkeypatch.setattr(AsyncKernelManager, "_async_interrupt_kernel", interrupt)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the manager's socket folder
    manager = nb._kernel_manager_class()()
    asyncio.run(manager._async_interrupt_kernel())  # e.g. nbclient's cell timeout: sent
    manager.shutting_down = True  # jupyter_client's shutdown_kernel sets it, then interrupts
    asyncio.run(manager._async_interrupt_kernel())  # not sent: the kernel is idle, only asked to shut down
    assert sent == [False]
