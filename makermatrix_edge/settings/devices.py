"""The device sections: printer, camera, scanner, and the backup drive."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from makermatrix_edge.settings.base import Section, doc


class PrinterSettings(Section):
    kind: Annotated[
        Literal["brother_ql", "file", "fake", "disabled"],
        doc("Label printer: brother_ql (USB, usblp, TCP), file (instruction files), fake (simulated QL), disabled."),
    ] = "brother_ql"
    model: Annotated[str, doc("Brother model: QL-500 ... QL-1110NWB, e.g. QL-700, QL-800, QL-820NWB.")] = "QL-700"
    identifier: Annotated[
        str, doc("Where it is: usb://0x04f9:0x2042[/SERIAL], file:///dev/usb/lp0 or tcp://host:9100.")
    ] = "usb://0x04f9:0x2042"
    output_dir: Annotated[str, doc("file kind: folder for instruction files; a relative one is inside data_dir.")] = (
        "labels/out"
    )
    default_label: Annotated[str, doc("Label size used when a request names none (e.g. 62, 29x90, 12).")] = "62"
    io_timeout_seconds: Annotated[
        float, doc("Longest wait for the printer to answer a status request or take data.", gt=0, le=60)
    ] = 5.0
    confirm_timeout_seconds: Annotated[
        float, doc("Longest wait after sending for the printer to report the label printed.", gt=0, le=300)
    ] = 20.0
    poll_seconds: Annotated[
        float, doc("How often the idle printer's status is read (finds it again after unplugging).", ge=1)
    ] = 10.0
    max_queue: Annotated[int, doc("Jobs waiting at most; more are refused with 429.", ge=1, le=1000)] = 50
    max_copies: Annotated[int, doc("Most copies one request may ask for.", ge=1, le=100)] = 20
    wait_max_seconds: Annotated[
        float, doc("Longest a print request with wait=true waits for its result.", gt=0, le=300)
    ] = 60.0
    keep_jobs: Annotated[int, doc("Finished jobs kept in memory for GET /api/printer/jobs.", ge=10)] = 200
    fake_model: Annotated[str, doc("fake kind: the model the simulated USB printer enumerates as.")] = "QL-700"
    fake_media: Annotated[str, doc("fake kind: the label loaded in the simulated printer (empty: none).")] = "62"


class CameraSettings(Section):
    kind: Annotated[
        Literal["opencv", "fake", "disabled"], doc("Bench camera: opencv (USB/V4L2 or a video file), fake, disabled.")
    ] = "disabled"
    device: Annotated[
        str,
        doc(
            "OpenCV source: a device index (0), a /dev/video* path, a video file or an image sequence (%03d);"
            " a relative file is inside data_dir."
        ),
    ] = "0"
    width: Annotated[int, doc("Requested frame width in pixels (the camera may pick another).", ge=160)] = 1280
    height: Annotated[int, doc("Requested frame height in pixels.", ge=120)] = 720
    fps: Annotated[float, doc("Frames decoded per second while codes are being shown.", gt=0, le=60)] = 10.0
    idle_fps: Annotated[
        float, doc("Frames decoded per second after idle_after_seconds without a code (saves the Pi's CPU).", gt=0)
    ] = 2.0
    idle_after_seconds: Annotated[float, doc("Quiet time before dropping to idle_fps.", ge=0)] = 60.0
    mjpg: Annotated[bool, doc("Ask the camera for MJPG frames (less USB bandwidth, higher resolutions).")] = True
    autostart: Annotated[bool, doc("Start the scan loop when the daemon starts.")] = True
    reconnect_max_seconds: Annotated[
        float, doc("Longest wait between attempts to reopen an unplugged camera (doubles from 1 s).", ge=1)
    ] = 30.0
    fake_payloads: Annotated[
        list[str], doc("fake kind: payloads replayed as if the camera had read them, one per interval.")
    ] = []
    fake_images: Annotated[
        list[str],
        doc("fake kind: image files replayed as camera frames, one per interval; relative ones inside data_dir."),
    ] = []
    fake_interval_seconds: Annotated[float, doc("fake kind: seconds between replayed items.", gt=0)] = 2.0


class ScannerSettings(Section):
    decoder: Annotated[
        Literal["zxing", "pyzbar"],
        doc("Decoding engine: zxing reads DataMatrix, QR and 1D; pyzbar only QR and 1D (no supplier DataMatrix)."),
    ] = "zxing"
    formats: Annotated[
        list[str],
        doc("Symbologies looked for (zxing-cpp names); fewer is faster."),
    ] = msgspec.field(
        default_factory=lambda: ["DataMatrix", "QRCode", "Code128", "Code39", "EAN13", "EAN8", "UPCA", "UPCE", "PDF417"]
    )
    dedup_seconds: Annotated[
        float, doc("The same code seen again by the camera within this many seconds gives no new event.", ge=0)
    ] = 3.0
    recent_size: Annotated[int, doc("Scan results kept in memory for GET /api/scan/recent.", ge=1, le=1000)] = 50
    max_image_bytes: Annotated[
        int,
        doc(
            "Largest photo accepted, in bytes: to scan (POST /api/scan/image, the Scan page) and as a part's photo;"
            " at most 20 MB (a 48 Mpx phone photo).",
            ge=65_536,
            le=20_971_520,
        ),
    ] = 20_971_520


class BackupSettings(Section):
    enabled: Annotated[bool, doc("Take a verified backup every night on `schedule`.")] = True
    target: Annotated[
        str,
        doc(
            'Where backups go: "auto" (the mounted drive labelled drive_label), "off", or an existing folder'
            " (a relative one is inside data_dir)."
        ),
    ] = "auto"
    drive_label: Annotated[str, doc("Filesystem label of the USB backup drive when target is auto.")] = "MMBACKUP"
    drive_root: Annotated[
        str,
        doc(
            "Root under which proc/mounts and dev/disk/by-label are read (tests point it at a fake tree);"
            " a relative one is inside data_dir."
        ),
    ] = "/"
    schedule: Annotated[
        str, doc("When the nightly backup runs: minute hour day month weekday, in [schedule] timezone.")
    ] = "30 2 * * *"
    keep_daily: Annotated[int, doc("Newest backup of each of this many most recent days is kept.", ge=0)] = 7
    keep_weekly: Annotated[int, doc("Newest backup of each of this many most recent weeks is kept.", ge=0)] = 4
    keep_monthly: Annotated[int, doc("Newest backup of each of this many most recent months is kept.", ge=0)] = 6
    fallback_to_data_dir: Annotated[
        bool, doc("When the drive is missing, read-only or full, write to data_dir/backups instead of failing.")
    ] = False
    include_config: Annotated[bool, doc("Put the effective config (secrets redacted) into each backup.")] = True
    include_secrets: Annotated[
        bool, doc("Also put secret.key and unredacted config secrets into each backup (encrypt it then).")
    ] = False
    passphrase: Annotated[
        str, doc("Encrypt backups with AES-256 under this passphrase; empty: no encryption (secret)")
    ] = ""
    passphrase_file: Annotated[
        str,
        doc(
            "File whose first line is the passphrase (a relative one is inside data_dir);"
            " used when passphrase is empty (secret)"
        ),
    ] = ""
