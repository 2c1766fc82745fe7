"""Request and response bodies for accounts."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LoginCreate(BaseModel):
    email: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class PrincipalPublic(BaseModel):
    org: str
    kind: str
