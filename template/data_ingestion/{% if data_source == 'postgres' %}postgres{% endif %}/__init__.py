"""A PostgreSQL table or query as the data source (`source.type: postgres`).

- `connection`: where the server is (DATABASE_URL, PG* variables, or the local server), how to
  name it without its password, and which errors are worth a retry;
- `reader`: the ingest of new rows, streamed in chunks from a server-side cursor to the raw layer;
- `local_server`: a PostgreSQL of the machine's binaries in `.local/pg` (`make db-start`);
- `tables`: load a frame into a table (the sample, tests);
- `reconcile`: the data_pipeline gate's count of source rows against the raw layer.
"""
