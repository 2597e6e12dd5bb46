"""Work-arounds for bugs in the Qt binding, detected at run time rather than by version number.

PySide6 6.12.0's ``SignalInstance.emit()`` returns ``True`` without taking a reference to it, so
every emit from Python lowers the refcount of ``True`` by one; after a few thousand emits the
interpreter aborts with "bool_dealloc: deallocating True or False". ``emit()`` here gives the
reference back when (and only when) a probe shows the binding has that bug.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, SignalInstance


class _Probe(QObject):
    fired = Signal()


def _emit_drops_true_ref() -> bool:
    probe = _Probe()
    rounds = 64
    before = sys.getrefcount(True)
    for _ in range(rounds):
        probe.fired.emit()
    dropped = before - sys.getrefcount(True)
    if dropped >= rounds // 2:  # give the references back that the probe itself took
        for _ in range(rounds):
            ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
        return True
    return False


EMIT_DROPS_TRUE = _emit_drops_true_ref()


def emit(signal: SignalInstance, *args: Any) -> None:
    """``signal.emit(*args)``, minus the binding's refcount leak."""
    result = signal.emit(*args)
    if EMIT_DROPS_TRUE and result is True:
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
