"""API settings from the environment (``DISPATCH_*``), built in ``create_app``, not at import."""

from __future__ import annotations

from pydantic import AwareDatetime, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from dispatch.store.db import DEFAULT_DATABASE_URL


class Settings(BaseSettings):
    """Server configuration; every field can be set as ``DISPATCH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="DISPATCH_", frozen=True)

    database_url: str = DEFAULT_DATABASE_URL
    database_schema: str | None = Field(
        default=None, description="PostgreSQL schema for the tables (tests and benchmarks)."
    )
    max_body_bytes: int = Field(default=1_000_000, gt=0, description="Largest request body.")
    max_import_bytes: int = Field(
        default=20_000_000, gt=0, description="Largest master data import body."
    )
    outbox_interval_s: float = Field(
        default=2.0, ge=0, description="Seconds between webhook delivery rounds; 0 disables."
    )
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    webhook_max_attempts: int = Field(
        default=25, ge=1, description="Failed attempts before a webhook message is dead-lettered."
    )
    webhook_allow_private: bool = Field(
        default=False,
        description="Allow webhooks to loopback and private addresses (tests, local receivers).",
    )
    escalation_interval_s: float = Field(
        default=60.0,
        ge=0,
        description="Seconds between sweeps escalating tickets at risk (rule 9); 0 disables.",
    )
    overrun_min: int = Field(
        default=30,
        ge=1,
        description="A visit reported arrived and not finished this many minutes past its "
        "planned end overruns: the engineer's later visits are proposed for repair (swept "
        "with the escalations).",
    )
    eta_threshold_s: int = Field(
        default=900,
        ge=0,
        description="An ETA moving by more than this many seconds is sent as eta_changed.",
    )
    planner: str | None = Field(
        default="api.engine_planner:engine_planner",
        description="Dotted 'module:factory' returning the Planner; the dispatch engine by "
        "default, empty for none.",
    )
    migrate_on_start: bool = True
    clock_control: bool = Field(
        default=False,
        description="Let an admin set the server's now (PUT /v1/admin/clock) to replay a day; "
        "never in production, one worker only.",
    )
    clock_start: AwareDatetime | None = Field(
        default=None, description="Where the settable clock starts (default: the real now)."
    )
    production: bool = Field(
        default=False, description="A production server: refuses settings for tests and replays."
    )
    threads: int = Field(
        default=4,
        ge=1,
        description="Threads per server process for blocking work (database, planning). Few "
        "is faster: the work holds the GIL and SQLite admits one writer, so extra threads only "
        "add switching (4 instead of 40 cut the CPU per ticket creation by a third).",
    )
