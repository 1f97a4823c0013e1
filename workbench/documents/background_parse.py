"""Parsing a large import in a second process while the first one stores what is ready.

On the command line, parsing (Python, ~10 s of CPU for the UN corpus) and storing (mostly SQLite
building the search index, ~15 s) each keep one core busy, so side by side the parsing hides
behind the storing. The parser is a forked child that sends each batch down a pipe; a thread of
this process takes them off as they come, up to AHEAD batches, after which the child waits, so
memory holds a few batches at most.

All or nothing still holds: the store runs in one unit of work, and `finish()` raises every
parse problem before that unit commits, so a bad file anywhere rolls back what was stored.

Forking is safe here because the command line has no other threads and the child only parses:
it never touches the database and leaves through `os._exit`, running no one else's clean-up.
A threaded server (the web workers, the queue's consumer) keeps to the spool instead.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import queue
import signal
import threading
import traceback
from collections.abc import Iterable
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

from workbench.core.errors import DomainError
from workbench.core.i18n import _
from workbench.documents.importing import Adjust
from workbench.documents.importing import Progress
from workbench.documents.importing import SpooledDocument
from workbench.documents.importing import check_mode
from workbench.documents.importing import check_parsed
from workbench.documents.importing import parsed_batches

# How many parsed batches may wait for the store (a batch is at most a million characters).
AHEAD = 4
_BATCH = "batch"
_END = "end"
_FAILED = "failed"


class ParserFailed(DomainError):
    """The parsing process stopped without finishing (a fault, or it was killed)."""

    status = 500


class BackgroundParse:
    """A parsing child process and the batches it has sent; use as a context manager."""

    def __init__(
        self,
        files: Iterable[tuple[str, bytes]],
        *,
        mode: str,
        max_file_bytes: int,
        adjust: Adjust | None = None,
        progress: Progress | None = None,
    ) -> None:
        check_mode(mode)
        self.documents = 0
        # Every parsed document's content hash and file name, in order (what a spool keeps).
        self.names: list[tuple[str, str]] = []
        self._problems: list[str] | None = None
        context = multiprocessing.get_context("fork")
        self._receiving, sending = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_parse,
            args=(sending, files, mode, max_file_bytes, adjust, progress),
            name="workbench-import-parser",
            daemon=True,
        )
        self._process.start()
        sending.close()  # the child's end: the parent only reads
        # Messages are read off the pipe by a thread as soon as they come, so the parser can
        # work up to AHEAD batches ahead of the store (the pipe alone holds less than one): it
        # is slower on some stretches of a corpus and the store on others. Started after the
        # fork, so the child is forked from a process with one thread.
        self._inbox: queue.Queue[bytes | None] = queue.Queue(maxsize=AHEAD)
        self._stopping = threading.Event()
        self._pump = threading.Thread(target=self._read_pipe, name="import-pipe", daemon=True)
        self._pump.start()

    def batches(self) -> Iterator[list[SpooledDocument]]:
        """The parsed batches in file order, each as soon as the child has it."""
        while True:
            kind, payload = self._receive()
            if kind == _BATCH:
                self.documents += len(payload)
                self.names.extend((d.content_hash, d.filename) for d in payload)
                yield payload
            elif kind == _END:
                self._problems = list(payload)
                return
            else:
                # The last line of the child's traceback names the fault; the user is shown
                # that, never the traceback.
                fault = (str(payload).rstrip().splitlines() or ["?"])[-1]
                raise ParserFailed(
                    _("Nothing was imported: parsing failed (%(fault)s).", fault=fault)
                )

    def finish(self) -> None:
        """Raise every parse problem together (ValidationError), or say nothing was found."""
        if self._problems is None:
            for _batch in self.batches():
                pass  # a caller that stopped early still hears every problem
        check_parsed(self._problems or [], self.documents)

    def close(self) -> None:
        """Stop the child if it is still running and release the pipe."""
        self._stopping.set()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._pump.join()
        self._receiving.close()

    def __enter__(self) -> BackgroundParse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _receive(self) -> tuple[str, Any]:
        message = self._inbox.get()
        if message is None:
            raise ParserFailed(
                _(
                    "Nothing was imported: the parsing process stopped (exit code %(code)s).",
                    code=self._code(),
                )
            )
        kind, payload = pickle.loads(message)  # from our own child, through our own pipe
        return str(kind), payload

    def _read_pipe(self) -> None:
        # The thread's loop: every message into the inbox, then None when the pipe closes.
        message: bytes | None
        while True:
            try:
                message = self._receiving.recv_bytes()
            except (EOFError, OSError):
                message = None
            while not self._stopping.is_set():
                try:
                    self._inbox.put(message, timeout=0.1)
                    break
                except queue.Full:
                    continue  # the store is behind: wait, unless the import is being closed
            if message is None or self._stopping.is_set():
                return

    def _code(self) -> object:
        self._process.join(timeout=5)
        return self._process.exitcode


def _parse(
    sending: Connection,
    files: Iterable[tuple[str, bytes]],
    mode: str,
    max_file_bytes: int,
    adjust: Adjust | None,
    progress: Progress | None,
) -> None:
    # Ctrl-C reaches the whole process group: the parent decides (it rolls back and stops this
    # process), so the child does not die mid-message with a traceback of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    problems: list[str] = []
    try:
        for batch in parsed_batches(files, problems, mode, max_file_bytes, adjust, progress):
            sending.send_bytes(pickle.dumps((_BATCH, batch), protocol=pickle.HIGHEST_PROTOCOL))
        sending.send_bytes(pickle.dumps((_END, problems)))
    except BrokenPipeError:
        pass  # the parent has stopped listening (it failed, or was interrupted)
    except Exception:  # whatever went wrong is told to the parent, which decides
        with contextlib.suppress(OSError):
            sending.send_bytes(pickle.dumps((_FAILED, traceback.format_exc())))
    finally:
        sending.close()
