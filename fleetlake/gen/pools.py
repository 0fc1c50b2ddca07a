"""Vocabularies sampled by index: names, companies, streets, workshops.

Names are Faker's es_CO provider lists, shipped as ``names.py`` (no Faker at run time, no Faker
randomness), sampled with numpy.
"""

from __future__ import annotations

from functools import cache

import pyarrow as pa

from fleetlake.gen.names import FIRST_NAMES, LAST_NAMES


@cache
def first_names() -> pa.Array:
    return pa.array(FIRST_NAMES)


@cache
def last_names() -> pa.Array:
    return pa.array(LAST_NAMES)


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
