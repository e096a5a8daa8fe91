"""Keep the garbage collector off the long-lived heap.

Start-up allocates about 100k objects that live as long as the app (Textual,
readq's modules, the widgets); collecting them while they are born cost about
20 ms of CPU before the first frame. Collection is paused from the start
(`pause_collection`) and resumed, with that heap frozen, after the first frame
(`resume_after_first_frame`).

A full collection walks every container Python tracks. With a 100k-paper
queue the search vocabulary alone holds hundreds of thousands of entries, and
a full collection took about 40 ms: one dropped frame every few pages of
scrolling or every few dozen keystrokes. What lives for the whole session
(the widgets, the vocabulary) is moved out of the collector's sight once it is
built; the per-frame garbage is still collected as before.
"""

from __future__ import annotations

import gc
import threading
import weakref

_lock = threading.Lock()
_frozen_for: list[weakref.ref] = []  # what the last freeze was made for, not kept alive


def freeze_long_lived(owner: object | None = None) -> bool:
    """Collect once, then freeze what is left. With `owner` (the vocabulary),
    only when it is not the one frozen last time; returns whether it froze.

    The previous freeze is undone first, so a vocabulary replaced after an
    import is freed rather than kept for good."""
    with _lock:
        if owner is not None and _frozen_for and _frozen_for[0]() is owner:
            return False
        _frozen_for.clear()
        gc.unfreeze()
        gc.collect()
        gc.freeze()
        if owner is not None:
            _frozen_for.append(weakref.ref(owner))
        return True


def pause_collection() -> None:
    gc.disable()


def resume_after_first_frame() -> None:
    freeze_long_lived()
    gc.enable()
