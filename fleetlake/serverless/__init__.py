"""The real-time path: Lambda handlers, local API gateway, replay from and compaction into the lake.

    client ──HTTP──► gateway (local) / API Gateway (AWS) ──► handlers ──► S3 raw events
                                                                      ├─► DynamoDB state
                                                                      └─► SNS alerts
    lake trips ──► replay ──► gateway            S3 raw events ──► compact ──► lake tables

Modules: ``models`` (typed events, validation), ``geometry`` (haversine, distance to a path),
``handlers`` (Lambda entry points) over ``ingest``, ``deliveries``, ``tracking`` and ``routes``;
``proxy`` (API Gateway events), ``gateway`` (local HTTP server), ``resources`` (AWS names,
clients, bootstrap), ``replay``, ``compaction``, ``local`` (moto server + gateway for a session),
``demo`` (the quick-start step).
"""


def __getattr__(name: str):
    # Lazy: the handlers import this package inside a Lambda, where numpy and pyarrow are absent.
    if name == "demo_summary":
        from fleetlake.serverless.demo import demo_summary

        return demo_summary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
