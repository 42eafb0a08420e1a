#!/usr/bin/python3
"""A TCP proxy that adds a fixed delay to each direction (bench_remote.py's
stand-in for `tc netem` where the kernel has no netem): every block read on one
side is written to the other `delay` seconds after it arrived, in order, so the
round trip gains 2 x delay and bandwidth is not capped by a window.

Usage: delay_proxy.py LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS
Prints "ready" once listening."""

import asyncio
import sys
import time


async def pump(reader, writer, delay):
    q = asyncio.Queue()

    async def send():
        while True:
            due, data = await q.get()
            if data is None:
                break
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()
        try:
            writer.write_eof()
        except (OSError, RuntimeError):
            pass

    task = asyncio.ensure_future(send())
    try:
        while True:
            data = await reader.read(1 << 18)
            if not data:
                break
            q.put_nowait((time.monotonic() + delay, data))
    except (ConnectionError, OSError):
        pass
    q.put_nowait((0, None))
    try:
        await task
    except (ConnectionError, OSError):
        pass


async def main():
    lport, host, tport, delay = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), \
        float(sys.argv[4]) / 1000.0

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection(host, tport)
        except OSError:
            cw.close()
            return
        await asyncio.gather(pump(cr, sw, delay), pump(sr, cw, delay))
        cw.close()
        sw.close()

    srv = await asyncio.start_server(handle, "127.0.0.1", lport, backlog=512)
    print("ready", flush=True)
    async with srv:
        await srv.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
