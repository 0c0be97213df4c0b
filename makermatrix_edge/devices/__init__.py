"""Devices (printer, camera, LLM, mDNS, USB drive): each kind has a small contract and implementations
chosen by a `kind` key in config — the real one, a `fake` that ships in the package, and `disabled`.

What every device reports (`state()` -> DeviceState, the `Device` protocol) is in
runtime/device_state.py, below the database, so the watchdog and the disk check need no device.
"""
