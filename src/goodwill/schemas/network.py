"""The map of your network: people (sized by tie strength, grouped by organisation) and
who knows whom among them."""

from __future__ import annotations

from pydantic import BaseModel, Field


class MapNode(BaseModel):
    id: int
    name: str
    strength: float  # tie strength in [0, 1]
    organization: str | None = None
    cluster: int = -1  # index into `clusters`; -1: no organisation shared on the map


class MapEdge(BaseModel):
    a_id: int
    b_id: int
    how: str  # introduction, referral, employer, meeting, import, manual


class NetworkMap(BaseModel):
    people: int  # active people in all (the map shows the strongest `len(nodes)`)
    nodes: list[MapNode] = Field(default_factory=list)
    edges: list[MapEdge] = Field(default_factory=list)
    clusters: list[str] = Field(default_factory=list)  # organisations, most people first
