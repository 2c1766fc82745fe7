"""Request and response bodies for accounts."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field


class LoginCreate(BaseModel):
    email: str = Field(min_length=3, max_length=200)
    password: str = Field(min_length=1, max_length=1000)


class PrincipalPublic(BaseModel):
    org: str
    kind: str
    #: the person (their e-mail) or the token (``token 3 (name)``) calling
    person: str
    #: the roles the caller holds in its organisation
    roles: list[str]


class UserCreate(BaseModel):
    email: str = Field(min_length=3, max_length=200, pattern=r"^[^@\s]+@[^@\s]+$")
    password: str = Field(min_length=12, max_length=1000)
    roles: list[str] = Field(max_length=10)


class RolesUpdate(BaseModel):
    roles: list[str] = Field(max_length=10)


class UserPublic(BaseModel):
    id: int
    email: str
    roles: list[str]
    created_at: dt.datetime
    removed_at: dt.datetime | None


class UserList(BaseModel):
    items: list[UserPublic]
