"""Ctrl-C while twin works: where the KeyboardInterrupt may be raised, and remembering that one came.

Python's default SIGINT handler raises KeyboardInterrupt wherever the main thread happens to be.
Two places need more care than that:

- ``DeferredInterrupt``: while the main thread watches the threads that run blocks of replicas,
  a KeyboardInterrupt raised inside ``concurrent.futures.wait`` can leave a future's lock held
  (below), so there Ctrl-C only sets the blocks' stop flag and is raised once they stopped.
- ``RememberCtrlC``: native code can catch the KeyboardInterrupt and raise something else in its
  place (VTK's module loader reports "Failed to load vtkRenderingContextOpenGL2: No module named
  ..." when Ctrl-C lands during its import). The CLI asks whether a Ctrl-C came before it calls
  such an error a crash.

Both change nothing off the main thread or under a SIGINT handler that is not Python's default (or
twin's remembering one), so a program that handles SIGINT itself keeps its handler.
"""

from __future__ import annotations

import signal
import threading


def _remembering_handler(signum, frame) -> None:
    """Python's default Ctrl-C behaviour (raise KeyboardInterrupt), noting that it happened."""
    _remembering_handler.seen = True
    signal.default_int_handler(signum, frame)


_remembering_handler.seen = False


def _raises_keyboard_interrupt(handler) -> bool:
    return handler is signal.default_int_handler or handler is _remembering_handler


def _on_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


class RememberCtrlC:
    """Within the block, ``seen`` tells whether a Ctrl-C arrived, even when the KeyboardInterrupt
    it raised was turned into another exception on its way up."""

    def __init__(self):
        self.previous = None

    @property
    def seen(self) -> bool:
        return self.previous is not None and _remembering_handler.seen

    def __enter__(self) -> "RememberCtrlC":
        if _on_main_thread() and signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            _remembering_handler.seen = False
            self.previous = signal.signal(signal.SIGINT, _remembering_handler)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


class DeferredInterrupt:
    """While the main thread watches the block threads, Ctrl-C only sets ``stop``; the
    KeyboardInterrupt is raised on leaving, once every block has stopped.

    A KeyboardInterrupt raised wherever the main thread happens to be can land inside
    ``concurrent.futures.wait`` between acquiring a future's lock and its ``with`` block
    (CPython does not make ``with lock:`` atomic against signals): the lock stays held, the block
    thread finishing that future waits on it forever, and so does the main thread waiting for the
    block. Off the main thread, or under a handler that does not raise KeyboardInterrupt, nothing
    changes."""

    def __init__(self, stop: threading.Event):
        self.stop, self.caught, self.previous = stop, None, None

    def _handler(self, signum, frame) -> None:
        self.caught = (signum, frame)
        self.stop.set()

    def __enter__(self) -> "DeferredInterrupt":
        if _on_main_thread() and _raises_keyboard_interrupt(signal.getsignal(signal.SIGINT)):
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
        if self.caught is not None and exc_type is None:
            self.previous(*self.caught)  # the handler we replaced: raises KeyboardInterrupt here
