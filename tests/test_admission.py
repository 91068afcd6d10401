"""Call admission: at most ``call.max_calls`` lines, waiting callers served in arrival order."""

from __future__ import annotations

import asyncio

from appliance.telephony.admission import CallAdmission


async def test_waiting_callers_get_lines_in_arrival_order() -> None:
    admission = CallAdmission(1)
    assert admission.try_take()
    order: list[str] = []

    async def waiter(name: str) -> None:
        if await admission.wait(name, 5.0, asyncio.Event()):
            order.append(name)

    tasks = [asyncio.create_task(waiter(n)) for n in ("b", "c")]
    await asyncio.sleep(0.01)
    assert admission.waiting == 2 and not admission.try_take()  # nobody jumps the queue
    await admission.release()
    await asyncio.sleep(0.01)
    assert order == ["b"]
    await admission.release()
    await asyncio.gather(*tasks)
    assert order == ["b", "c"] and admission.active == 1 and admission.waiting == 0


async def test_a_caller_who_hangs_up_while_waiting_gives_way_to_the_next() -> None:
    admission = CallAdmission(1)
    assert admission.try_take()
    gone = asyncio.Event()
    first = asyncio.create_task(admission.wait("b", 5.0, gone))
    second = asyncio.create_task(admission.wait("c", 5.0, asyncio.Event()))
    await asyncio.sleep(0.01)
    gone.set()
    await admission.changed()
    assert await first is False
    await admission.release()
    assert await second is True
    assert admission.active == 1


async def test_the_wait_ends_after_its_time() -> None:
    admission = CallAdmission(1)
    assert admission.try_take()
    assert await admission.wait("b", 0.05, asyncio.Event()) is False
    assert admission.waiting == 0 and admission.active == 1


def test_no_limit_admits_everyone() -> None:
    admission = CallAdmission(0)
    assert all(admission.try_take() for _ in range(100))
