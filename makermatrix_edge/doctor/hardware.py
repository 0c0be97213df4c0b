"""Doctor's checks of the Pi itself: the printer and camera on USB, the barcode library, the clock."""

from __future__ import annotations

import time

from makermatrix_edge.doctor import Check
from makermatrix_edge.doctor.host import Host, access_problem, attr, usb_devices

BROTHER = "04f9"
# Product ids of Brother QLs in "Editor Lite" (mass-storage) mode; hardware.md 1.5 (usb.ids).
EDITOR_LITE = {"2049": "QL-700", "204d": "QL-720NW", "209e": "QL-800", "20a9": "QL-1100", "20aa": "QL-1110NWB",
               "20ac": "QL-1115NWB"}  # fmt: skip
EARLIEST_YEAR = 2025  # a Pi without RTC or NTP boots at its last fake-hwclock time or in 1970


def check_printer(host: Host) -> Check:
    brothers = [d for d in usb_devices(host) if attr(d, "idVendor").lower() == BROTHER]
    if not brothers:
        return Check(
            "printer", "warn", "no Brother printer on USB", "plug the QL in with a data cable and switch it on"
        )
    names = ", ".join(f"{attr(d, 'product') or 'Brother'} (04f9:{attr(d, 'idProduct')})" for d in brothers)
    for device in brothers:
        pid = attr(device, "idProduct").lower()
        if pid in EDITOR_LITE:
            return Check(
                "printer", "fail",
                f"{EDITOR_LITE[pid]} is in Editor Lite mode (it shows up as a USB drive, not a printer)",
                "hold the Editor Lite button until its green light goes out, then unplug and replug",
            )  # fmt: skip
    device = brothers[0]
    node = host.path(f"/dev/bus/usb/{int(attr(device, 'busnum') or 0):03d}/{int(attr(device, 'devnum') or 0):03d}")
    problem = access_problem(node, host)
    if problem:
        return Check(
            "printer", "fail", f"found {names}, but {problem}",
            f"sudo usermod -aG lp {host.service_user}; install systemd/60-makermatrix-edge.rules "
            "to /etc/udev/rules.d (scripts/install-pi does), then unplug and replug the printer",
        )  # fmt: skip
    return Check("printer", "ok", f"found {names}")


def check_camera(host: Host) -> Check:
    dev = host.path("/dev")
    nodes = sorted(dev.glob("video[0-9]*")) if dev.is_dir() else []
    if not nodes:
        return Check("camera", "warn", "no camera (/dev/video* missing)", "plug in the USB camera")
    problem = access_problem(nodes[0], host)
    if problem:
        return Check("camera", "fail", problem, f"sudo usermod -aG video {host.service_user}, then restart the service")
    return Check("camera", "ok", f"{', '.join(n.name for n in nodes)} present and openable")


def check_barcode_libraries(host: Host) -> Check:
    if host.find_library("zbar") is None:
        return Check("barcode decoder", "fail", "libzbar is not installed", "sudo apt install libzbar0")
    return Check("barcode decoder", "ok", "libzbar present")


def check_clock(host: Host) -> Check:
    year = time.gmtime(host.now()).tm_year
    if year < EARLIEST_YEAR or year > 2100:
        return Check(
            "clock", "fail", f"the clock says {year}: a Pi has no battery clock and NTP has not set it",
            "connect the Pi to a network with internet, then: sudo timedatectl set-ntp true",
        )  # fmt: skip
    synced = host.ntp_synced()
    if synced is False:
        return Check("clock", "warn", "NTP has not synchronised the clock", "sudo timedatectl set-ntp true")
    return Check("clock", "ok", f"year {year}" + (", NTP synchronised" if synced else ""))
