"""The real-time path: Lambda handlers, local API gateway, replay from and compaction into the lake.

    client ──HTTP──► gateway (local) / API Gateway (AWS) ──► handlers ──► S3 raw events
                                                                      ├─► DynamoDB state
                                                                      └─► SNS alerts
    lake trips ──► replay ──► gateway            S3 raw events ──► compact ──► lake tables

Modules: ``models`` (typed events, validation), ``geometry`` (haversine, distance to a path),
``handlers`` (Lambda entry points) over ``ingest``, ``deliveries``, ``tracking`` and ``routes``;
``proxy`` (API Gateway events), ``gateway`` (local HTTP server), ``resources`` (AWS names,
clients, bootstrap), ``replay``, ``compaction``, ``local`` (moto server + gateway for a session).
"""
