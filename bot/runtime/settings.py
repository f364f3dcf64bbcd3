"""Settings of the multi-process runtime: update streams, workers, leases, metrics.

Read from the environment under the names below (pydantic-settings), or from the
`runtime:` section of the YAML config file.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RuntimeSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", case_sensitive=False)

    stream_partitions: int = Field(
        default=16, ge=1, le=1024,
        description="Update stream partitions; the most chats handled at once across all workers. "
                    "Set once: changing it while streams hold updates misroutes them")
    worker_max_partitions: int = Field(
        default=16, ge=1, description="The most partitions one worker consumes at once (its concurrency)")
    lease_seconds: float = Field(
        default=6.0, gt=0, description="A dead worker's partitions and background loops move on after this")
    claim_idle_seconds: float = Field(
        default=10.0, ge=0, description="An update a worker read but did not finish is taken over after this")
    handle_max_attempts: int = Field(
        default=5, ge=1, description="Attempts at handling an update before it goes to the dead letters")
    handle_retry_seconds: float = Field(
        default=0.5, ge=0, description="First retry delay of a failed update (doubles, capped at 30 s)")
    metrics_port: int | None = Field(
        default=None, description="Serve /metrics and /healthz on this port (0 picks a free one)")
    metrics_host: str = "0.0.0.0"
    redis_max_connections: int = Field(
        default=64, ge=4,
        description="Redis connection pool bound; a worker's idle blocking reads hold two per partition "
                    "it owns (updates and sends), so keep it above 2 x WORKER_MAX_PARTITIONS; past the "
                    "bound callers wait for a free connection (up to REDIS_SOCKET_TIMEOUT)")
    redis_socket_timeout: float = Field(default=10.0, gt=0, description="Redis read timeout (s)")
