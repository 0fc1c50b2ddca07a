"""Vocabularies sampled by index: names, companies, streets, workshops.

Built once per process from Faker's es_CO provider data (no Faker randomness, so the pools depend
only on the pinned Faker version), then sampled with numpy.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa


def _provider_values(attribute: str) -> list[str]:
    from faker import Faker

    for provider in Faker("es_CO").providers:
        if hasattr(provider, attribute):
            return sorted(set(getattr(provider, attribute)))
    raise LookupError(attribute)


@cache
def first_names() -> pa.Array:
    return pa.array(_provider_values("first_names"))


@cache
def last_names() -> pa.Array:
    return pa.array(_provider_values("last_names"))


COMPANY_SUFFIXES = ("S.A.S.", "Ltda.", "S.A.", "& Cía.", "Hermanos", "Distribuciones", "Comercial")
GOVERNMENT_BODIES = (
    "Alcaldía de",
    "Gobernación de",
    "Secretaría de Salud de",
    "Hospital Universitario de",
    "Universidad Pública de",
    "Empresas Públicas de",
    "Concejo Municipal de",
)
STREET_TYPES = ("Calle", "Carrera", "Avenida", "Transversal", "Diagonal")
WORKSHOPS = (
    "Taller Central Bogotá",
    "Servicio Técnico Antioquia",
    "Mecánica del Valle",
    "Servitecas del Caribe",
    "Taller Autorizado Cartagena",
    "Diesel Andino S.A.S.",
    "Frenos y Suspensiones Ltda.",
    "Llantas del Norte",
)
