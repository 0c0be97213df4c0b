"""`makermatrix-edge doctor` and /api/utility/diagnostics: what is wrong, in plain words, with a fix.

A report is a list of small checks; each says ok, warn or fail, one line of message and, when
something is wrong, one line of fix (report.py). The host checks need no running daemon: the
machine they look at (host.py), its storage (storage.py), its USB devices and clock (hardware.py)
and the services beside the daemon (network.py), in the order checks.py runs them. The API path
adds what the running daemon knows about its devices.
Exit codes: 0 all ok, 1 warnings only, 2 any failure.
"""
