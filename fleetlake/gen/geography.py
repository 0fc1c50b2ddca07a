"""The road network: five cities, real road distances and the towns each road passes.

Fixed geography, the same for every seed: 25 corridors (city pairs with one to three road
variants) in both directions give the 50 routes.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_CODES = {
    "Bogotá": "BOG",
    "Medellín": "MDE",
    "Cali": "CLO",
    "Barranquilla": "BAQ",
    "Cartagena": "CTG",
}

PLACES: dict[str, tuple[float, float]] = {
    "Bogotá": (4.7110, -74.0721),
    "Medellín": (6.2442, -75.5812),
    "Cali": (3.4516, -76.5320),
    "Barranquilla": (10.9685, -74.7813),
    "Cartagena": (10.3910, -75.4794),
    "Honda": (5.2044, -74.7390),
    "Puerto Triunfo": (5.8717, -74.6411),
    "Ibagué": (4.4389, -75.2322),
    "Armenia": (4.5339, -75.6811),
    "Buga": (3.9009, -76.2978),
    "Girardot": (4.3033, -74.8033),
    "Bucaramanga": (7.1193, -73.1227),
    "Aguachica": (8.3084, -73.6166),
    "Bosconia": (9.9761, -73.8903),
    "Puerto Boyacá": (5.9758, -74.5887),
    "Caucasia": (7.9865, -75.1930),
    "Montería": (8.7479, -75.8814),
    "Sincelejo": (9.3047, -75.3978),
    "Pereira": (4.8133, -75.6961),
    "Manizales": (5.0703, -75.5138),
    "Sabanalarga": (10.6306, -74.9214),
    "Planeta Rica": (8.4092, -75.5840),
}

# (city a, city b, road km, [variant: (extra-distance factor, towns passed from a to b)])
CORRIDORS: tuple[tuple[str, str, float, tuple[tuple[float, tuple[str, ...]], ...]], ...] = (
    (
        "Bogotá",
        "Medellín",
        440.0,
        (
            (1.0, ("Honda", "Puerto Triunfo")),
            (1.12, ("Puerto Boyacá",)),
            (1.2, ("Girardot", "Manizales")),
        ),
    ),
    (
        "Bogotá",
        "Cali",
        460.0,
        (
            (1.0, ("Girardot", "Ibagué", "Armenia", "Buga")),
            (1.1, ("Girardot", "Ibagué", "Pereira", "Buga")),
        ),
    ),
    (
        "Bogotá",
        "Barranquilla",
        1000.0,
        (
            (1.0, ("Bucaramanga", "Aguachica", "Bosconia")),
            (1.08, ("Puerto Boyacá", "Aguachica", "Bosconia")),
            (1.15, ("Honda", "Caucasia", "Sincelejo")),
        ),
    ),
    (
        "Bogotá",
        "Cartagena",
        1050.0,
        (
            (1.0, ("Bucaramanga", "Aguachica", "Bosconia")),
            (1.1, ("Puerto Boyacá", "Caucasia", "Sincelejo")),
        ),
    ),
    (
        "Medellín",
        "Cali",
        420.0,
        (
            (1.0, ("Manizales", "Pereira", "Armenia", "Buga")),
            (1.07, ("Pereira", "Buga")),
            (1.15, ("Manizales", "Armenia", "Buga")),
        ),
    ),
    (
        "Medellín",
        "Barranquilla",
        700.0,
        (
            (1.0, ("Caucasia", "Planeta Rica", "Sincelejo")),
            (1.1, ("Caucasia", "Montería", "Sincelejo", "Sabanalarga")),
        ),
    ),
    (
        "Medellín",
        "Cartagena",
        640.0,
        (
            (1.0, ("Caucasia", "Planeta Rica", "Sincelejo")),
            (1.08, ("Caucasia", "Montería", "Sincelejo")),
            (1.16, ("Puerto Triunfo", "Aguachica", "Bosconia")),
        ),
    ),
    (
        "Cali",
        "Barranquilla",
        1110.0,
        (
            (1.0, ("Pereira", "Manizales", "Caucasia", "Sincelejo")),
            (1.09, ("Armenia", "Ibagué", "Honda", "Bucaramanga", "Bosconia")),
        ),
    ),
    (
        "Cali",
        "Cartagena",
        1060.0,
        (
            (1.0, ("Pereira", "Manizales", "Caucasia", "Sincelejo")),
            (1.1, ("Buga", "Armenia", "Medellín", "Montería")),
            (1.18, ("Armenia", "Ibagué", "Honda", "Aguachica", "Bosconia")),
        ),
    ),
    ("Barranquilla", "Cartagena", 120.0, ((1.0, ()), (1.25, ("Sabanalarga",)))),
)

TRUCK_SPEED_KMH = 55.0
TOLL_COP_PER_KM = 150.0  # about 15,000 COP per 100 km


@dataclass(frozen=True)
class Route:
    route_id: int
    route_code: str
    origin: str
    destination: str
    distance_km: float
    estimated_hours: float
    base_toll_cop: float
    path: tuple[tuple[float, float], ...]


def build_routes() -> tuple[Route, ...]:
    """The 50 routes, ids 1..50, in a fixed order (corridor, variant, direction)."""
    routes: list[Route] = []
    for a, b, km, variants in CORRIDORS:
        for number, (factor, towns) in enumerate(variants, start=1):
            for origin, destination, via in ((a, b, towns), (b, a, tuple(reversed(towns)))):
                distance = round(km * factor, 1)
                route_id = len(routes) + 1
                routes.append(
                    Route(
                        route_id=route_id,
                        route_code=f"{CITY_CODES[origin]}-{CITY_CODES[destination]}-{number}",
                        origin=origin,
                        destination=destination,
                        distance_km=distance,
                        estimated_hours=round(distance / TRUCK_SPEED_KMH, 2),
                        base_toll_cop=round(distance * TOLL_COP_PER_KM, -2),
                        path=tuple(PLACES[p] for p in (origin, *via, destination)),
                    )
                )
    return tuple(routes)


ROUTES = build_routes()
assert len(ROUTES) == 50, len(ROUTES)
