"""The alert settings as data: knowledge/alerts/alerts.yaml, validated when read."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from agreements_sync.knowledge import load_model

ALERTS_FILE = "alerts/alerts.yaml"
MILESTONE_KINDS = ("option", "competition", "expiry")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CpvRule(BaseModel):
    from_: str = Field(alias="from", pattern=r"^\d\d$")
    to: str = Field(pattern=r"^\d\d$")
    kind: str


class MilestoneRule(BaseModel):
    first_alert_days: int = Field(ge=1)
    repeat_days: int = Field(ge=1)
    escalate_after_days: int = Field(ge=0)


class DigestRule(BaseModel):
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
    months: int = Field(ge=1, le=36)
    max_items: int = Field(ge=5, le=200)

    @property
    def weekday_number(self) -> int:
        return WEEKDAYS.index(self.weekday)


class FollowThroughRule(BaseModel):
    """After a decision: how long before the end date it protects the register must show it."""

    remind_days_before: int = Field(45, ge=1)  # owner and adviser reminded
    escalate_days_before: int = Field(14, ge=0)  # the procurement section
    guard_days: int = Field(30, ge=1)  # sync changes younger than this are checked by the guards


class AlertConfig(BaseModel):
    standard_period_years: float = Field(gt=0)
    band_when_value_unknown: str
    kind_by_cpv_division: list[CpvRule]
    default_kind: str
    milestones: dict[Literal["option", "competition", "expiry"], MilestoneRule]
    snooze_days: int = Field(ge=1)
    digest: DigestRule
    chat_commands: list[str] = Field(default_factory=list)
    channel_combine_over: int = Field(5, ge=0)
    follow_through: FollowThroughRule = Field(default_factory=FollowThroughRule)
    owner_digest_max_items: int = Field(30, ge=1, le=40)

    @model_validator(mode="after")
    def _all_milestones(self) -> AlertConfig:
        missing = [k for k in MILESTONE_KINDS if k not in self.milestones]
        if missing:
            raise ValueError(f"milestones: missing {', '.join(missing)}")
        return self

    def kind_for_cpv(self, cpv_codes: list[str]) -> str:
        division = next((c[:2] for c in cpv_codes if len(c) >= 2 and c[:2].isdigit()), "")
        for rule in self.kind_by_cpv_division:
            if division and rule.from_ <= division <= rule.to:
                return rule.kind
        return self.default_kind


def load_config() -> AlertConfig:
    return load_model(ALERTS_FILE, AlertConfig)
